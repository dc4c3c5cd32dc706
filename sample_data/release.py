"""The first synthetic release (``release/``): a network calibrated on the Thailand Sept 2020
takedown, its accounts (a creation cohort and a few aged ones), the coordinated operations they
take part in and their tweets, as rows of the IO archive's users and tweets CSV files."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta

import numpy as np
from synth import (
    DAY,
    SHIFT,
    TWEPOCH_MS,
    External,
    Operation,
    ReleaseAccount,
    ReleaseTweet,
    engagement_counts,
    epoch,
    from_knots,
    hour_of_day,
    human_times,
    io_hash,
    io_minute,
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

TAKEDOWN = "2026-07-20 16:45"  # last tweet: Thailand's last tweet 2020-07-20 16:45 UTC + SHIFT

# ---- release: accounts --------------------------------------------------------------------------
N_RELEASE = 900            # Thailand: 926 accounts
SHARE_AGED = 0.07          # older "aged"/purchased accounts; Thailand 3.9% predate Nov 2019 (we
#                            raise it a little so the sample has more hard positives)
N_AMPLIFIERS = 3           # aged accounts with >= 5,000 followers: written unhashed (Thailand: 0)
HASH_THRESHOLD = 5000      # IO archives hash ids/names of accounts under 5,000 followers
SHARE_TWEETING_COHORT = 0.49   # (measured) 455 of 926 Thailand accounts have tweets
SHARE_TWEETING_AGED = 0.65     # assumption: aged accounts are bought to be used
SHARE_HUMANLIKE_COHORT = 0.12  # assumption: tweeting cohort accounts run by hand, not by schedule
ACCOUNT_LANG = (("en", 0.728), ("th", 0.272))  # (measured) Thailand account_language 674/252

# Thailand account creation, accounts per day on its spike days (measured; top 9 days = 66%).
THAILAND_CREATION_SPIKES = {
    "2019-12-06": 50, "2019-12-07": 72, "2019-12-08": 106, "2019-12-09": 52,
    "2020-01-08": 24, "2020-01-09": 105, "2020-01-13": 71, "2020-01-14": 88, "2020-01-15": 46,
}
THAILAND_CREATION_WINDOW = ("2019-11-04", "2020-02-22")  # (measured) 95.9% created in Nov-Feb
N_BACKGROUND_CREATION_DAYS = 90  # Thailand: 99 distinct creation days; the rest are scattered
AGED_CREATION_YEARS = (2012, 2024)  # aged accounts: created uniformly over these years

# Quantile knots (probability, value) of follower/following counts. (measured) Thailand, split by
# whether the account has tweets in the tweets file: tweeting accounts have more of both.
FOLLOWERS_TWEETING = ((0, 0), (0.525, 0), (0.75, 2), (0.9, 6), (0.95, 14), (0.99, 27.5), (1, 66))
FOLLOWERS_SILENT = ((0, 0), (0.945, 0), (0.95, 1), (0.99, 3), (1, 12))
FOLLOWING_TWEETING = ((0, 0), (0.035, 0), (0.25, 4), (0.5, 10), (0.75, 28.5), (0.9, 60.6),
                      (0.95, 81.3), (0.99, 134.2), (1, 158))
FOLLOWING_SILENT = ((0, 0), (0.365, 0), (0.5, 1), (0.75, 5), (0.9, 11), (0.95, 19.5),
                    (0.99, 50.2), (1, 66))
# Aged accounts (assumption): lognormal around a few hundred, kept under the hashing threshold.
AGED_FOLLOWERS_MEDIAN, AGED_FOLLOWERS_SIGMA = 180, 1.1
AGED_FOLLOWING_MEDIAN, AGED_FOLLOWING_SIGMA = 260, 0.8
AMPLIFIER_FOLLOWERS = (5500, 48000)  # log-uniform
AMPLIFIER_TWEETS = (60, 160)         # amplifiers post a steady stream by hand
HUMANLIKE_MAX_TWEETS = (5, 120)      # hand-run members: volume capped at a draw from this range
# Aged accounts are repurposed from (Thailand date, moved by SHIFT) plus up to 60 days; hand-run
# members stay active 20-200 days.
AGED_REPURPOSED_FROM = "2019-10-15"
HUMANLIKE_ACTIVE_DAYS = (20, 200)

# Profile fields. (measured) Thailand: description empty 62.2% of tweeting / 84.5% of silent
# accounts, location empty 97.5%, profile URL empty 100%.
DESC_EMPTY_TWEETING, DESC_EMPTY_SILENT, DESC_EMPTY_AGED = 0.622, 0.845, 0.30
LOCATION_EMPTY_COHORT, LOCATION_EMPTY_AGED = 0.975, 0.50

# ---- release: tweets ----------------------------------------------------------------------------
# (measured) Thailand tweets per tweeting account: median 7, heavy tail to 886.
TWEETS_PER_ACCOUNT = ((0, 1), (0.1, 1), (0.25, 2), (0.5, 7), (0.75, 37.5), (0.9, 118.6),
                      (0.95, 258.2), (0.99, 584.8), (1, 886))
RELEASE_VOLUME_SCALE = 0.85 # scales the tail down (counts above 1) to keep the folder ~< 15 MB
# (measured) Thailand tweets per month; moved by SHIFT this sets each day's operation intensity.
THAILAND_TWEETS_PER_MONTH = {
    "2019-11": 695, "2019-12": 2698, "2020-01": 3156, "2020-02": 14431, "2020-03": 81,
    "2020-04": 127, "2020-05": 65, "2020-06": 12, "2020-07": 9,
}
# (measured) Thailand share of tweets per weekday Mon..Sun: an office week.
WEEKDAY_WEIGHTS = (0.164, 0.169, 0.139, 0.175, 0.163, 0.099, 0.090)
# (measured) Thailand share of tweets per UTC hour (%): 08-16 local time in UTC+7.
NETWORK_HOUR_WEIGHTS = (1.2, 4.2, 11.6, 14.4, 14.6, 9.2, 12.2, 11.4, 7.5, 4.0, 2.5, 1.4,
                        0.7, 0.8, 1.5, 0.9, 0.7, 0.5, 0.3, 0.1, 0.1, 0.1, 0.1, 0.3)
NETWORK_UTC_OFFSET = 7  # human-like members of the network live in UTC+7
OPS_PER_DAY_AT_PEAK = 14  # coordinated "operations" (shared targets + start time) per peak day
THAILAND_OPS_PERIOD = ("2019-11-01", "2020-07-20")  # days with operations (before SHIFT)
# (measured) Thailand: lag creation -> first tweet median 3 d (q90 30 d); active span median 5 d.
FIRST_TWEET_LAG_MEDIAN_DAYS, FIRST_TWEET_LAG_SIGMA = 3.0, 1.2
ACTIVE_SPAN_MEDIAN_DAYS, ACTIVE_SPAN_SIGMA = 5.0, 1.3
# Tweets per sitting ~ geometric(p), mean 1/p. Thailand: 75% of an account's consecutive gaps
# are <= 3 minutes and 40% are zero (same minute), so sittings are long.
SESSION_LENGTH_P = 0.15
SESSION_GAP_MINUTES = ((0, 0.48), (1, 0.25), (2, 0.10), (3, 0.07), (4, 0.04), (7, 0.04), (15, 0.02))
SESSION_START_OFFSET_MINUTES = ((0, 0.35), (1, 0.25), (2, 0.15), (3, 0.1), (5, 0.1), (9, 0.05))
# (measured) Thailand tweet kinds: 52.4% retweets; of the rest 67% replies, 22% quotes.
SHARE_RETWEET = 0.52
NON_RT_KINDS = (("reply", 0.60), ("quote", 0.20), ("original", 0.20))
SHARE_RT_IN_NETWORK = 0.06  # Thailand: 3.9% of retweets retweet a member (hashed retweet_userid)
SHARE_RT_OF_QUOTE = 0.07    # (measured) 6.9% of Thailand retweets carry a quoted_tweet_tweetid
SHARE_MULTILINE = 0.25      # (measured) 27.6% of Thailand tweet texts contain a line break
SHARE_HASHTAG = 0.15        # of originals/quotes/replies; Thailand 19% of all tweets have one
SHARE_LINK = 0.30           # of originals; Thailand: 6.7% of all non-retweets carry a URL
SHARE_QUOTE_LINK = 0.05     # (measured) 4.6% of Thailand quote tweets show the quoted link
# (measured) Thailand clients: Web App 59%, Android 27%, iPhone 13%; 22% of accounts use two.
NETWORK_CLIENTS = (("Twitter Web App", 0.55), ("Twitter for Android", 0.27),
                   ("Twitter for iPhone", 0.12), ("TweetDeck Web App", 0.025),
                   ("Buffer", 0.015), ("Hootsuite Inc.", 0.01), ("Twitter for iPad", 0.01))
SHARE_SECOND_CLIENT = 0.35  # per account; the second client then posts 35% of its tweets
SECOND_CLIENT_USE = 0.35
NETWORK_BIO = ("love my country", "just me", "good vibes", "football", "peace", "family first",
               "coffee", "proud citizen", "travel", "music", "student", "nature lover",
               "serve the nation", "truth matters", "army family", "farm life")
NETWORK_LOCATIONS = ("Bangkok", "Khon Kaen", "Chiang Mai", "Nakhon Ratchasima", "Thailand")
STORIES = (
    "Flood relief teams reached {n} villages in the north today",
    "Volunteers from the engineer battalion rebuilt the school in Ban Nong Sai",
    "The Dawn Party still has not explained the {n} million loan",
    "Stop spreading fake news about the defence budget",
    "Proud of our soldiers helping farmers bring in the harvest",
    "Who paid for the protest buses? Ask the Dawn Party",
    "Medical units gave free check ups to {n} families this week",
    "The opposition leader twisted the facts again in parliament",
    "Our troops cleared the road to Huai Khlong in {n} hours",
    "Young people deserve the truth, not slogans",
    "Thank you to every soldier working through the holidays",
    "Students from the south visited the water project today",
    "Do not believe the edited clip, watch the full speech",
    "The new bridge in Mae Rim opens next week, {n} workers finished it early",
    "Where did the donation money go? Still no answer",
    "Peace and order first, then everything else",
)
NETWORK_REPLIES = ("Stop lying to the people", "Where is the money?", "Thank you for your service",
                   "Fake news again", "The facts say otherwise", "Shame on you", "Well said",
                   "We stand with the troops", "Read the full report first", "Nobody believes this")
NETWORK_HASHTAGS = ("ServeThePeople", "SoldiersForTheNation", "FloodRelief", "TruthAboutTheLoan",
                    "DawnPartyLies", "UnitedWeStand", "ProudOfOurTroops", "KnowTheFacts",
                    "NorthernRelief", "PeaceFirst")


def snowflake_time(tweet_id: int) -> int:
    """The epoch second embedded in a snowflake id."""
    return ((tweet_id >> 22) + TWEPOCH_MS) // 1000


def creation_days(rng: np.random.Generator, n: int) -> np.ndarray:
    """Creation days of the cohort: Thailand's spike days plus scattered background days.

    The spike days carry their measured counts; the remaining mass goes to a random set of
    background days in the Thailand creation window with gamma weights (clustered, like the 99
    distinct real days). Everything is moved forward by SHIFT.
    """
    spike_days = [shifted(d) for d in sorted(THAILAND_CREATION_SPIKES)]
    spike_w = np.array([THAILAND_CREATION_SPIKES[d] for d in sorted(THAILAND_CREATION_SPIKES)],
                       dtype=float)
    lo, hi = (shifted(d) for d in THAILAND_CREATION_WINDOW)
    all_days = np.arange(lo, hi + DAY, DAY)
    background = rng.choice(all_days, size=N_BACKGROUND_CREATION_DAYS, replace=False)
    background_w = rng.gamma(0.6, 1.0, size=len(background))
    # Thailand: spike days hold 614 of the 888 accounts created in the window (69%)
    background_w *= spike_w.sum() * (274 / 614) / background_w.sum()
    days = np.concatenate([np.array(spike_days), background])
    w = np.concatenate([spike_w, background_w])
    return rng.choice(days, size=n, p=w / w.sum())


def make_release_accounts(rng: np.random.Generator) -> list[ReleaseAccount]:
    """All release accounts: the creation cohort, aged accounts and a few big amplifiers."""
    n_aged = round(N_RELEASE * SHARE_AGED)
    segments = ["amplifier"] * N_AMPLIFIERS + ["aged"] * (n_aged - N_AMPLIFIERS)
    segments += ["cohort"] * (N_RELEASE - n_aged)
    segments = [segments[i] for i in rng.permutation(len(segments))]  # mixed file order
    cohort_days = iter(creation_days(rng, segments.count("cohort")))
    taken: set[str] = set()
    accounts = []
    for i, seg in enumerate(segments):
        if seg == "cohort":
            tweeting = rng.random() < SHARE_TWEETING_COHORT
            created = int(next(cohort_days))
            u = rng.random(2)
            fol_knots = FOLLOWERS_TWEETING if tweeting else FOLLOWERS_SILENT
            fng_knots = FOLLOWING_TWEETING if tweeting else FOLLOWING_SILENT
            followers = int(from_knots(u[:1], fol_knots)[0])
            following = int(from_knots(u[1:], fng_knots)[0])
            desc_empty = DESC_EMPTY_TWEETING if tweeting else DESC_EMPTY_SILENT
            loc_empty = LOCATION_EMPTY_COHORT
            humanlike = tweeting and rng.random() < SHARE_HUMANLIKE_COHORT
        else:
            tweeting = seg == "amplifier" or rng.random() < SHARE_TWEETING_AGED
            y0, y1 = AGED_CREATION_YEARS
            created = epoch(f"{y0}-01-01") + int(rng.integers(0, (y1 - y0 + 1) * 365)) * DAY
            if seg == "amplifier":
                lo, hi = AMPLIFIER_FOLLOWERS
                followers = int(math.exp(rng.uniform(math.log(lo), math.log(hi))))
            else:
                followers = int(min(HASH_THRESHOLD - 1,
                                    rng.lognormal(math.log(AGED_FOLLOWERS_MEDIAN),
                                                  AGED_FOLLOWERS_SIGMA)))
            following = int(rng.lognormal(math.log(AGED_FOLLOWING_MEDIAN), AGED_FOLLOWING_SIGMA))
            desc_empty = 0.0 if seg == "amplifier" else DESC_EMPTY_AGED
            loc_empty = 0.0 if seg == "amplifier" else LOCATION_EMPTY_AGED
            humanlike = True
        n_tweets = 0
        if tweeting:
            n = int(from_knots(rng.random(1), TWEETS_PER_ACCOUNT)[0])
            n_tweets = 1 + round((n - 1) * RELEASE_VOLUME_SCALE)
            if seg == "amplifier":
                n_tweets = int(rng.integers(*AMPLIFIER_TWEETS))
            elif seg == "aged" or humanlike:
                n_tweets = min(n_tweets, int(rng.integers(*HUMANLIKE_MAX_TWEETS)))
        first, last = person_name(rng, network=True)
        if followers >= HASH_THRESHOLD:  # public-size account: the archive leaves it unhashed
            userid = str(user_id_for(rng, created))
            sname = screen_name(rng, first, last, taken)
            display = f"{first} {last}"
        else:
            userid = sname = display = io_hash(f"release-user/{i}")
        description = "" if rng.random() < desc_empty else one_of(rng, NETWORK_BIO)
        if seg != "cohort" and description:
            description = f"{description} | {one_of(rng, NETWORK_BIO)}"
        location = "" if rng.random() < loc_empty else one_of(rng, NETWORK_LOCATIONS)
        url = tco(rng) if seg == "amplifier" else ""
        primary = pick(rng, NETWORK_CLIENTS)
        second = pick(rng, NETWORK_CLIENTS) if rng.random() < SHARE_SECOND_CLIENT else None
        accounts.append(ReleaseAccount(
            userid=userid, display_name=display, screen_name=sname, location=location,
            description=description, url=url, followers=followers, following=following,
            created=created, lang=pick(rng, ACCOUNT_LANG), segment=seg, n_tweets=n_tweets,
            humanlike=humanlike, clients=(primary, None if second == primary else second)))
    return accounts


def make_operations(rng: np.random.Generator, externals: list[External]) -> list[Operation]:
    """Coordinated operations, day by day, with Thailand's monthly and weekday intensity."""
    month_days = dict.fromkeys(THAILAND_TWEETS_PER_MONTH, 0)
    for month in THAILAND_TWEETS_PER_MONTH:
        first = datetime.strptime(month, "%Y-%m").replace(tzinfo=UTC)
        month_days[month] = ((first + timedelta(days=32)).replace(day=1) - first).days
    peak = max(THAILAND_TWEETS_PER_MONTH[m] / month_days[m] for m in month_days)
    ops = []
    takedown = epoch(TAKEDOWN)
    for thai_day in range(epoch(THAILAND_OPS_PERIOD[0]), epoch(THAILAND_OPS_PERIOD[1]) + DAY, DAY):
        month = utc(thai_day).strftime("%Y-%m")
        day = thai_day + int(SHIFT.total_seconds())
        intensity = (THAILAND_TWEETS_PER_MONTH[month] / month_days[month] / peak
                     * WEEKDAY_WEIGHTS[utc(day).weekday()] / max(WEEKDAY_WEIGHTS))
        for _ in range(1 + int(rng.poisson(OPS_PER_DAY_AT_PEAK * intensity))):
            start = day + hour_of_day(rng, NETWORK_HOUR_WEIGHTS) * 3600
            start += int(rng.integers(0, 60)) * 60
            if start > takedown - 3600:
                continue
            n = int(rng.integers(2, 400))
            story = one_of(rng, STORIES).format(n=n)
            tags = tuple(one_of(rng, NETWORK_HASHTAGS) for _ in range(int(rng.integers(1, 3))))
            link = f"https://news-portal.example/article/{int(rng.integers(10000, 99999))}"
            rt_targets = []
            for _ in range(int(rng.integers(4, 17))):
                author = zipf_pick(rng, externals[:40])
                t = start - int(rng.integers(300, 12 * 3600))
                text = one_of(rng, STORIES).format(n=int(rng.integers(2, 400)))
                if rng.random() < SHARE_MULTILINE:
                    text += "\n\n#" + one_of(rng, NETWORK_HASHTAGS)
                rt_targets.append((snowflake(rng, t), author, text))
            reply_user = zipf_pick(rng, externals[:40], 1.3)
            reply_t = start - int(rng.integers(300, 6 * 3600))
            quote_user = zipf_pick(rng, externals[:40])
            quote_t = start - int(rng.integers(300, 6 * 3600))
            ops.append(Operation(start=start, weight=intensity, story=story, hashtags=tags,
                                 link=link, rt_targets=rt_targets,
                                 reply_target=(snowflake(rng, reply_t), reply_user),
                                 quote_target=(snowflake(rng, quote_t), quote_user)))
    ops.sort(key=lambda o: o.start)
    return ops


