#!/usr/bin/env python3
"""Generate botsieve's embedded synthetic sample (seeded, deterministic, byte-for-byte).

Writes, next to this script:

* ``release/``  - a synthetic takedown release in the Twitter Information Operations archive
  layout (the later, base64-hashed layout of the Thailand Sept 2020 release): one users CSV and
  one tweets CSV. Every account in it is a positive (a member of the fictional network).
* ``release_b/`` - a second, smaller synthetic release in the same layout, of a different
  campaign style (aged follow-back accounts retweeting paying clients on a timer), so that
  training can hold out one release and test on the other.
* ``controls/`` - organic control accounts as Twitter API v1.1 tweet objects in JSON Lines, each
  carrying its account's ``user`` object as it looked at that tweet's time.

All content is synthetic: no real account, id, name or tweet is copied. The distributions are
calibrated on aggregate figures measured from the real reference data in ``../shared/data``;
README.md next to this file lists every figure, how it was measured and every assumption.

Run ``python sample_data/generate.py``. The same numpy version gives byte-identical files on
every run: one fixed seed, no wall clock, no dependence on set or dict ordering.
Standard library + numpy only.
"""

from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

# =================================================================================================
# Configuration. Every number that shapes the data is here. "Thailand" = the real Twitter IO
# release thailand_092020 (users + tweets CSV); "Cresci" = cresci-2017 genuine_accounts.csv.
# Values marked (measured) were computed from those files; README.md shows how.
# =================================================================================================

SEED = 20260720  # the single seed; each part of the generator gets its own child stream of it

HERE = Path(__file__).resolve().parent
RELEASE_DIR = HERE / "release"
CONTROLS_DIR = HERE / "controls"
RELEASE_PREFIX = "sample_092026"  # -> sample_092026_users_csv_hashed.csv, ..._tweets_...

# ---- time frame ---------------------------------------------------------------------------------
# The synthetic release is Thailand's timeline moved forward by exactly 313 weeks (~6 years):
# whole weeks keep every weekday, so creation spikes and the weekday posting rhythm stay aligned.
SHIFT = timedelta(weeks=313)
TAKEDOWN = "2026-07-20 16:45"  # last tweet: Thailand's last tweet 2020-07-20 16:45 UTC + SHIFT
# Controls are "collected" over the same months as the release's active period, so the collection
# era is not a give-away of the class.
CONTROLS_WINDOW = ("2026-01-05 00:00", "2026-07-20 23:59")

# ---- release: accounts --------------------------------------------------------------------------
N_RELEASE = 900            # Thailand: 926 accounts
SHARE_AGED = 0.07          # older "aged"/purchased accounts; Thailand 3.9% predate Nov 2019 (we
#                            raise it a little so the sample has more hard positives)
N_AMPLIFIERS = 3           # aged accounts with >= 5,000 followers: written unhashed (Thailand: 0)
HASH_THRESHOLD = 5000      # IO archives hash ids/names of accounts under 5,000 followers
# Thailand's hashes are base64 sha256 digests with every "/" removed: no id contains "/", and the
# length spread 44/43/42/41/40 = 477/314/103/29/3 matches dropping each of 43 base64 characters
# with p = 1/64. Set False to keep the plain 44-character form.
HASH_DROP_SLASH = True
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
# (measured) Thailand non-retweet engagement: P(count > 0) and mean count among non-zero.
ENGAGEMENT = (("quote_count", 0.038, 1.3), ("reply_count", 0.096, 1.5),
              ("like_count", 0.084, 1.8), ("retweet_count", 0.097, 2.0))
# (measured) Thailand clients: Web App 59%, Android 27%, iPhone 13%; 22% of accounts use two.
NETWORK_CLIENTS = (("Twitter Web App", 0.55), ("Twitter for Android", 0.27),
                   ("Twitter for iPhone", 0.12), ("TweetDeck Web App", 0.025),
                   ("Buffer", 0.015), ("Hootsuite Inc.", 0.01), ("Twitter for iPad", 0.01))
