"""The second synthetic release (``release_b/``), in another campaign style: aged follow-back
accounts and a fresh burst retweeting paying clients' flights on a timer, so that training can
hold out one release and test on the other."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from release import assign_tweet_ids
from synth import (
    DAY,
    HERE,
    HUMAN_HOUR_WEIGHTS,
    External,
    ReleaseAccount,
    ReleaseTweet,
    engagement_counts,
    epoch,
    from_knots,
    hour_of_day,
    human_times,
    io_hash,
    normal_cdf,
    one_of,
    pick,
    snowflake,
    tco,
    user_id_for,
    zipf_pick,
)

# ---- release_b: a second, smaller release in a different style ---------------------------------
# Leave-one-release-out evaluation needs two positive groups. release_b is a fictional commercial
# and political amplification network: mostly old (purchased) "follow-back" accounts plus a small
# fresh creation burst, retweeting paying clients on a timer through automation clients. That is
# unlike release/ (a fresh cohort posting by hand and in office-hour bursts), so a model trained
# on one release is tested on a different campaign style. Every figure here is a modelling
# assumption, except those marked (measured): they come from the real RNA_0621 IO release
# (../shared/data/io-rna-0621, 50 accounts), the reference with the most pre-campaign accounts.
RELEASE_B_DIR = HERE / "release_b"
RELEASE_B_PREFIX = "sample_032026"  # a March 2026 "release": its own file prefix and group name
RELEASE_B_STREAM = 4  # release_b draws from child 4 of SeedSequence(SEED).spawn(5); children 0-3
#                       are the same as spawn(4)'s, so release/ and controls/ are unchanged
B_CAMPAIGN = ("2025-11-24 00:00", "2026-03-17 21:00")  # first / last possible tweet
N_B_AGED = 274   # purchased accounts created 2012-2018: the majority, unlike release/ (7%)
N_B_BURST = 120  # fresh accounts created in one 3-week burst just before the campaign
N_B_HUBS = 6     # aged members with real audiences; the others retweet their posts
# (measured) RNA_0621: 11 of 50 accounts (22%) predate its 2019-20 creation wave; they were
# created between 2012-09-20 and 2018-12-13. release_b uses the same span with a larger share.
B_AGED_CREATED = ("2012-01-01", "2018-12-31")  # uniform over these days
B_HUB_CREATED = ("2012-01-01", "2016-12-31")
B_BURST_CREATED = ("2025-11-03", "2025-11-23")  # 21 days, ending the day before the campaign
B_BURST_DAY_GAMMA = 0.8  # gamma shape of the burst's per-day weights: a few busy creation days
B_SHARE_TWEETING = {"aged": 0.62, "burst": 0.55, "hub": 1.0}  # about 60% of accounts tweet
B_SHARE_HUMANLIKE = 0.18  # tweeting non-hub accounts run by hand rather than by the timer
# Follower / following quantile knots. Followers: low but rarely zero (median about 15, heavy
# tail): the network's follow-back trades give every account a few followers.
B_FOLLOWERS_AGED = ((0, 0), (0.05, 0), (0.25, 8), (0.5, 24), (0.75, 60), (0.9, 160),
                    (0.97, 520), (1, 2600))
B_FOLLOWERS_BURST = ((0, 0), (0.10, 0), (0.25, 3), (0.5, 9), (0.75, 20), (0.9, 40), (1, 180))
# (measured) RNA_0621 following_count over its 50 accounts: 10% zero, q25 38, median 397.5,
# q75 1,540.5, q90 3,439.8, q95 4,679.7, max 4,901 (just under Twitter's 5,000 follow limit).
# Used as is for the aged accounts: follow-back networks follow hundreds to thousands.
B_FOLLOWING_AGED = ((0, 0), (0.1, 0), (0.25, 38), (0.5, 397.5), (0.75, 1540.5), (0.9, 3439.8),
                    (0.95, 4679.7), (1, 4901))
B_FOLLOWING_BURST = ((0, 0), (0.04, 0), (0.25, 120), (0.5, 300), (0.75, 560), (0.9, 900),
                     (1, 1900))  # fresh accounts: weeks of follow-back, fewer than the aged
B_FOLLOW_CORRELATION = 0.6  # normal-copula correlation of followers and following (follow-back)
B_HUB_FOLLOWERS = (900, 4800)  # log-uniform; under HASH_THRESHOLD, so every id is hashed
B_HUB_FOLLOWING_MEDIAN, B_HUB_FOLLOWING_SIGMA = 1500, 0.5
B_FOLLOW_LIMIT = 4990  # following is capped here (Twitter's 5,000 limit; RNA_0621 max 4,901)
B_DESC_EMPTY = {"aged": 0.40, "burst": 0.75, "hub": 0.0}  # aged: bios left by former owners
B_LOCATION_EMPTY = {"aged": 0.55, "burst": 0.90, "hub": 0.0}
B_SHARE_PROFILE_URL = {"aged": 0.10, "burst": 0.0, "hub": 1.0}
B_ACCOUNT_LANG = (("en", 0.82), ("es", 0.08), ("pt", 0.05), ("fr", 0.03), ("id", 0.02))
# Hashes are redrawn (new label) when dropping "/" leaves fewer than 40 characters: Thailand's
# shortest id has 40, and README documents 40-44 as the range a reader must accept.
B_MIN_HASH_LENGTH = 40
# Tweets per tweeting account: lognormal (median, sigma) capped; hubs uniform. The mean is about
# 21, so about 245 tweeting accounts give about 5,100 tweets: the folder stays under 17 MB.
B_TWEETS_SCHEDULED = (15.0, 0.9, 150)
B_TWEETS_HUMANLIKE = (7.0, 0.9, 60)
B_TWEETS_HUB = (40, 110)
# The timer. Members of one batch share a posting grid: k slots a day, evenly spaced, on a fixed
# minute. An account fires on a random subset of its grid's slots, weighted by shared per-day
# "push" weights, so members of a batch often post in the same minute.
B_N_BATCHES = 8
B_SLOTS_PER_DAY = (2, 3, 4, 6)
B_SLOT_MINUTES = (0, 5, 15, 30, 45)  # the grid's minute past the hour
B_PUSH_DAY_GAMMA = 1.2  # gamma shape of the shared per-day weights (lower: burstier days)
B_SLOT_DELAY_MINUTES = ((0, 0.55), (1, 0.30), (2, 0.10), (4, 0.05))  # queue latency
B_ENROL_DAYS = 75  # aged timer accounts join within this many days of the campaign start
B_GO_LIVE_LAG_MEDIAN_DAYS, B_GO_LIVE_LAG_SIGMA = 6.0, 0.6  # burst accounts: creation -> start
B_SHARE_STOPPED_EARLY = 0.3  # timer accounts abandoned before the takedown ...
B_STOPPED_SPAN_MEDIAN_DAYS = 30.0  # ... after a lognormal span (sigma 0.7)
B_HUMANLIKE_ACTIVE_DAYS = (20, 110)
B_UTC_OFFSET = -5  # hand-run members and the clients' social teams post in UTC-5
# Clients: timer accounts use one automation client (a quarter switch between the two);
# hand-run members use phone and web clients.
B_AUTOMATION_CLIENTS = (("dlvr.it", 0.55), ("IFTTT", 0.45))
B_SHARE_TWO_AUTOMATION_CLIENTS, B_SECOND_CLIENT_USE = 0.25, 0.3
B_MANUAL_CLIENTS = (("Twitter for Android", 0.45), ("Twitter for iPhone", 0.30),
                    ("Twitter Web App", 0.25))
# Tweet kinds. Retweet propensity is Beta per account: timer accounts mostly retweet, hand-run
# members less, hubs mostly write the originals the others retweet. Overall about 75% retweets.
B_RT_BETA = {"scheduled": (17, 3), "humanlike": (4, 5), "hub": (2, 8)}
B_SHARE_RT_OF_HUB = 0.12  # retweets that take a hub's original instead of a client tweet
B_HUB_FRESH_HOURS = 48    # hub originals are retweeted within this many hours
B_NON_RT_KINDS = (("original", 0.60), ("reply", 0.30), ("quote", 0.10))
B_CLIENT_POSTS_PER_DAY = 4   # Poisson mean of client tweets per flight per day
B_CLIENT_FRESH_HOURS = 36    # the timer retweets client tweets at most this old
B_SHARE_HASHTAG = 0.5        # of originals and quotes: promotional posts carry the campaign tag
B_SHARE_MULTILINE = 0.08     # feed-style posts are mostly one line
# The paying clients ("flights"): (client screen name, first day, last day, weight, hashtags,
# link). While several flights run, each tweet picks one in proportion to its weight. The
# political flight runs to the fictional council election on the takedown day.
B_FLIGHTS = (
    ("ZestUpDrinks", "2025-11-24", "2026-01-25", 1.0, ("ZestUp", "StayZesty"),
     "https://zestup.example/offer"),
    ("CoinNestApp", "2025-12-10", "2026-03-17", 1.0, ("CoinNest", "SaveSmart"),
     "https://coinnest.example/join"),
    ("GlowLeafSkin", "2026-01-05", "2026-02-28", 0.6, ("GlowLeaf",),
     "https://glowleaf.example/shop"),
    ("AdaKessler", "2026-01-26", "2026-03-17", 1.5, ("Kessler2026", "VoteKessler"),
     "https://harborleague.example/ada"),
    ("HarborLeague", "2026-01-26", "2026-03-17", 0.8, ("HarborLeague", "Kessler2026"),
     "https://harborleague.example/plan"),
)
# release_b: the clients' own tweets (retweeted by the network), the network's replies and quotes.
B_CLIENT_TEXTS = {
    "ZestUpDrinks": ("New flavour: Mango Rush is here", "Winter energy, zero sugar",
                     "Two cans for one this weekend", "Tag a friend who needs a boost"),
    "CoinNestApp": ("Round up spare change, watch it grow",
                    "Join this month, get a 20 dollar bonus",
                    "Saving made simple, no fees for a year", "Your nest egg starts today"),
    "GlowLeafSkin": ("Our night serum is back in stock", "Clean skincare, made with plants",
                     "Free shipping all week"),
    "AdaKessler": ("Safer streets, better buses for Harbor City",
                   "Thank you to every volunteer out today",
                   "March 17: vote for a council that listens",
                   "Lower rents start with more homes"),
    "HarborLeague": ("Our harbor front plan is out now", "Meet the team at the market on Saturday",
                     "Early voting is open now"),
}
B_REPLIES = ("Check this out", "Best deal I have seen all year", "Ada gets it done",
             "Totally agree, vote Kessler", "Worth a look", "Been using it for months, love it",
             "Follow back?", "This!", "Harbor City deserves better", "Do not miss this offer")
B_BIO = ("deal hunter", "coffee and crypto", "mom of two | deals", "follow back always",
         "fitness", "sports fan", "Harbor City local", "small business", "music lover",
         "dreamer", "marketing", "proud dad", "gamer", "travel", "love life", "foodie")
B_LOCATIONS = ("Harbor City", "Port Ellis", "Westbrook", "USA", "Lakeview", "Texas",
               "Florida", "earth")


# =================================================================================================
# The second release (release_b): a commercial / political amplification network.
# =================================================================================================

@dataclass
class Flight:
    """A paying client's campaign: its account, its dates and the client tweets to amplify."""

    client: External
    start: int
    end: int
    weight: float
    hashtags: tuple[str, ...]
    link: str
    posts: list[tuple[int, int, str]]  # (time, tweet id, text), in time order
    times: np.ndarray  # the posts' times, for np.searchsorted