def network_text(rng: np.random.Generator, op: Operation, kind: str,
                 target: External | None) -> tuple[str, list[str]]:
    """Text and expanded URLs of a non-retweet tweet pushed in an operation."""
    urls: list[str] = []
    if kind == "reply" and target is not None:
        body = f"@{target.screen_name} {one_of(rng, NETWORK_REPLIES)}"
    elif rng.random() < 0.06:  # link- or hashtag-only tweets (Thailand 'und' language: 5.9%)
        body = ""
    else:
        body = op.story if rng.random() < 0.7 else one_of(rng, NETWORK_REPLIES)
        if kind == "original" and rng.random() < SHARE_MULTILINE:
            body += "\n" + one_of(rng, NETWORK_REPLIES)
    extras = []
    if rng.random() < SHARE_HASHTAG or not body:
        extras.append(" ".join(f"#{t}" for t in op.hashtags))
    if kind == "original" and (rng.random() < SHARE_LINK or not body):
        extras.append(tco(rng))
        urls.append(op.link)
    if kind == "quote" and rng.random() < SHARE_QUOTE_LINK:
        qid, qauthor = op.quote_target
        extras.append(tco(rng))
        urls.append(f"https://twitter.com/{qauthor.screen_name}/status/{qid}")
    sep = "\n\n" if rng.random() < SHARE_MULTILINE else " "
    text = sep.join([p for p in [body, " ".join(extras)] if p])
    return text, urls


