"""Organic control accounts (``controls/``): personal, brand and news accounts calibrated on
cresci-2017's genuine accounts, as Twitter API v1.1 tweet objects that carry their author's
user object as it looked at each tweet's time."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from synth import (
    DAY,
    External,
    epoch,
    from_knots,
    hour_of_day,
    human_times,
    normal_cdf,
    one_of,
    person_name,
    pick,
    screen_name,
    shifted,
    snowflake,
    tco,
    user_id_for,
    utc,
    zipf_pick,
)

# Controls are "collected" over the same months as the release's active period, so the collection
# era is not a give-away of the class.
CONTROLS_WINDOW = ("2026-01-05 00:00", "2026-07-20 23:59")

# ---- controls -----------------------------------------------------------------------------------
N_CONTROLS = 2000
SHARE_NEWCOMERS = 0.12        # assumption: recent sign-ups / lurkers with tiny graphs
SHARE_NEWCOMERS_IN_BURST = 0.25  # of newcomers, signed up in the release's creation window
NEWCOMER_BURST_WINDOW = ("2019-12-01", "2020-01-31")  # Thailand dates, moved by SHIFT
NEWCOMERS_FROM = "2024-09-01"   # the other newcomers sign up between this and the window end
N_NEWS_BOTS = 30              # organic automation: news feeds posting on a fixed schedule
# (measured) Cresci genuine accounts, quantile knots over 3,474 accounts.
CRESCI_FOLLOWERS = ((0, 1), (0.01, 10), (0.05, 28), (0.1, 56.3), (0.25, 149), (0.5, 341),
                    (0.75, 803.8), (0.9, 1884), (0.95, 3560), (0.99, 14932), (0.999, 60860),
                    (1, 986837))
CRESCI_FRIENDS = ((0, 0), (0.01, 15), (0.05, 54.7), (0.1, 88), (0.25, 169), (0.5, 319),
                  (0.75, 635.8), (0.9, 1292.7), (0.95, 1986), (0.99, 4769), (0.999, 22480),
                  (1, 46310))
CRESCI_STATUSES = ((0, 3), (0.01, 29), (0.05, 177), (0.1, 423), (0.25, 1810), (0.5, 6609),
                   (0.75, 19467), (0.9, 42624), (0.95, 66566), (0.99, 149048), (0.999, 331336),
                   (1, 399555))
CRESCI_FAVOURITES = ((0, 0), (0.01, 1), (0.05, 14), (0.1, 43), (0.25, 261), (0.5, 1286),
                     (0.75, 4727), (0.9, 11488), (0.95, 19071), (0.99, 46483), (0.999, 143708),
                     (1, 313954))
CRESCI_LISTED = ((0, 0), (0.272, 0), (0.3, 1), (0.5, 2), (0.75, 8), (0.9, 30), (0.95, 66),
                 (0.99, 230), (0.999, 1829), (1, 6166))
# (measured) Spearman correlations of followers, friends, statuses, favourites, listed.
CRESCI_SPEARMAN = ((1.00, 0.68, 0.71, 0.50, 0.59),
                   (0.68, 1.00, 0.42, 0.31, 0.45),
                   (0.71, 0.42, 1.00, 0.55, 0.52),
                   (0.50, 0.31, 0.55, 1.00, 0.18),
                   (0.59, 0.45, 0.52, 0.18, 1.00))
# (measured) Cresci median followers / friends / statuses in four account-age bands (median ages
# 199, 547, 1117, 2021 days) relative to the overall medians (341 / 319 / 6,609). Counts are
# scaled by these factors for the account's age; the 30-day point is an extrapolation.
AGE_FACTOR_DAYS = (30, 199, 547, 1117, 2021)
AGE_FACTOR_FOLLOWERS = (0.15, 0.44, 0.86, 1.13, 1.21)
AGE_FACTOR_FRIENDS = (0.25, 0.57, 0.78, 1.01, 1.29)
AGE_FACTOR_STATUSES = (0.03, 0.18, 0.62, 1.19, 1.55)
# Creation year weights for regular controls. 2008-2014 follow Cresci's flat 2009-2014 pattern
# (558, 412, 580, 588, 554, 502 accounts); 2015-2026 are an assumption (fewer, steady sign-ups
# surviving to 2026, a 2020 bump); 2026 covers only January-June.
CREATION_YEAR_WEIGHTS = {
    2008: 0.025, 2009: 0.085, 2010: 0.070, 2011: 0.085, 2012: 0.085, 2013: 0.080, 2014: 0.070,
    2015: 0.060, 2016: 0.050, 2017: 0.050, 2018: 0.045, 2019: 0.045, 2020: 0.060, 2021: 0.045,
    2022: 0.045, 2023: 0.040, 2024: 0.035, 2025: 0.040, 2026: 0.015,
}
# (measured) Cresci created_at hour of day (UTC), per mille: US-heavy, dip 07-13 UTC.
CREATION_HOUR_WEIGHTS = (54, 52, 45, 51, 54, 49, 42, 33, 34, 28, 24, 35,
                         31, 33, 45, 40, 41, 35, 38, 49, 49, 44, 44, 48)
# (measured) Cresci utc_offset (hours) of accounts that set one, top 14, renormalised.
CONTROL_UTC_OFFSETS = ((-7, 0.219), (-5, 0.171), (8, 0.124), (-4, 0.104), (2, 0.059),
                       (5.5, 0.045), (1, 0.036), (-8, 0.033), (-3, 0.033), (12, 0.029),
                       (3, 0.027), (9, 0.023), (-6, 0.022), (-10, 0.020))
# (measured) Cresci profile shares: default_profile 29.7%, default_profile_image 0.37%,
# verified 0.32%, empty description 10.9%, url set 36.4%, location set 68.1%.
REGULAR_PROFILE = {"default_profile": 0.297, "default_profile_image": 0.0037,
                   "verified": 0.0032, "desc_empty": 0.109, "url": 0.364, "location": 0.681}
NEWCOMER_PROFILE = {"default_profile": 0.75, "default_profile_image": 0.35,  # assumption
                    "verified": 0.0, "desc_empty": 0.55, "url": 0.05, "location": 0.40}
NEWCOMER_FOLLOWERS = ((0, 0), (0.2, 0), (0.5, 8), (0.75, 25), (0.9, 70), (0.99, 400), (1, 1200))
NEWCOMER_FRIENDS = ((0, 0), (0.08, 0), (0.25, 12), (0.5, 45), (0.75, 110), (0.9, 250), (1, 900))
NEWCOMER_STATUSES_PER_DAY = ((0, 0.05), (0.5, 1.0), (0.9, 6), (1, 30))
# (measured) Cresci lang 91.5% en; other languages get a few non-English texts.
CONTROL_LANGS = (("en", 0.915), ("es", 0.035), ("fr", 0.015), ("pt", 0.015), ("in", 0.02))
# Tweets per control account: every account has >= 1; 53% have 5-30; mean about 5 (size budget).
CONTROL_TWEET_COUNTS_SMALL = ((1, 0.34), (2, 0.26), (3, 0.22), (4, 0.18))  # 47% of accounts
SHARE_CONTROL_SMALL = 0.47
CONTROL_TWEET_DECAY = 0.66  # P(n) ~ decay**(n-5) for n in 5..30
CONTROL_KINDS = (("retweet", 0.30), ("reply", 0.22), ("quote", 0.04), ("original", 0.44))
CONTROL_CLIENTS = (("Twitter for iPhone", 0.45), ("Twitter for Android", 0.35),
                   ("Twitter Web App", 0.17), ("Twitter for iPad", 0.03))
NEWS_CLIENTS = ("dlvr.it", "IFTTT", "Buffer", "WordPress.com", "Hootsuite Inc.",
                "TweetDeck Web App")
NEWS_INTERVALS_MINUTES = (30, 60, 120, 180, 240)
NEWS_TWEETS = (12, 31)        # tweets caught per feed (uniform, end exclusive)
NEWS_FOLLOWERS_MEDIAN, NEWS_FRIENDS_MEDIAN, NEWS_SIGMA = 8000, 120, 1.0  # lognormal
NEWS_STATUSES_PER_DAY = (8, 60)
CONTROL_BIO = (
    "coffee addict", "dad of two", "mom of three", "runner", "nurse", "teacher", "student",
    "software engineer", "views are my own", "dog lover", "cat person", "amateur photographer",
    "music is life", "foodie", "book lover", "gamer", "football fan", "living my best life",
    "she/her", "he/him", "travel junkie", "plant parent", "retired and loving it", "artist",
    "small business owner", "nba fan", "weekend baker", "proud aunt", "night owl", "vegan",
)
CONTROL_LOCATIONS = (
    "Austin, TX", "Chicago, IL", "London, England", "Los Angeles, CA", "New York, NY", "Toronto",
    "Manila", "Sydney", "Madrid", "Lagos", "Seattle, WA", "Phoenix, AZ", "Denver, CO", "Mumbai",
    "Singapore", "Dublin", "Houston, TX", "Atlanta, GA", "Miami, FL", "Boston, MA", "Earth",
    "somewhere", "USA", "California, USA", "Texas", "Jakarta", "Sao Paulo", "Paris", "Osaka",
)
CONTROL_TEXTS = (
    "just finished {act}, {feel}", "anyone else {complaint}?",
    "{food} for dinner again. no regrets",
    "good morning! {weather} today", "reading a new book and honestly {feel}",
    "the game last night was {adj}", "{n} days until vacation and I am {feel}",
    "thanks everyone for the birthday wishes", "new blog post is up {link}",
    "my dog just {dog}", "traffic on the way to work was {adj} today", "why is {food} so good",
    "finally watched that show everyone talks about. {adj}", "rainy sunday, {act} all day",
    "cannot believe it is already {month}", "first run of the year done, {feel}",
)
CONTROL_WORDS = {
    "act": ("cleaning the garage", "a long shift", "my homework", "meal prep", "a 10k",
            "painting the kitchen", "binge watching", "grocery shopping"),
    "feel": ("so tired", "pretty happy", "not ready", "feeling great", "kind of proud",
             "exhausted"),
    "complaint": ("hate mondays", "lose their keys every morning", "still waiting for spring",
                  "think this week is too long"),
    "food": ("pizza", "tacos", "ramen", "pasta", "leftover curry", "pancakes"),
    "weather": ("sunny", "freezing", "so windy", "perfect weather", "foggy"),
    "adj": ("wild", "amazing", "terrible", "so good", "a mess", "unreal"),
    "dog": ("stole my sandwich", "learned to open the door", "fell asleep on my laptop"),
    "month": ("march", "april", "may", "june", "july"),
}
CONTROL_REPLIES = ("haha same", "so true", "congrats!!", "this is amazing", "where did you get it?",
                   "love this", "no way", "happy birthday!", "agreed", "lol", "miss you too",
                   "good luck today")
FOREIGN_TEXTS = {
    "es": ("buenos dias a todos", "que calor hace hoy", "por fin viernes", "vamos equipo"),
    "fr": ("bonne journee a tous", "enfin le week end", "quel match ce soir"),
    "pt": ("bom dia pessoal", "que jogo incrivel", "finalmente sexta feira"),
    "in": ("selamat pagi semua", "hari ini panas sekali", "akhirnya libur juga"),
}
NEWS_HEADLINES = ("City council approves new bike lanes", "Storm warning issued for the coast",
                  "Local school wins robotics contest", "Fuel prices rise for third week",
                  "Museum reopens after renovation", "Power outage hits east side",
                  "New park opens downtown", "Transit fares to change next month",
                  "Hospital expands emergency ward", "Farmers market returns this weekend")

SOURCE_HTML = {
    "Twitter for iPhone": "http://twitter.com/download/iphone",
    "Twitter for Android": "http://twitter.com/download/android",
    "Twitter Web App": "https://mobile.twitter.com",
    "Twitter for iPad": "http://twitter.com/#!/download/ipad",
    "TweetDeck Web App": "https://tweetdeck.twitter.com",
    "Buffer": "https://buffer.com",
    "Hootsuite Inc.": "https://www.hootsuite.com",
    "dlvr.it": "https://dlvrit.com/",
    "IFTTT": "https://ifttt.com",
    "WordPress.com": "http://publicize.wp.com/",
}
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def twitter_time(ts: int) -> str:
    """Twitter API v1.1 created_at, e.g. 'Wed Oct 10 20:19:24 +0000 2018' (locale-free)."""
    d = utc(ts)
    return (f"{WEEKDAYS[d.weekday()]} {MONTHS[d.month - 1]} {d.day:02d} "
            f"{d.hour:02d}:{d.minute:02d}:{d.second:02d} +0000 {d.year}")


# =================================================================================================
# Organic controls.
# =================================================================================================

@dataclass
class ControlAccount:
    """One organic account, with its profile as at its latest tweet (the final snapshot)."""

    user_id: int
    name: str
    screen_name: str
    location: str
    description: str
    url: str | None
    followers: int
    friends: int
    listed: int
    favourites: int
    statuses_per_day: float
    created: int
    default_profile: bool
    default_profile_image: bool
    verified: bool
    segment: str            # "regular" | "newcomer" | "news"
    lang: str
    utc_offset: float
    clients: tuple[str, str]
    n_tweets: int


def age_factor(age_days: float, factors: tuple) -> float:
    """Measured Cresci ratio of the median count at this account age to the overall median."""
    return float(np.interp(math.log(max(age_days, 1.0)),
                           [math.log(d) for d in AGE_FACTOR_DAYS], factors))


def control_creation(rng: np.random.Generator, segment: str) -> int:
    """Creation time (with a real time of day) for a control account of a segment."""
    window_end = epoch(CONTROLS_WINDOW[1])
    if segment == "newcomer":
        if rng.random() < SHARE_NEWCOMERS_IN_BURST:  # signed up during the release's burst
            lo, hi = (shifted(d) for d in NEWCOMER_BURST_WINDOW)
        else:
            lo, hi = epoch(NEWCOMERS_FROM), window_end - 20 * DAY
        day = lo + int(rng.integers(0, (hi - lo) // DAY)) * DAY
    else:
        years = sorted(CREATION_YEAR_WEIGHTS)
        year = int(pick(rng, tuple((y, CREATION_YEAR_WEIGHTS[y]) for y in years)))
        if segment == "news":
            year = min(year, 2019)
        lo = epoch(f"{year}-01-01")
        hi = min(epoch(f"{year + 1}-01-01"), window_end - 30 * DAY)
        day = lo + int(rng.integers(0, max(1, (hi - lo) // DAY))) * DAY
    return day + hour_of_day(rng, CREATION_HOUR_WEIGHTS) * 3600 + int(rng.integers(0, 3600))


def control_counts(rng: np.random.Generator, n: int) -> np.ndarray:
    """Correlated uniforms (followers, friends, statuses, favourites, listed).

    Gaussian copula on Cresci's measured Spearman matrix (converted to Pearson for normals).
    """
    rho = np.array(CRESCI_SPEARMAN, dtype=float)
    corr = 2.0 * np.sin(np.pi * rho / 6.0)
    chol = np.linalg.cholesky(corr)
    z = rng.standard_normal((n, 5)) @ chol.T
    return normal_cdf(z)


def make_control_accounts(rng: np.random.Generator) -> list[ControlAccount]:
    """All control accounts: regular (Cresci-calibrated), newcomers and scheduled news feeds."""
    n_new = round(N_CONTROLS * SHARE_NEWCOMERS)
    segments = ["news"] * N_NEWS_BOTS + ["newcomer"] * n_new
    segments += ["regular"] * (N_CONTROLS - len(segments))
    segments = [segments[i] for i in rng.permutation(len(segments))]
    u_all = control_counts(rng, len(segments))
    window_end = epoch(CONTROLS_WINDOW[1])
    taken: set[str] = set()
    ids: set[int] = set()
    accounts = []
    for seg, u in zip(segments, u_all, strict=True):
        created = control_creation(rng, seg)
        age = (window_end - created) / DAY
        if seg == "newcomer":
            followers = int(from_knots(u[:1], NEWCOMER_FOLLOWERS)[0])
            friends = int(from_knots(u[1:2], NEWCOMER_FRIENDS)[0])
            rate = float(from_knots(u[2:3], NEWCOMER_STATUSES_PER_DAY, integer=False)[0])
            favourites = int(from_knots(u[3:4], CRESCI_FAVOURITES)[0] * min(1.0, age / 2000))
            listed = 0
            profile = NEWCOMER_PROFILE
        else:
            followers = int(from_knots(u[:1], CRESCI_FOLLOWERS)[0]
                            * age_factor(age, AGE_FACTOR_FOLLOWERS))
            friends = int(from_knots(u[1:2], CRESCI_FRIENDS)[0]
                          * age_factor(age, AGE_FACTOR_FRIENDS))
            statuses = float(from_knots(u[2:3], CRESCI_STATUSES)[0]
                             * age_factor(age, AGE_FACTOR_STATUSES))
            rate = max(statuses, 1.0) / max(age, 1.0)
            favourites = int(from_knots(u[3:4], CRESCI_FAVOURITES)[0])
            listed = int(from_knots(u[4:5], CRESCI_LISTED)[0]
                         * age_factor(age, AGE_FACTOR_FOLLOWERS))
            profile = REGULAR_PROFILE
        if seg == "news":  # feeds: big audience, follow few, post all day
            followers = int(rng.lognormal(math.log(NEWS_FOLLOWERS_MEDIAN), NEWS_SIGMA))
            friends = int(rng.lognormal(math.log(NEWS_FRIENDS_MEDIAN), NEWS_SIGMA))
            rate = float(rng.uniform(*NEWS_STATUSES_PER_DAY))
            listed = int(followers * rng.uniform(0.01, 0.04))
        first, last = person_name(rng)
        lang = "en" if seg == "news" else pick(rng, CONTROL_LANGS)
        location = one_of(rng, CONTROL_LOCATIONS)
        if seg == "news":
            location = one_of(rng, CONTROL_LOCATIONS[:20])  # the named cities
            town = location.split(",")[0]
            name = f"{town} {one_of(rng, ('News', 'Daily', 'Today', 'Headlines'))}"
            sname = name.replace(" ", "")[:13]
            while sname.lower() in taken:
                sname = f"{name.replace(' ', '')[:11]}{int(rng.integers(10, 100))}"
            taken.add(sname.lower())
            description = f"Headlines and updates from {town}"
        else:
            sname = screen_name(rng, first, last, taken)
            name = f"{first} {last}" if rng.random() < 0.62 else sname.lower()  # Cresci: 62%
            k = int(rng.integers(1, 4))
            description = ("" if rng.random() < profile["desc_empty"]
                           else " | ".join(one_of(rng, CONTROL_BIO) for _ in range(k)))
        user_id = user_id_for(rng, created)
        while user_id in ids:
            user_id = user_id_for(rng, created)
        ids.add(user_id)
        accounts.append(ControlAccount(
            user_id=user_id, name=name, screen_name=sname,
            location=location if seg == "news" or rng.random() < profile["location"] else "",
            description=description,
            url=tco(rng) if seg == "news" or rng.random() < profile["url"] else None,
            followers=followers, friends=friends, listed=listed, favourites=favourites,
            statuses_per_day=rate, created=created,
            default_profile=seg != "news" and bool(rng.random() < profile["default_profile"]),
            default_profile_image=seg != "news"
            and bool(rng.random() < profile["default_profile_image"]),
            verified=bool(rng.random() < (0.2 if seg == "news" else profile["verified"])),
            segment=seg, lang=lang, utc_offset=float(pick(rng, CONTROL_UTC_OFFSETS)),
            clients=((one_of(rng, NEWS_CLIENTS),) * 2 if seg == "news"
                     else (pick(rng, CONTROL_CLIENTS), pick(rng, CONTROL_CLIENTS))),
            n_tweets=control_tweet_count(rng, seg)))
    return accounts


def control_tweet_count(rng: np.random.Generator, segment: str) -> int:
    """How many of the account's tweets the collection caught (always at least one)."""
    if segment == "news":
        return int(rng.integers(*NEWS_TWEETS))
    if rng.random() < SHARE_CONTROL_SMALL:
        return int(pick(rng, CONTROL_TWEET_COUNTS_SMALL))
    ns = np.arange(5, 31)
    w = CONTROL_TWEET_DECAY ** (ns - 5)
    return int(rng.choice(ns, p=w / w.sum()))


