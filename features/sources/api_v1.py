"""Twitter API v1.1 objects: user objects, or tweet objects that embed their author's ``user``.

Layouts: a JSON array, JSON Lines, or either inside a .zip. Which kind of object a file holds is
decided per file from its first record (a record with a ``user`` object is a tweet).

- User objects: one account per ``id_str``; a second object with the same id is a duplicate
  observation and goes to rejects. ``observed_at`` is the ``observed_at`` option (the fetch
  time; a user object does not carry it), missing with a note otherwise.
- Tweet objects: each tweet is a post, and its embedded ``user`` is an observation of the
  author at the tweet's ``created_at``; the latest observation of each account wins and its
  ``observed_at`` is that tweet's time. Retweets are tweets with ``retweeted_status``, replies
  have ``in_reply_to_status_id(_str)``, quotes have ``is_quote_status``; the client is the text
  of the ``source`` anchor.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from features.sources import json_records, values
from features.sources.common import LatestProfiles, Reading, ReadOptions, ReadResult
from features.sources.values import RowErrors

NAME = "api_v1"

USER_FIELDS = {
    "account_id": ("id_str|id",),
    "screen_name": ("screen_name",),
    "name": ("name",),
    "description": ("description",),
    "location": ("location",),
    "url": ("url",),
    "lang": ("lang",),
    "created_at": ("created_at",),
    "followers_count": ("followers_count",),
    "following_count": ("friends_count",),
    "statuses_count": ("statuses_count",),
    "favourites_count": ("favourites_count",),
    "listed_count": ("listed_count",),
    "default_profile": ("default_profile",),
    "default_profile_image": ("default_profile_image",),
    "verified": ("verified",),
    "protected": ("protected",),
    "profile_use_background_image": ("profile_use_background_image",),
}
TIME_FORMATS = (values.TWITTER_TIME, "iso")
TWEET_FIELDS = {name: (name,) for name in (
    "created_at", "retweeted_status", "is_quote_status", "source", "lang")} | {
    "id_str": ("id_str|id",),
    "in_reply_to_status_id_str": ("in_reply_to_status_id_str|in_reply_to_status_id",)}
#: Pluck specs keyed by the records' own field names, and canonical column -> that name.
USER_SPEC, USER_COLUMNS = json_records.by_name(USER_FIELDS)
AUTHOR_SPEC, AUTHOR_COLUMNS = json_records.by_name(USER_FIELDS, "user")
POST_COLUMNS = {"account_id": "user.id_str", "post_id": "id_str", "created_at": "created_at"}


def sniff(path: str) -> bool:
    """A JSON file whose first record is a v1.1 user, or a tweet with a v1.1 user."""

    def is_user(rec: dict) -> bool:
        user = rec.get("user") if isinstance(rec.get("user"), dict) else rec
        return "screen_name" in user and "followers_count" in user

    return json_records.sniff_json(path, is_user)


def parse_users(raw: pd.DataFrame, errors: RowErrors, columns: dict[str, str]
                ) -> pd.DataFrame:
    """Typed account columns from plucked v1.1 user fields (strings; ``columns``: canonical
    column -> plucked field); a v1.1 user object always carries its profile texts ("" or null
    when there are none)."""
    acc = values.parse_columns(raw, columns, errors, formats=TIME_FORMATS)
    return acc.assign(ids_hashed=False, created_at_day_only=False)


def read(paths: list[str], opts: ReadOptions) -> Iterator[ReadResult]:
    """Read v1.1 user or tweet files; yields results chunk by chunk."""
    reading = Reading.of(NAME, paths, opts)
    latest = LatestProfiles()
    for path in paths:
        first = json_records.first_json_record(path)
        tweets = isinstance(first, dict) and isinstance(first.get("user"), dict)
        if not tweets:
            yield from reading.unobserved(f"{path}: user objects")
        fields, columns = ({**AUTHOR_SPEC, **TWEET_FIELDS}, AUTHOR_COLUMNS) if tweets else (
            USER_SPEC, USER_COLUMNS)
        for raw, _records, rows, rejects in json_records.iter_fields(
                path, fields, chunksize=opts.chunksize, encoding=opts.encoding):
            errors = RowErrors(rows.index)
            acc = parse_users(raw, errors, columns)
            if not tweets:
                yield reading.accounts(acc, errors, rows, path=path, rejects=(rejects,),
                                       columns=columns)
                continue
            times = values.timestamp(raw["created_at"], "created_at", errors,
                                     formats=TIME_FORMATS)
            acc["observed_at"] = times
            posts = pd.DataFrame({
                "account_id": acc["account_id"],
                "post_id": values.text(raw["id_str"]),
                "created_at": times,
                "is_retweet": raw["retweeted_status"].notna().astype("boolean"),
                "is_reply": values.text(raw["in_reply_to_status_id_str"]).notna().astype(
                    "boolean"),
                "is_quote": values.flag(raw["is_quote_status"], "is_quote_status", errors,
                                        empty_is=None),
                "client": values.text(raw["source"].str.replace(r"<[^>]*>", "", regex=True)),
                "lang": values.text(raw["lang"]),
            })
            yield reading.tweets(posts, acc, errors, rows, path=path, latest=latest,
                                 when=times, rejects=(rejects,), columns=columns,
                                 post_columns=POST_COLUMNS)
    # (an account seen both as a user object and as a tweet author keeps the user object:
    # the caller's duplicate check)
    rest = latest.finish()
    if len(rest):
        yield ReadResult(NAME, accounts=rest)