def release_tweet(rng: np.random.Generator, acc: ReleaseAccount, ts: int, op: Operation,
                  rt_share: float, retweeted: set[str]) -> ReleaseTweet:
    """One tweet of a release account, tied to an operation's shared targets.

    `retweeted` holds the tweet ids this account already retweeted: a tweet can be retweeted
    once per account, so when the push has no fresh target left the account writes instead.
    """
    client = acc.clients[0]
    if acc.clients[1] is not None and rng.random() < SECOND_CLIENT_USE:
        client = acc.clients[1]
    tw = ReleaseTweet(account=acc, time=ts, kind="", text="", client=client, op=op)
    fresh = [t for t in op.rt_targets
             if str(t[0]) not in retweeted and snowflake_time(t[0]) < ts]
    if fresh and rng.random() < rt_share:
        tid, author, text = zipf_pick(rng, fresh, 0.8)  # the push's lead tweets get most RTs
        retweeted.add(str(tid))
        tw.kind = "retweet"
        tw.text = f"RT @{author.screen_name}: {text}"
        tw.rt_tweet = str(tid)
        tw.mentions = [str(author.user_id)]
        tw.in_network = rng.random() < SHARE_RT_IN_NETWORK
        if rng.random() < SHARE_RT_OF_QUOTE and snowflake_time(op.quote_target[0]) < ts:
            tw.quoted = str(op.quote_target[0])
        tw.counts = dict.fromkeys(("quote_count", "reply_count", "like_count", "retweet_count"), 0)
        return tw
    tw.kind = pick(rng, NON_RT_KINDS)
    if tw.kind != "original" and snowflake_time(op.reply_target[0]) >= ts:
        tw.kind = "original"  # a hand-run account posting before this push's targets existed
    if tw.kind == "quote" and snowflake_time(op.quote_target[0]) >= ts:
        tw.kind = "original"
    target = None
    if tw.kind == "reply":
        rid, target = op.reply_target
        tw.reply_user, tw.reply_tweet = str(target.user_id), str(rid)
        tw.mentions = [str(target.user_id)]
    elif tw.kind == "quote":
        tw.quoted = str(op.quote_target[0])
    tw.text, tw.urls = network_text(rng, op, tw.kind, target)
    boost = max(1.0, acc.followers / 500) if acc.followers >= 500 else 1.0
    tw.counts = engagement_counts(rng, min(boost, 8.0))
    return tw