def scheduled_times(rng: np.random.Generator, n: int, start: int, end: int) -> list[int]:
    """Feed posting: a fixed interval at a fixed minute, skipping local night hours."""
    interval = int(one_of(rng, NEWS_INTERVALS_MINUTES)) * 60
    minute = int(one_of(rng, (0, 0, 5, 15, 30))) * 60
    t = start - start % 3600 + minute + int(rng.integers(0, 24 * 3600 // interval)) * interval
    out = []
    while len(out) < n and t < end:
        if (t // 3600) % 24 not in (8, 9, 10, 11):  # a quiet 4-hour window each day (UTC)
            out.append(t + int(rng.integers(0, 25)))
        t += interval
    return out or [start]


def control_text(rng: np.random.Generator, acc: ControlAccount) -> tuple[str, str]:
    """An everyday synthetic tweet text and its language code."""
    if acc.segment == "news":
        return f"{one_of(rng, NEWS_HEADLINES)} {tco(rng)}", "en"
    if acc.lang in FOREIGN_TEXTS and rng.random() < 0.8:
        return one_of(rng, FOREIGN_TEXTS[acc.lang]), acc.lang
    template = one_of(rng, CONTROL_TEXTS)
    fills = {k: one_of(rng, v) for k, v in CONTROL_WORDS.items()}
    return template.format(n=int(rng.integers(2, 60)), link=tco(rng), **fills), "en"


def user_object(acc: ControlAccount, snap: dict[str, int]) -> dict:
    """The v1.1 user object of an account at one tweet, in the API's key order."""
    return {
        "id": acc.user_id, "id_str": str(acc.user_id), "name": acc.name,
        "screen_name": acc.screen_name, "location": acc.location,
        "description": acc.description, "url": acc.url, "protected": False,
        "followers_count": snap["followers"], "friends_count": snap["friends"],
        "listed_count": acc.listed, "created_at": twitter_time(acc.created),
        "favourites_count": snap["favourites"], "verified": acc.verified,
        "statuses_count": snap["statuses"], "lang": None,
        "default_profile": acc.default_profile,
        "default_profile_image": acc.default_profile_image,
    }


def snapshots(rng: np.random.Generator, acc: ControlAccount, times: list[int]) -> list[dict]:
    """Counts at each tweet: the last tweet carries the final counts, earlier ones a bit less.

    statuses_count drops by the account's own posting rate (at least one per observed tweet);
    followers/friends/favourites drift by a small random share of their lifetime growth.
    """
    last = times[-1]
    age_days = max((last - acc.created) / DAY, 1.0)
    statuses_final = max(len(times), int(acc.statuses_per_day * age_days))
    drift = {k: getattr(acc, k) / age_days * rng.uniform(0.2, 1.5)
             for k in ("followers", "friends", "favourites")}
    out: list[dict] = []
    statuses = statuses_final
    for i in range(len(times) - 1, -1, -1):
        before = (last - times[i]) / DAY
        snap = {k: max(0, getattr(acc, k) - int(drift[k] * before)) for k in drift}
        if i < len(times) - 1:
            gap = (times[i + 1] - times[i]) / DAY
            statuses -= max(1, int(acc.statuses_per_day * gap))
        snap["statuses"] = max(i + 1, statuses)
        out.append(snap)
    return out[::-1]


def make_control_tweets(rng: np.random.Generator, accounts: list[ControlAccount],
                        externals: list[External]) -> list[tuple[int, int, dict]]:
    """Every control tweet as (time, id, v1.1 object), in collection (time) order."""
    w0, w1 = (epoch(t) for t in CONTROLS_WINDOW)
    records = []
    taken: set[int] = set()
    for acc in accounts:
        start = max(w0, acc.created + int(rng.uniform(0.2, 3) * DAY))
        start = start + int(rng.uniform(0, 0.5) * (w1 - start))
        end = w1
        if acc.segment == "news":
            times = scheduled_times(rng, acc.n_tweets, start, end)
        else:
            times = human_times(rng, acc.n_tweets, start, end, acc.utc_offset)
        for ts, snap in zip(times, snapshots(rng, acc, times), strict=True):
            tid = snowflake(rng, ts)
            while tid in taken:
                tid = snowflake(rng, ts)
            taken.add(tid)
            records.append((ts, tid, control_tweet(rng, acc, ts, tid, snap, externals)))
    records.sort(key=lambda r: (r[0], r[1]))
    return records


def control_tweet(rng: np.random.Generator, acc: ControlAccount, ts: int, tid: int,
                  snap: dict[str, int], externals: list[External]) -> dict:
    """One v1.1 tweet object with the account's snapshot embedded as `user`."""
    kind = "original" if acc.segment == "news" else pick(rng, CONTROL_KINDS)
    client = acc.clients[0] if rng.random() < 0.8 else acc.clients[1]
    text, lang = control_text(rng, acc)
    reply_to = None
    retweeted = None
    if kind == "retweet":
        author = zipf_pick(rng, externals, 0.8)
        text = f"RT @{author.screen_name}: {text}"
        retweeted = {"id_str": str(snowflake(rng, ts - int(rng.integers(60, 3 * DAY)))),
                     "user": {"id_str": str(author.user_id)}}
    elif kind == "reply":
        author = zipf_pick(rng, externals, 0.6)
        text = f"@{author.screen_name} {one_of(rng, CONTROL_REPLIES)}"
        reply_to = str(snowflake(rng, ts - int(rng.integers(60, DAY))))
    elif kind == "quote":
        text = f"{one_of(rng, CONTROL_REPLIES)} {tco(rng)}"
    source = f'<a href="{SOURCE_HTML[client]}" rel="nofollow">{client}</a>'
    obj = {
        "created_at": twitter_time(ts), "id": tid, "id_str": str(tid), "text": text,
        "source": source, "in_reply_to_status_id_str": reply_to,
        "user": user_object(acc, snap),
    }
    if retweeted is not None:
        obj["retweeted_status"] = retweeted
    obj["is_quote_status"] = kind == "quote"
    obj["lang"] = lang
    return obj
