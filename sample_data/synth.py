"""What the sample generator's parts share: the seed, the time and id helpers (Twitter's
snowflake ids, IO-archive hashes), sampling from measured quantiles, names and text, the
external accounts both samples retweet and reply to, and the records of a release's accounts
and tweets. The figures and where they were measured: README.md next to this file."""

from __future__ import annotations

import base64
import hashlib
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

# =================================================================================================
# Configuration the parts share (each part's own numbers are in its module). "Thailand" = the
# real Twitter IO release thailand_092020 (users + tweets CSV); "Cresci" = cresci-2017
# genuine_accounts.csv. Values marked (measured) were computed from those files; README.md shows
# how.
# =================================================================================================

SEED = 20260720  # the single seed; each part of the generator gets its own child stream of it

HERE = Path(__file__).resolve().parent

# ---- time frame ---------------------------------------------------------------------------------
# The synthetic release is Thailand's timeline moved forward by exactly 313 weeks (~6 years):
# whole weeks keep every weekday, so creation spikes and the weekday posting rhythm stay aligned.
SHIFT = timedelta(weeks=313)
# Thailand's hashes are base64 sha256 digests with every "/" removed: no id contains "/", and the
# length spread 44/43/42/41/40 = 477/314/103/29/3 matches dropping each of 43 base64 characters
# with p = 1/64. Set False to keep the plain 44-character form.
HASH_DROP_SLASH = True
# (measured) Thailand non-retweet engagement: P(count > 0) and mean count among non-zero.
ENGAGEMENT = (("quote_count", 0.038, 1.3), ("reply_count", 0.096, 1.5),
              ("like_count", 0.084, 1.8), ("retweet_count", 0.097, 2.0))
# Local-time diurnal activity for human posting (assumption, the usual shape: night trough
# 02-06, morning rise, evening peak 19-22).
HUMAN_HOUR_WEIGHTS = (3.0, 2.0, 1.2, 0.8, 0.6, 0.8, 1.8, 3.2, 4.2, 4.6, 4.8, 5.0,
                      5.4, 5.2, 5.0, 5.0, 5.2, 5.6, 6.0, 6.6, 6.8, 6.6, 5.6, 4.2)
HUMAN_BURST_P = 0.15  # chance a human tweet follows the previous one within minutes (threads)

# ---- ids ----------------------------------------------------------------------------------------
TWEPOCH_MS = 1288834974657  # Twitter snowflake epoch
# (measured) Cresci: smallest user id created in each year -> sequential ids before snowflakes.
# 2016-01-01 is an extrapolation; later accounts get snowflake ids.
USER_ID_ANCHORS = (("2007-01-01", 600_000), ("2008-01-01", 12_287_842),
                   ("2009-01-01", 18_576_332), ("2010-01-01", 100_933_746),
                   ("2011-01-01", 232_804_792), ("2012-01-01", 452_817_554),
                   ("2013-01-01", 1_051_181_264), ("2014-01-01", 2_256_345_201),
                   ("2015-01-01", 2_954_324_322), ("2016-01-01", 4_700_000_000))

# =================================================================================================
# Vocabulary for synthetic text and names (fictional; no real tweets or accounts).
# =================================================================================================

FIRST_NAMES = (
    "Anna", "Ben", "Carla", "Dan", "Elena", "Frank", "Grace", "Hugo", "Ines", "Jake", "Kara",
    "Leo", "Maya", "Nick", "Olga", "Paul", "Quinn", "Rosa", "Sam", "Tara", "Umar", "Vera",
    "Will", "Xena", "Yusuf", "Zoe", "Aiden", "Bella", "Chris", "Dora", "Eric", "Fiona", "Gabe",
    "Hana", "Ivan", "Jade", "Kyle", "Lina", "Marco", "Nora", "Owen", "Priya", "Ravi", "Sofia",
    "Tom", "Uma", "Victor", "Wendy", "Jess", "Mike", "Kate", "Luis", "Amir", "Chloe", "Diego",
    "Alexander", "Isabella", "Jonathan", "Samantha", "Benjamin", "Victoria", "Nathaniel",
    "Gabriela", "Christopher", "Madison", "Brandon", "Jasmine", "Dominic", "Natalie", "Caroline",
    "Sebastian", "Rebecca", "Anthony", "Michelle", "Patrick", "Danielle", "Jennifer", "Marcus",
)
LAST_NAMES = (
    "Smith", "Garcia", "Nguyen", "Brown", "Lopez", "Miller", "Khan", "Wilson", "Silva", "Moore",
    "Taylor", "Reyes", "Clark", "Lewis", "Walker", "Young", "Allen", "Torres", "Hill", "Scott",
    "Green", "Adams", "Baker", "Ramos", "Cruz", "Ward", "Price", "Bell", "Diaz", "Ortiz", "Hayes",
    "Myers", "Ford", "Reed", "Cole", "Stone", "Ross", "Perry", "Long", "Fox", "Park", "Kim",
    "Johnson", "Williams", "Rodriguez", "Martinez", "Anderson", "Thompson", "Robinson", "Harrison",
    "Gonzalez", "Henderson", "Mitchell", "Campbell", "Richardson", "Fernandez", "Patterson",
    "Morrison", "Sullivan", "Jenkins", "Coleman", "Washington", "Castillo", "Okafor", "Murphy",
)
NETWORK_FIRST = ("Somchai", "Anong", "Kittisak", "Nattapong", "Pimchanok", "Siriporn", "Wichai",
                 "Chaiwat", "Supaporn", "Thanakorn", "Arunee", "Rattana", "Kanya", "Prasert")