def coordinated_times(rng: np.random.Generator, acc: ReleaseAccount,
                      ops: list[Operation], starts: np.ndarray) -> list[tuple[int, Operation]]:
    """Tweet times of a scheduled account: sittings that join operations, minutes apart.

    The account is active in a window starting a few days after creation (lognormal lag) and
    lasting a lognormal span that grows with its volume; inside it, it joins operations with
    probability proportional to their day's intensity and fires a burst of tweets at once.
    """
    lag = rng.lognormal(math.log(FIRST_TWEET_LAG_MEDIAN_DAYS), FIRST_TWEET_LAG_SIGMA)
    span = rng.lognormal(math.log(ACTIVE_SPAN_MEDIAN_DAYS), ACTIVE_SPAN_SIGMA)
    span *= max(1.0, acc.n_tweets / 7) ** 0.75  # heavy accounts stay on for weeks
    w0 = acc.created + int(max(0.1, lag) * DAY)
    w1 = w0 + int(span * DAY)
    lo, hi = int(np.searchsorted(starts, w0)), int(np.searchsorted(starts, w1))
    if hi - lo < 1:  # nothing in the window: join the next operations after it opens
        lo = min(lo, len(ops) - 1)
        hi = min(len(ops), lo + 3)
    idx = np.arange(lo, hi)
    w = np.array([ops[i].weight for i in idx], dtype=float)
    out: list[tuple[int, Operation]] = []
    used: dict[int, int] = {}
    while len(out) < acc.n_tweets:
        # the first sitting joins the first push after the account goes live, later ones any
        j = int(idx[0]) if not out else int(rng.choice(idx, p=w / w.sum()))
        op = ops[j]
        repeat = used.get(j, 0)
        used[j] = repeat + 1
        t = op.start + int(pick(rng, SESSION_START_OFFSET_MINUTES)) * 60
        t += repeat * int(rng.integers(2, 8)) * 3600  # a second sitting on the same push: later
        for _ in range(min(int(rng.geometric(SESSION_LENGTH_P)), acc.n_tweets - len(out))):
            out.append((t + int(rng.integers(0, 60)), op))
            t += int(pick(rng, SESSION_GAP_MINUTES)) * 60
    return out