def make_flights(rng: np.random.Generator) -> list[Flight]:
    """The clients' accounts and their own tweets, posted in local daytime (B_UTC_OFFSET)."""
    flights = []
    offset = B_UTC_OFFSET * 3600
    for name, first, last, weight, tags, link in B_FLIGHTS:
        created = epoch("2014-01-01") + int(rng.integers(0, 10 * 365)) * DAY
        client = External(user_id_for(rng, created), name)
        posts = []
        for day in range(epoch(first) - DAY, epoch(last) + DAY, DAY):  # from the eve of day one
            for _ in range(int(rng.poisson(B_CLIENT_POSTS_PER_DAY))):
                t = day - offset + hour_of_day(rng, HUMAN_HOUR_WEIGHTS) * 3600
                t += int(rng.integers(0, 3600))
                text = one_of(rng, B_CLIENT_TEXTS[name])
                if rng.random() < B_SHARE_HASHTAG:
                    text += " #" + one_of(rng, tags)
                posts.append((t, snowflake(rng, t), text))
        posts.sort()
        flights.append(Flight(client=client, start=epoch(first), end=epoch(last) + DAY - 1,
                              weight=weight, hashtags=tags, link=link, posts=posts,
                              times=np.array([p[0] for p in posts], dtype=np.int64)))
    return flights