NETWORK_LAST = ("Srisuk", "Wongsawat", "Chaiyaporn", "Thongdee", "Saengthong", "Boonmee",
                "Kaewkla", "Phromma", "Jaidee", "Sukjai", "Rungroj", "Intharat")
NICK_WORDS = ("coffee", "pixel", "sunny", "night", "river", "lucky", "moon", "tiger", "blue",
              "wild", "happy", "lazy", "urban", "chef", "gamer", "music", "storm", "mango",
              "ninja", "retro", "cosmic", "silver", "little", "real", "the", "just", "its", "mr")

DAY = 86400
ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


# =================================================================================================
# Small helpers: time, ids, sampling, text.
# =================================================================================================

def epoch(text: str) -> int:
    """Seconds since 1970 (UTC) of 'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM'."""
    fmt = "%Y-%m-%d %H:%M" if " " in text else "%Y-%m-%d"
    return int(datetime.strptime(text, fmt).replace(tzinfo=UTC).timestamp())


def utc(ts: int) -> datetime:
    """Aware UTC datetime of an epoch second."""
    return datetime.fromtimestamp(ts, tz=UTC)


def shifted(thai_day: str) -> int:
    """Epoch second of a Thailand-release date moved forward by SHIFT."""
    return epoch(thai_day) + int(SHIFT.total_seconds())


def io_minute(ts: int) -> str:
    """IO archive tweet_time: UTC to the minute."""
    return utc(ts).strftime("%Y-%m-%d %H:%M")


def io_day(ts: int) -> str:
    """IO archive account_creation_date: the day only."""
    return utc(ts).strftime("%Y-%m-%d")


def snowflake(rng: np.random.Generator, ts: int) -> int:
    """A snowflake id whose embedded time is ts (random millisecond, worker and sequence)."""
    ms = ts * 1000 + int(rng.integers(0, 1000))
    worker, sequence = int(rng.integers(0, 1024)), int(rng.integers(0, 4096))
    return ((ms - TWEPOCH_MS) << 22) | (worker << 12) | sequence


def user_id_for(rng: np.random.Generator, created: int) -> int:
    """A plausible numeric user id for an account created at `created`.

    Sequential ids interpolated between the measured yearly anchors before 2016, snowflake ids
    after.
    """
    xs = [epoch(day) for day, _ in USER_ID_ANCHORS]
    if created >= xs[-1]:
        return snowflake(rng, created)
    ys = [float(v) for _, v in USER_ID_ANCHORS]
    base = float(np.interp(created, xs, ys))
    return int(base) + int(rng.integers(0, 400_000))


def io_hash(label: str) -> str:
    """An IO-archive style hashed id: base64 of a sha256 digest (see HASH_DROP_SLASH)."""
    digest = hashlib.sha256(f"botsieve-sample/{SEED}/{label}".encode()).digest()
    text = base64.b64encode(digest).decode("ascii")
    return text.replace("/", "") if HASH_DROP_SLASH else text


def from_knots(u: np.ndarray, knots: tuple, integer: bool = True) -> np.ndarray:
    """Map uniforms u to values through measured quantile knots ((p, value), ...).

    Interpolates linearly in log1p(value) so heavy tails stay heavy. Integers are rounded up,
    which reproduces the point masses exactly: P(X <= knot value) = knot probability.
    """
    ps = np.array([p for p, _ in knots], dtype=float)
    vs = np.log1p(np.array([v for _, v in knots], dtype=float))
    x = np.expm1(np.interp(u, ps, vs))
    return np.ceil(x - 1e-9).astype(np.int64) if integer else x