def humanlike_times(rng: np.random.Generator, acc: ReleaseAccount, ops: list[Operation],
                    starts: np.ndarray) -> list[tuple[int, Operation]]:
    """Tweet times of a hand-run member: human rhythm, each tweet tied to the nearest push."""
    takedown = epoch(TAKEDOWN)
    if acc.segment == "cohort":
        start = acc.created + int(rng.uniform(0.5, 20) * DAY)
    else:  # aged accounts were bought and repurposed shortly before the operation
        start = max(acc.created + 30 * DAY,
                    shifted(AGED_REPURPOSED_FROM) + int(rng.integers(0, 60)) * DAY)
    end = min(takedown, start + int(rng.uniform(*HUMANLIKE_ACTIVE_DAYS) * DAY))
    start = min(start, end - DAY)
    times = human_times(rng, acc.n_tweets, start, end, NETWORK_UTC_OFFSET)
    latest = np.searchsorted(starts, np.array(times), side="right") - 1  # last push before t
    return [(t, ops[max(0, int(j))]) for t, j in zip(times, latest, strict=True)]


def make_release_tweets(rng: np.random.Generator, accounts: list[ReleaseAccount],
                        ops: list[Operation]) -> list[ReleaseTweet]:
    """All tweets of the release, with in-network retweets resolved and ids assigned."""
    starts = np.array([o.start for o in ops])
    takedown = epoch(TAKEDOWN)
    tweets: list[ReleaseTweet] = []
    for acc in accounts:
        if acc.n_tweets == 0:
            continue
        # per-account retweet propensity; a push's targets can run out, which lowers the
        # realised share towards Thailand's 52%
        rt_share = float(rng.beta(6, 4)) if not acc.humanlike else float(rng.beta(4, 6))
        plan = (humanlike_times if acc.humanlike else coordinated_times)(rng, acc, ops, starts)
        retweeted: set[str] = set()
        for ts, op in plan:
            ts = min(max(ts, acc.created + 3600), takedown)
            tweets.append(release_tweet(rng, acc, ts, op, rt_share, retweeted))
    tweets.sort(key=lambda t: t.time)
    assign_tweet_ids(rng, tweets)
    resolve_in_network_retweets(rng, tweets)
    return tweets


