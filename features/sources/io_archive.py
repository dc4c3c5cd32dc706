"""Twitter Information Operations archive: the users CSV and tweets CSV of a takedown release.

Both the 2018 layout (IRA/Iran releases: 64-hex hashes, ``poll_choices``) and the later one
(base64 hashes) are read by column name; a file may be plain or the single CSV inside the
release's .zip.

What the archive carries and what it does not:

- ``userid``, ``user_display_name`` and ``user_screen_name`` are replaced by a hash for accounts
  under 5,000 followers. Such rows get ``ids_hashed=True`` and ``screen_name``/``name`` missing
  (a hash is not a name).
- ``account_creation_date`` is day-only: ``created_at`` is midnight UTC of that day and
  ``created_at_day_only=True``.
- ``follower_count``/``following_count`` are a snapshot at takedown. There is no statuses,
  favourites or listed count and no avatar, default-profile, verified or protected field: those
  columns are missing for every IO row.
- ``observed_at`` (when the counts were observed) is the ``observed_at`` option when given;
  otherwise the time of the last tweet in the tweets files read together with the users file
  (the release's end, the closest the archive comes to a takedown date). With neither, it is
  missing and a note says so.
- A tweets file alone also yields accounts: the user columns repeat on every tweet, and each
  account takes the values of its latest tweet. When a users file is read too, it wins.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from features.sources import common, scan, values
from features.sources.common import LatestProfiles, Reading, ReadOptions, ReadResult
from features.sources.values import RowErrors

NAME = "io_archive"

USER_COLUMNS = ("userid", "follower_count", "following_count", "account_creation_date")
TWEET_COLUMNS = ("tweetid", "userid", "tweet_time")
TWEET_TIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "iso")
CREATION_FORMATS = ("%Y-%m-%d", "iso")

_RELEASE = re.compile(
    r"^(?:hashed_\d{4}_\d{2}_)?(?P<name>.+?)_(?:users|tweets)_csv_(?:un)?hashed", re.IGNORECASE
)


def sniff(path: str) -> bool:
    """An IO users or tweets CSV (by its header)."""
    if not path.lower().endswith((".csv", ".zip", ".csv.zip")):
        return False
    header = set(scan.csv_header(path))
    return {"userid", "account_creation_date", "follower_count"} <= header


def is_tweets_file(path: str) -> bool:
    """A tweets file (has ``tweetid``) rather than a users file."""
    return "tweetid" in scan.csv_header(path)


def release_name(paths: list[str]) -> str:
    """The release's name from its file names (``thailand_092020_users_csv_hashed.csv`` gives
    ``thailand_092020``), else the folder name."""
    for p in paths:
        m = _RELEASE.match(Path(p).name)
        if m:
            name = m.group("name")
            half = len(name) // 2
            # 2021 releases repeat the campaign: hashed_2021_12_RNA_0621_RNA_0621_users_...
            if len(name) % 2 == 1 and name[:half] == name[half + 1 :]:
                return name[:half]
            return name
    return common.default_source(paths)


#: Canonical account column -> the archive's column (users files, and every tweets row).
ACCOUNT_COLUMNS = {
    "account_id": "userid",
    "screen_name": "user_screen_name",
    "name": "user_display_name",
    "description": "user_profile_description",
    "location": "user_reported_location",
    "url": "user_profile_url",
    "lang": "account_language",
    "created_at": "account_creation_date",
    "followers_count": "follower_count",
    "following_count": "following_count",
}

#: Canonical post column -> the tweets file's column, for the rejects.
POST_COLUMNS = {"account_id": "userid", "post_id": "tweetid", "created_at": "tweet_time"}


def _accounts(chunk: pd.DataFrame, errors: RowErrors, observed_at: pd.Timestamp | None):
    """Parse the user columns of a users or tweets chunk."""
    acc = values.parse_columns(chunk, ACCOUNT_COLUMNS, errors, formats=CREATION_FORMATS)
    hashed = values.looks_hashed(acc["account_id"])
    for col in ("screen_name", "name"):
        if col in acc:
            acc[col] = acc[col].mask(hashed)
    acc["created_at"] = acc["created_at"].dt.floor("D")
    acc["ids_hashed"] = hashed.astype("boolean")
    acc["created_at_day_only"] = True
    if observed_at is not None:
        acc["observed_at"] = observed_at
    return acc


def _posts(chunk: pd.DataFrame, errors: RowErrors, times: pd.Series) -> pd.DataFrame:
    posts = pd.DataFrame({"account_id": values.text(chunk["userid"]),
                          "post_id": values.text(chunk["tweetid"]), "created_at": times},
                         index=chunk.index)
    if "is_retweet" in chunk:
        posts["is_retweet"] = values.flag(chunk["is_retweet"], "is_retweet", errors,
                                          empty_is=None)
    for canon, col in (("is_reply", "in_reply_to_tweetid"),
                       ("is_quote", "quoted_tweet_tweetid")):
        if col in chunk:  # whether the tweet it answers or quotes is named
            posts[canon] = values.text(chunk[col]).notna().astype("boolean")
    for canon, col in (("client", "tweet_client_name"), ("lang", "tweet_language")):
        if col in chunk:
            posts[canon] = values.text(chunk[col])
    return posts


def read(paths: list[str], opts: ReadOptions) -> Iterator[ReadResult]:
    """Read IO archive files; files of different releases (by file name, else folder) are read
    as separate releases, each with its own ``observed_at`` and group. With ``opts.source`` all
    files form one release."""
    if opts.source:
        yield from read_release(paths, opts)
        return
    releases: dict[str, list[str]] = {}
    for path in paths:
        releases.setdefault(release_name([path]), []).append(path)
    for files in releases.values():
        yield from read_release(files, opts)


def read_release(paths: list[str], opts: ReadOptions) -> Iterator[ReadResult]:
    """Read the users and tweets files of one release; yields results chunk by chunk.

    Tweets files are read first, once: their posts are emitted as they come, their last tweet
    time becomes the default ``observed_at``, and their accounts are held until the end and only
    emitted (with that ``observed_at``) for accounts no users file has.
    """
    tweets_files = [p for p in paths if is_tweets_file(p)]
    users_files = [p for p in paths if p not in tweets_files]
    reading = Reading.of(NAME, paths, opts, release_name(paths))
    tweet_accounts = LatestProfiles()
    observed_at = last_tweet = None
    for path in tweets_files:
        for chunk, rows, struct in scan.iter_csv(
            path, required=TWEET_COLUMNS, chunksize=opts.chunksize, encoding=opts.encoding
        ):
            errors = RowErrors(chunk.index)
            times = values.timestamp(
                chunk["tweet_time"], "tweet_time", errors, formats=TWEET_TIME_FORMATS
            )
            acc = (_accounts(chunk, errors, None)
                   if set(USER_COLUMNS) <= set(chunk.columns) else None)
            result = reading.tweets(_posts(chunk, errors, times), acc, errors, rows, path=path,
                                    latest=tweet_accounts, when=times, rejects=(struct,),
                                    columns=ACCOUNT_COLUMNS, post_columns=POST_COLUMNS)
            chunk_last = result.posts["created_at"].max()
            if pd.notna(chunk_last) and (last_tweet is None or chunk_last > last_tweet):
                last_tweet = chunk_last
            yield result

    if opts.observed_at is None and last_tweet is not None:
        observed_at = last_tweet
        yield reading.note(f"{reading.source}: observed_at = last tweet time {last_tweet}")
    elif opts.observed_at is None:
        yield reading.note(f"{reading.source}: observed_at unknown (no tweets file and no "
                           "observed_at option); age features will be missing")

    for path in users_files:
        for chunk, rows, struct in scan.iter_csv(
            path, required=USER_COLUMNS, chunksize=opts.chunksize, encoding=opts.encoding
        ):
            errors = RowErrors(chunk.index)
            yield reading.accounts(_accounts(chunk, errors, observed_at), errors, rows,
                                   path=path, rejects=(struct,), columns=ACCOUNT_COLUMNS)

    # (a profile from tweets gives way to the users file's: the caller's duplicate check)
    if observed_at is None:  # (with the option, the profiles were checked against it)
        yield ReadResult(NAME, accounts=tweet_accounts.finish())
    else:
        remaining, late = tweet_accounts.observed(observed_at, ACCOUNT_COLUMNS)
        yield ReadResult(NAME, accounts=remaining, rejects=late)