def pick(rng: np.random.Generator, pairs: tuple):
    """One item from ((item, weight), ...)."""
    weights = np.array([w for _, w in pairs], dtype=float)
    return pairs[int(rng.choice(len(pairs), p=weights / weights.sum()))][0]


def one_of(rng: np.random.Generator, items: tuple):
    """A uniformly chosen item of a tuple."""
    return items[int(rng.integers(0, len(items)))]


def tco(rng: np.random.Generator) -> str:
    """A t.co short link with a random 10-character path."""
    return "https://t.co/" + "".join(ALNUM[int(i)] for i in rng.integers(0, len(ALNUM), 10))


def normal_cdf(z: np.ndarray) -> np.ndarray:
    """Standard normal CDF (numpy has no erf)."""
    erf = np.frompyfunc(math.erf, 1, 1)
    return (0.5 * (1.0 + erf(z / math.sqrt(2.0)))).astype(float)


def hour_of_day(rng: np.random.Generator, weights: tuple) -> int:
    """An hour 0..23 drawn from 24 weights."""
    w = np.array(weights, dtype=float)
    return int(rng.choice(24, p=w / w.sum()))


def human_times(rng: np.random.Generator, n: int, start: int, end: int,
                utc_offset_hours: float) -> list[int]:
    """n irregular, human-looking tweet times in [start, end).

    Days between tweets are lognormal (irregular gaps, occasional long silences); the hour comes
    from the local diurnal curve; some tweets follow the previous one within minutes (threads).
    """
    span_days = max((end - start) / DAY, 0.5)
    gaps = rng.lognormal(0.0, 1.2, size=n)
    positions = np.cumsum(gaps)
    positions = (positions - positions[0]) / max(positions[-1], 1e-9)  # 0..1 across the window
    first = rng.uniform(0, 0.3) if n > 1 else rng.uniform(0, 1)
    days = first * span_days + positions * span_days * (1 - first)
    offset = int(utc_offset_hours * 3600)
    times: list[int] = []
    for d in days:
        if times and rng.random() < HUMAN_BURST_P:
            times.append(times[-1] + int(rng.integers(40, 1200)))
            continue
        local_midnight = (start + offset) // DAY * DAY + int(d) * DAY
        secs = hour_of_day(rng, HUMAN_HOUR_WEIGHTS) * 3600 + int(rng.integers(0, 3600))
        times.append(local_midnight + secs - offset)
    times = sorted(min(max(t, start), end - 1) for t in times)
    for i in range(1, n):  # strictly increasing: no two tweets of an account in one second
        if times[i] <= times[i - 1]:
            times[i] = times[i - 1] + int(rng.integers(20, 300))
    times[-1] = min(times[-1], end - 1)  # and pulled back inside the window if pushed past it
    for i in range(n - 2, -1, -1):
        if times[i] >= times[i + 1]:
            times[i] = times[i + 1] - int(rng.integers(20, 300))
    return times


def engagement_counts(rng: np.random.Generator, boost: float = 1.0) -> dict[str, int]:
    """quote/reply/like/retweet counts of an original tweet (mostly zero, as measured)."""
    out = {}
    for name, p_nonzero, mean_nonzero in ENGAGEMENT:
        p = min(0.95, p_nonzero * boost)
        out[name] = 0 if rng.random() >= p else int(rng.geometric(1 / (mean_nonzero * boost)))
    return out


# =================================================================================================
# Names shared by both samples.
# =================================================================================================

def person_name(rng: np.random.Generator, network: bool = False) -> tuple[str, str]:
    """A (first, last) name pair from the synthetic pools."""
    if network:
        return one_of(rng, NETWORK_FIRST), one_of(rng, NETWORK_LAST)
    return one_of(rng, FIRST_NAMES), one_of(rng, LAST_NAMES)