def assign_tweet_ids(rng: np.random.Generator, tweets: list[ReleaseTweet]) -> None:
    """Give every tweet (in time order) a unique snowflake id embedding its time."""
    taken: set[int] = set()
    for tw in tweets:
        tw.tweetid = snowflake(rng, tw.time)
        while tw.tweetid in taken:
            tw.tweetid = snowflake(rng, tw.time)
        taken.add(tw.tweetid)


def resolve_in_network_retweets(rng: np.random.Generator, tweets: list[ReleaseTweet]) -> None:
    """Turn flagged retweets into retweets of an earlier original by another member of the op.

    As in Thailand, such rows carry the member's hashed id in retweet_userid and the text starts
    'RT @<hash>:'; the retweet also mentions that member.
    """
    originals: dict[int, list[ReleaseTweet]] = {}
    for tw in tweets:  # tweets are in time order, so each list is too
        if tw.kind == "original" and tw.op is not None and tw.text:
            originals.setdefault(id(tw.op), []).append(tw)
    done: set[tuple[int, int]] = set()  # (account, source tweet): one retweet each
    for tw in tweets:
        if not tw.in_network or tw.op is None:
            continue
        sources = [o for o in originals.get(id(tw.op), [])
                   if o.time < tw.time and o.account is not tw.account
                   and (id(tw.account), o.tweetid) not in done]
        if not sources:
            continue
        src = sources[int(rng.integers(0, len(sources)))]
        done.add((id(tw.account), src.tweetid))
        tw.rt_user, tw.rt_tweet = src.account.userid, str(src.tweetid)
        tw.text = f"RT @{src.account.screen_name}: {src.text}"
        tw.urls = list(src.urls)
        tw.mentions = [src.account.userid, *src.mentions]
        tw.quoted = ""


def release_rows(tweets: list[ReleaseTweet], accounts: list[ReleaseAccount]) -> list[list[str]]:
    """Tweets CSV rows, grouped by account in users-file order, each account's in time order."""
    order = {id(a): i for i, a in enumerate(accounts)}
    rows = []
    for tw in sorted(tweets, key=lambda t: (order[id(t.account)], t.time, t.tweetid)):
        words = re.sub(r"https://t\.co/\w+|#\w+|@\S+|RT", "", tw.text).strip()
        lang = "en" if re.search(r"[A-Za-z]{3}", words) else "und"
        hashtags = re.findall(r"#(\w+)", tw.text)
        rows.append([
            str(tw.tweetid), *tw.account.user_fields(), lang, tw.text, io_minute(tw.time),
            tw.client, tw.reply_user, tw.reply_tweet, tw.quoted,
            "true" if tw.kind == "retweet" else "false", tw.rt_user, tw.rt_tweet,
            "absent", "absent",
            str(tw.counts["quote_count"]), str(tw.counts["reply_count"]),
            str(tw.counts["like_count"]), str(tw.counts["retweet_count"]),
            str(hashtags), str(tw.urls), str(tw.mentions),
        ])
    return rows
