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
Standard library + numpy only. The parts, each with its own figures: ``synth.py`` (what they
share: seed, time and id helpers, names, text, the external accounts), ``release.py``,
``release_b.py`` and ``controls.py``; this script draws them from one seed and writes the files.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import numpy as np
from controls import make_control_accounts, make_control_tweets
from release import make_operations, make_release_accounts, make_release_tweets, release_rows
from release_b import (
    RELEASE_B_DIR,
    RELEASE_B_PREFIX,
    RELEASE_B_STREAM,
    make_flights,
    make_release_b_accounts,
    make_release_b_tweets,
)
from synth import HERE, SEED, io_minute, make_externals

RELEASE_DIR = HERE / "release"
CONTROLS_DIR = HERE / "controls"
RELEASE_PREFIX = "sample_092026"  # -> sample_092026_users_csv_hashed.csv, ..._tweets_...
USERS_COLUMNS = ("userid", "user_display_name", "user_screen_name", "user_reported_location",
                 "user_profile_description", "user_profile_url", "follower_count",
                 "following_count", "account_creation_date", "account_language")
# Copied in order from thailand_092020_tweets_csv_hashed.csv (30 columns).
TWEETS_COLUMNS = ("tweetid", *USERS_COLUMNS, "tweet_language", "tweet_text", "tweet_time",
                  "tweet_client_name", "in_reply_to_userid", "in_reply_to_tweetid",
                  "quoted_tweet_tweetid", "is_retweet", "retweet_userid", "retweet_tweetid",
                  "latitude", "longitude", "quote_count", "reply_count", "like_count",
                  "retweet_count", "hashtags", "urls", "user_mentions")


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