def b_uniform_day(rng: np.random.Generator, span: tuple[str, str]) -> int:
    """A uniformly drawn day (epoch second of midnight) between two dates, both included."""
    lo, hi = (epoch(d) for d in span)
    return lo + int(rng.integers(0, (hi - lo) // DAY + 1)) * DAY


def make_release_b_accounts(rng: np.random.Generator) -> list[ReleaseAccount]:
    """release_b's accounts: aged (purchased) accounts, a fresh burst and a few hubs."""
    segments = ["hub"] * N_B_HUBS + ["aged"] * N_B_AGED + ["burst"] * N_B_BURST
    segments = [segments[i] for i in rng.permutation(len(segments))]  # mixed file order
    lo, hi = (epoch(d) for d in B_BURST_CREATED)
    burst_days = np.arange(lo, hi + DAY, DAY)
    burst_w = rng.gamma(B_BURST_DAY_GAMMA, 1.0, size=len(burst_days))
    burst_created = iter(rng.choice(burst_days, size=N_B_BURST, p=burst_w / burst_w.sum()))
    # followers and following through a normal copula: accounts that follow more get more back
    corr = np.array([[1.0, B_FOLLOW_CORRELATION], [B_FOLLOW_CORRELATION, 1.0]])
    u_all = normal_cdf(rng.standard_normal((len(segments), 2)) @ np.linalg.cholesky(corr).T)
    accounts = []
    for i, (seg, u) in enumerate(zip(segments, u_all, strict=True)):
        if seg == "hub":
            created = b_uniform_day(rng, B_HUB_CREATED)
            lo_f, hi_f = B_HUB_FOLLOWERS
            followers = int(math.exp(rng.uniform(math.log(lo_f), math.log(hi_f))))
            following = int(rng.lognormal(math.log(B_HUB_FOLLOWING_MEDIAN),
                                          B_HUB_FOLLOWING_SIGMA))
        else:
            aged = seg == "aged"
            created = b_uniform_day(rng, B_AGED_CREATED) if aged else int(next(burst_created))
            followers = int(from_knots(u[:1], B_FOLLOWERS_AGED if aged else B_FOLLOWERS_BURST)[0])
            following = int(from_knots(u[1:], B_FOLLOWING_AGED if aged else B_FOLLOWING_BURST)[0])
        following = min(following, B_FOLLOW_LIMIT)
        tweeting = rng.random() < B_SHARE_TWEETING[seg]
        humanlike = seg == "hub" or (tweeting and rng.random() < B_SHARE_HUMANLIKE)
        n_tweets = 0
        if seg == "hub":
            n_tweets = int(rng.integers(*B_TWEETS_HUB))
        elif tweeting:
            median, sigma, cap = B_TWEETS_HUMANLIKE if humanlike else B_TWEETS_SCHEDULED
            n_tweets = int(min(cap, max(1, round(rng.lognormal(math.log(median), sigma)))))
        if humanlike:
            clients = (pick(rng, B_MANUAL_CLIENTS), None)
        else:
            primary = pick(rng, B_AUTOMATION_CLIENTS)
            other = next(c for c, _ in B_AUTOMATION_CLIENTS if c != primary)
            clients = (primary, other if rng.random() < B_SHARE_TWO_AUTOMATION_CLIENTS else None)
        userid, redraw = io_hash(f"release-b-user/{i}"), 0
        while len(userid) < B_MIN_HASH_LENGTH:
            redraw += 1
            userid = io_hash(f"release-b-user/{i}/{redraw}")
        description = ""
        if rng.random() >= B_DESC_EMPTY[seg]:
            bios = rng.choice(len(B_BIO), size=int(rng.integers(1, 3)), replace=False)
            description = " | ".join(B_BIO[int(j)] for j in bios)
        location = "" if rng.random() < B_LOCATION_EMPTY[seg] else one_of(rng, B_LOCATIONS)
        url = tco(rng) if rng.random() < B_SHARE_PROFILE_URL[seg] else ""
        accounts.append(ReleaseAccount(
            userid=userid, display_name=userid, screen_name=userid, location=location,
            description=description, url=url, followers=followers, following=following,
            created=created, lang=pick(rng, B_ACCOUNT_LANG), segment=seg, n_tweets=n_tweets,
            humanlike=humanlike, clients=clients))
    return accounts


def b_batches(rng: np.random.Generator) -> list[np.ndarray]:
    """The timer's posting grids: every slot of each batch over the whole campaign.

    Returns, per batch, an (n_slots, 2) array of (slot time, weight); the weight is the slot's
    day's shared "push" weight, so busy days are busy for the whole batch.
    """
    c0, c1 = (epoch(t) for t in B_CAMPAIGN)
    days = np.arange(c0 - c0 % DAY, c1 + 1, DAY)
    push = rng.gamma(B_PUSH_DAY_GAMMA, 1.0, size=len(days))
    grids = []
    for _ in range(B_N_BATCHES):
        k = int(one_of(rng, B_SLOTS_PER_DAY))
        first = int(rng.integers(0, 24 // k)) * 3600 + int(one_of(rng, B_SLOT_MINUTES)) * 60
        offsets = first + np.arange(k) * (DAY // k)
        times = (days[:, None] + offsets[None, :]).ravel()
        weights = np.repeat(push, k)
        keep = (times >= c0) & (times <= c1)
        grids.append(np.column_stack([times[keep], weights[keep]]))
    return grids


def b_scheduled_times(rng: np.random.Generator, acc: ReleaseAccount,
                      grid: np.ndarray) -> list[int]:
    """A timer account's tweet times: a weighted random subset of its batch's slots.

    The account's window opens when it joins the campaign (aged accounts: within B_ENROL_DAYS of
    the start; burst accounts: a lognormal lag after creation) and closes at the takedown, or
    earlier for accounts abandoned along the way.
    """
    c0, c1 = (epoch(t) for t in B_CAMPAIGN)
    if acc.segment == "burst":
        lag = rng.lognormal(math.log(B_GO_LIVE_LAG_MEDIAN_DAYS), B_GO_LIVE_LAG_SIGMA)
        start = max(c0, acc.created + int(lag * DAY))
    else:
        start = c0 + int(rng.uniform(0, B_ENROL_DAYS) * DAY)
    end = c1
    if rng.random() < B_SHARE_STOPPED_EARLY:
        end = min(c1, start + int(rng.lognormal(math.log(B_STOPPED_SPAN_MEDIAN_DAYS), 0.7) * DAY))
    idx = np.flatnonzero((grid[:, 0] >= start) & (grid[:, 0] <= end))
    if len(idx) < acc.n_tweets:  # too short a window: take the slots before it as well
        idx = np.flatnonzero((grid[:, 0] >= c0) & (grid[:, 0] <= end))
    w = grid[idx, 1]
    chosen = np.sort(rng.choice(idx, size=min(acc.n_tweets, len(idx)), replace=False,
                                p=w / w.sum()))
    return [min(c1, int(grid[j, 0]) + int(pick(rng, B_SLOT_DELAY_MINUTES)) * 60
                + int(rng.integers(0, 60))) for j in chosen]


def b_humanlike_times(rng: np.random.Generator, acc: ReleaseAccount) -> list[int]:
    """A hand-run member's tweet times: human rhythm in B_UTC_OFFSET inside its active window."""
    c0, c1 = (epoch(t) for t in B_CAMPAIGN)
    if acc.segment == "hub":  # the hubs carry the whole campaign
        start, end = c0 + int(rng.uniform(0, 10) * DAY), c1 - int(rng.uniform(0, 5) * DAY)
    else:
        start = max(c0, acc.created + 2 * DAY) + int(rng.uniform(0, B_ENROL_DAYS) * DAY)
        end = min(c1, start + int(rng.uniform(*B_HUMANLIKE_ACTIVE_DAYS) * DAY))
        start = min(start, end - 10 * DAY)
    return human_times(rng, acc.n_tweets, start, end, B_UTC_OFFSET)


def b_tweet(rng: np.random.Generator, acc: ReleaseAccount, ts: int, flights: list[Flight],
            externals: list[External], rt_share: float, retweeted: set[int]) -> ReleaseTweet:
    """One release_b tweet: mostly a retweet of a fresh client tweet of a running flight."""
    client = acc.clients[0]
    if acc.clients[1] is not None and rng.random() < B_SECOND_CLIENT_USE:
        client = acc.clients[1]
    tw = ReleaseTweet(account=acc, time=ts, kind="", text="", client=client)
    live = [f for f in flights if f.start <= ts <= f.end] or flights[-1:]
    flight = pick(rng, tuple((f, f.weight) for f in live))
    lo = int(np.searchsorted(flight.times, ts - B_CLIENT_FRESH_HOURS * 3600))
    hi = int(np.searchsorted(flight.times, ts))  # client tweets strictly before ts
    fresh = [p for p in flight.posts[lo:hi] if p[1] not in retweeted]
    if fresh and rng.random() < rt_share:
        _, tid, text = zipf_pick(rng, fresh[::-1], 0.8)  # the newest client tweets first
        retweeted.add(tid)
        tw.kind, tw.rt_tweet = "retweet", str(tid)
        tw.text = f"RT @{flight.client.screen_name}: {text}"
        tw.mentions = [str(flight.client.user_id)]
        tw.in_network = acc.segment != "hub" and rng.random() < B_SHARE_RT_OF_HUB
        tw.counts = dict.fromkeys(("quote_count", "reply_count", "like_count", "retweet_count"), 0)
        return tw
    tw.kind = pick(rng, B_NON_RT_KINDS)
    if tw.kind == "quote" and not hi:
        tw.kind = "original"  # nothing of this client to quote yet
    tags = " ".join(f"#{t}" for t in flight.hashtags)
    if tw.kind == "reply":
        target = zipf_pick(rng, externals[:40])
        tw.reply_user = str(target.user_id)
        tw.reply_tweet = str(snowflake(rng, ts - int(rng.integers(300, 6 * 3600))))
        tw.mentions = [str(target.user_id)]
        tw.text = f"@{target.screen_name} {one_of(rng, B_REPLIES)}"
    elif tw.kind == "quote":
        tw.quoted = str(flight.posts[hi - 1 - min(int(rng.geometric(0.5)) - 1, hi - 1)][1])
        tw.text = one_of(rng, B_REPLIES)
        if rng.random() < B_SHARE_HASHTAG:
            tw.text += " " + tags
    else:  # a feed-style post: the client's line and a link, as dlvr.it and IFTTT write them
        tw.text = f"{one_of(rng, B_CLIENT_TEXTS[flight.client.screen_name])} {tco(rng)}"
        tw.urls = [f"{flight.link}?ref={int(rng.integers(1000, 9999))}"]
        if rng.random() < B_SHARE_HASHTAG:
            sep = "\n" if rng.random() < B_SHARE_MULTILINE else " "
            tw.text += sep + tags
    boost = acc.followers / 500 if acc.followers >= 500 else 1.0
    tw.counts = engagement_counts(rng, min(boost, 8.0))
    return tw


def resolve_hub_retweets(rng: np.random.Generator, tweets: list[ReleaseTweet]) -> None:
    """Turn flagged retweets into retweets of a recent hub original (hashed retweet_userid)."""
    hub_posts = [tw for tw in tweets if tw.account.segment == "hub" and tw.kind == "original"]
    times = np.array([tw.time for tw in hub_posts], dtype=np.int64)  # tweets are in time order
    done: set[tuple[int, int]] = set()  # (account, source tweet): one retweet each
    for tw in tweets:
        if not tw.in_network:
            continue
        lo = int(np.searchsorted(times, tw.time - B_HUB_FRESH_HOURS * 3600))
        hi = int(np.searchsorted(times, tw.time))
        sources = [o for o in hub_posts[lo:hi]
                   if o.account is not tw.account and (id(tw.account), o.tweetid) not in done]
        if not sources:
            continue
        src = sources[-min(int(rng.geometric(0.4)), len(sources))]  # mostly the newest
        done.add((id(tw.account), src.tweetid))
        tw.rt_user, tw.rt_tweet = src.account.userid, str(src.tweetid)
        tw.text = f"RT @{src.account.screen_name}: {src.text}"
        tw.urls = list(src.urls)
        tw.mentions = [src.account.userid, *src.mentions]


def make_release_b_tweets(rng: np.random.Generator, accounts: list[ReleaseAccount],
                          flights: list[Flight], externals: list[External]) -> list[ReleaseTweet]:
    """All tweets of release_b, with hub retweets resolved and ids assigned."""
    grids = b_batches(rng)
    tweets: list[ReleaseTweet] = []
    for acc in accounts:
        if acc.n_tweets == 0:
            continue
        style = "hub" if acc.segment == "hub" else "humanlike" if acc.humanlike else "scheduled"
        rt_share = float(rng.beta(*B_RT_BETA[style]))
        if style == "scheduled":
            times = b_scheduled_times(rng, acc, grids[int(rng.integers(0, len(grids)))])
        else:
            times = b_humanlike_times(rng, acc)
        retweeted: set[int] = set()
        for ts in times:
            tweets.append(b_tweet(rng, acc, ts, flights, externals, rt_share, retweeted))
    tweets.sort(key=lambda t: t.time)
    assign_tweet_ids(rng, tweets)
    resolve_hub_retweets(rng, tweets)
    return tweets