SHARE_SECOND_CLIENT = 0.35  # per account; the second client then posts 35% of its tweets
SECOND_CLIENT_USE = 0.35

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
# Local-time diurnal activity for human posting (assumption, the usual shape: night trough
# 02-06, morning rise, evening peak 19-22).
HUMAN_HOUR_WEIGHTS = (3.0, 2.0, 1.2, 0.8, 0.6, 0.8, 1.8, 3.2, 4.2, 4.6, 4.8, 5.0,
                      5.4, 5.2, 5.0, 5.0, 5.2, 5.6, 6.0, 6.6, 6.8, 6.6, 5.6, 4.2)
HUMAN_BURST_P = 0.15  # chance a human tweet follows the previous one within minutes (threads)
CONTROL_CLIENTS = (("Twitter for iPhone", 0.45), ("Twitter for Android", 0.35),
                   ("Twitter Web App", 0.17), ("Twitter for iPad", 0.03))
NEWS_CLIENTS = ("dlvr.it", "IFTTT", "Buffer", "WordPress.com", "Hootsuite Inc.",
                "TweetDeck Web App")
NEWS_INTERVALS_MINUTES = (30, 60, 120, 180, 240)
NEWS_TWEETS = (12, 31)        # tweets caught per feed (uniform, end exclusive)
NEWS_FOLLOWERS_MEDIAN, NEWS_FRIENDS_MEDIAN, NEWS_SIGMA = 8000, 120, 1.0  # lognormal
NEWS_STATUSES_PER_DAY = (8, 60)

# ---- ids ----------------------------------------------------------------------------------------
TWEPOCH_MS = 1288834974657  # Twitter snowflake epoch
# (measured) Cresci: smallest user id created in each year -> sequential ids before snowflakes.
# 2016-01-01 is an extrapolation; later accounts get snowflake ids.
USER_ID_ANCHORS = (("2007-01-01", 600_000), ("2008-01-01", 12_287_842),
                   ("2009-01-01", 18_576_332), ("2010-01-01", 100_933_746),
                   ("2011-01-01", 232_804_792), ("2012-01-01", 452_817_554),
                   ("2013-01-01", 1_051_181_264), ("2014-01-01", 2_256_345_201),
                   ("2015-01-01", 2_954_324_322), ("2016-01-01", 4_700_000_000))
N_EXTERNAL_ACCOUNTS = 80  # public accounts outside both samples that get retweeted / replied to

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
EXTERNAL_NAMES = ("NewsDesk", "DailyTimes", "MetroPost", "NationNow", "TheHerald", "LiveReport",
                  "VoiceOfCity", "SportsCentral", "WorldBrief", "PeoplesWatch")
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

USERS_COLUMNS = ("userid", "user_display_name", "user_screen_name", "user_reported_location",
                 "user_profile_description", "user_profile_url", "follower_count",
                 "following_count", "account_creation_date", "account_language")
# Copied in order from thailand_092020_tweets_csv_hashed.csv (30 columns).
TWEETS_COLUMNS = ("tweetid", *USERS_COLUMNS, "tweet_language", "tweet_text", "tweet_time",
                  "tweet_client_name", "in_reply_to_userid", "in_reply_to_tweetid",
                  "quoted_tweet_tweetid", "is_retweet", "retweet_userid", "retweet_tweetid",
                  "latitude", "longitude", "quote_count", "reply_count", "like_count",
                  "retweet_count", "hashtags", "urls", "user_mentions")

DAY = 86400
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
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


def twitter_time(ts: int) -> str:
    """Twitter API v1.1 created_at, e.g. 'Wed Oct 10 20:19:24 +0000 2018' (locale-free)."""
    d = utc(ts)
    return (f"{WEEKDAYS[d.weekday()]} {MONTHS[d.month - 1]} {d.day:02d} "
            f"{d.hour:02d}:{d.minute:02d}:{d.second:02d} +0000 {d.year}")