def screen_name(rng: np.random.Generator, first: str, last: str, taken: set[str]) -> str:
    """A unique screen name (<= 15 chars) in the styles seen in Cresci genuine accounts.

    Targets (measured): median length 11, 21% contain a digit, 13% end in 2+ digits, 20% contain
    an underscore, about half are all lower case.
    """
    style = pick(rng, (("firstlast", 0.34), ("first_last", 0.12), ("nick", 0.20),
                       ("firstlast_digits", 0.08), ("first_digits", 0.03), ("nick_nick", 0.08),
                       ("initial_last", 0.11), ("nick_digit", 0.04)))
    nick1, nick2 = one_of(rng, NICK_WORDS), one_of(rng, NICK_WORDS)
    digits = str(int(rng.integers(10, 100 if rng.random() < 0.6 else 10000)))
    parts = {
        "firstlast": [first, last], "first_last": [first, "_", last],
        "nick": [nick1.capitalize(), first], "firstlast_digits": [first, last, digits],
        "first_digits": [first, digits], "nick_nick": [nick1, "_", nick2, first[:3]],
        "initial_last": [first[0], last, "_" if rng.random() < 0.3 else ""],
        "nick_digit": [nick1, last, str(int(rng.integers(1, 10)))],
    }[style]
    name = "".join(parts)
    if rng.random() < 0.5:
        name = name.lower()
    name = name[:15]
    while name.lower() in taken or len(name) < 4:
        name = (name[:12] + str(int(rng.integers(0, 1000))))[:15]
    taken.add(name.lower())
    return name


# =================================================================================================
# External public accounts (news, politicians): retweeted and replied to, never in a sample.
# =================================================================================================

@dataclass
class External:
    """A public account outside both samples, known only by its id and screen name."""

    user_id: int
    screen_name: str


N_EXTERNAL_ACCOUNTS = 80  # public accounts outside both samples that get retweeted / replied to
EXTERNAL_NAMES = ("NewsDesk", "DailyTimes", "MetroPost", "NationNow", "TheHerald", "LiveReport",
                  "VoiceOfCity", "SportsCentral", "WorldBrief", "PeoplesWatch")


def make_externals(rng: np.random.Generator) -> list[External]:
    """The pool of external accounts, mixing legacy and snowflake-era ids."""
    taken: set[str] = set()
    out = []
    for i in range(N_EXTERNAL_ACCOUNTS):
        created = epoch("2008-06-01") + int(rng.integers(0, 17 * 365 * DAY))
        base = EXTERNAL_NAMES[i % len(EXTERNAL_NAMES)]
        name = base if i < len(EXTERNAL_NAMES) else f"{base}{int(rng.integers(1, 99))}"
        while name.lower() in taken:
            name = f"{base}{int(rng.integers(100, 999))}"
        taken.add(name.lower())
        out.append(External(user_id_for(rng, created), name))
    return out


def zipf_pick(rng: np.random.Generator, items: list, exponent: float = 1.1):
    """An item chosen with Zipf-like popularity (a few targets draw most of the traffic)."""
    w = 1.0 / np.arange(1, len(items) + 1) ** exponent
    return items[int(rng.choice(len(items), p=w / w.sum()))]


# =================================================================================================
# The records of a release (positives): its accounts, the operations they join, their tweets.
# =================================================================================================

@dataclass
class ReleaseAccount:
    """One account of the synthetic takedown release, as the IO users CSV describes it."""

    userid: str
    display_name: str
    screen_name: str
    location: str
    description: str
    url: str
    followers: int
    following: int
    created: int
    lang: str
    segment: str          # "cohort" | "aged" | "amplifier"
    n_tweets: int
    humanlike: bool
    clients: tuple[str, str | None]

    def user_fields(self) -> list[str]:
        """The ten user columns, in file order."""
        return [self.userid, self.display_name, self.screen_name, self.location,
                self.description, self.url, str(self.followers), str(self.following),
                io_day(self.created), self.lang]


@dataclass
class Operation:
    """A coordinated push: a start minute, a story, hashtags, and shared external targets."""

    start: int
    weight: float
    story: str
    hashtags: tuple[str, ...]
    link: str
    rt_targets: list[tuple[int, External, str]]   # (tweet id, author, text)
    reply_target: tuple[int, External]
    quote_target: tuple[int, External]


@dataclass
class ReleaseTweet:
    """One row of the IO tweets CSV before ids are final."""

    account: ReleaseAccount
    time: int
    kind: str
    text: str
    client: str
    op: Operation | None = None
    tweetid: int = 0
    reply_user: str = ""
    reply_tweet: str = ""
    quoted: str = ""
    rt_user: str = ""
    rt_tweet: str = ""
    urls: list[str] = field(default_factory=list)
    mentions: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    in_network: bool = False