def snowflake(rng: np.random.Generator, ts: int) -> int:
    """A snowflake id whose embedded time is ts (random millisecond, worker and sequence)."""
    ms = ts * 1000 + int(rng.integers(0, 1000))
    worker, sequence = int(rng.integers(0, 1024)), int(rng.integers(0, 4096))
    return ((ms - TWEPOCH_MS) << 22) | (worker << 12) | sequence


def snowflake_time(tweet_id: int) -> int:
    """The epoch second embedded in a snowflake id."""
    return ((tweet_id >> 22) + TWEPOCH_MS) // 1000


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
# The release (positives).
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


# =================================================================================================
# Writing.
# =================================================================================================

def write_csv(path: Path, header: tuple[str, ...], rows: list[list[str]]) -> None:
    """CSV with every value double-quoted and LF line ends, like the IO archive files."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def write_jsonl(path: Path, objects: list[dict]) -> None:
    """One compact JSON object per line, ASCII-escaped, LF line ends."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        for obj in objects:
            fh.write(json.dumps(obj, separators=(",", ":"), ensure_ascii=True) + "\n")


def main(argv: list[str] | None = None) -> None:
    """Generate both samples and write them next to this script (or under ``--out``)."""
    parser = argparse.ArgumentParser(description="Regenerate botsieve's embedded sample.")
    parser.add_argument("--out", type=Path, default=HERE,
                        help="folder to write release/, release_b/ and controls/ into")
    out = parser.parse_args(argv).out
    release_dir, controls_dir = out / RELEASE_DIR.name, out / CONTROLS_DIR.name
    # spawn(n) gives children with spawn keys (0,) .. (n-1,): adding release_b's child leaves the
    # first four streams, and so release/ and controls/, exactly as they were
    streams = np.random.SeedSequence(SEED).spawn(RELEASE_B_STREAM + 1)
    rng_ext, rng_rel, rng_ops, rng_ctl, rng_b = (np.random.default_rng(s) for s in streams)
    externals = make_externals(rng_ext)

    accounts = make_release_accounts(rng_rel)
    ops = make_operations(rng_ops, externals)
    tweets = make_release_tweets(rng_rel, accounts, ops)
    write_csv(release_dir / f"{RELEASE_PREFIX}_users_csv_hashed.csv", USERS_COLUMNS,
              [a.user_fields() for a in accounts])
    write_csv(release_dir / f"{RELEASE_PREFIX}_tweets_csv_hashed.csv", TWEETS_COLUMNS,
              release_rows(tweets, accounts))

    controls = make_control_accounts(rng_ctl)
    records = make_control_tweets(rng_ctl, controls, externals)
    write_jsonl(controls_dir / "controls_tweets.jsonl", [obj for _, _, obj in records])

    flights = make_flights(rng_b)
    accounts_b = make_release_b_accounts(rng_b)
    tweets_b = make_release_b_tweets(rng_b, accounts_b, flights, externals)
    release_b_dir = out / RELEASE_B_DIR.name
    write_csv(release_b_dir / f"{RELEASE_B_PREFIX}_users_csv_hashed.csv", USERS_COLUMNS,
              [a.user_fields() for a in accounts_b])
    write_csv(release_b_dir / f"{RELEASE_B_PREFIX}_tweets_csv_hashed.csv", TWEETS_COLUMNS,
              release_rows(tweets_b, accounts_b))

    for label, accs, tws in (("release", accounts, tweets), ("release_b", accounts_b, tweets_b)):
        tweeting = sum(1 for a in accs if a.n_tweets)
        print(f"{label}: {len(accs)} accounts ({tweeting} tweeting), {len(tws)} tweets, "
              f"last tweet {io_minute(max(t.time for t in tws))}")
    print(f"controls: {len(controls)} accounts, {len(records)} tweets")


if __name__ == "__main__":
    main()
