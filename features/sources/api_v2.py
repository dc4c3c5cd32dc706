"""Twitter API v2 user objects: ``public_metrics`` counts and ISO 8601 dates.

Layouts: a response ``{"data": [users...], ...}`` (pretty-printed or not), a JSON array of user
objects, or JSON Lines of user objects. v2 has no default-profile flag (missing); the default
avatar is recognised from ``profile_image_url`` (Twitter serves it from
``/sticky/default_profile_images/``) when that field was requested, missing otherwise.
``observed_at`` is the ``observed_at`` option (the fetch time), missing with a note otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator

from features.sources import json_records, values
from features.sources.common import Reading, ReadOptions, ReadResult
from features.sources.values import RowErrors

NAME = "api_v2"

FIELDS = {
    "account_id": ("id",),
    "screen_name": ("username",),
    "name": ("name",),
    "description": ("description",),
    "location": ("location",),
    "url": ("url",),
    "created_at": ("created_at",),
    "followers_count": ("public_metrics", "followers_count"),
    "following_count": ("public_metrics", "following_count"),
    "statuses_count": ("public_metrics", "tweet_count"),
    "listed_count": ("public_metrics", "listed_count"),
    "favourites_count": ("public_metrics", "like_count"),
    "verified": ("verified",),
    "protected": ("protected",),
    "profile_image_url": ("profile_image_url",),
}


def sniff(path: str) -> bool:
    """A JSON file whose first user record has ``public_metrics``."""
    return json_records.sniff_json(path, lambda rec: isinstance(rec.get("public_metrics"), dict))


def read(paths: list[str], opts: ReadOptions) -> Iterator[ReadResult]:
    """Read v2 user files; yields results chunk by chunk."""
    reading = Reading.of(NAME, paths, opts)
    yield from reading.unobserved(f"{reading.source}: v2 user objects")
    # v2 returns a profile text only when it was asked for (user.fields), and an empty one as
    # "": a record without it cannot say which, so it is missing (no text is carried)
    spec, columns = json_records.by_name(FIELDS)
    image = columns.pop("profile_image_url")
    for path in paths:
        for raw, _records, rows, rejects in json_records.iter_fields(
                path, spec, chunksize=opts.chunksize, encoding=opts.encoding):
            errors = RowErrors(rows.index)
            acc = values.parse_columns(raw, columns, errors, formats=("iso",),
                                       carried=frozenset())
            acc["ids_hashed"] = acc["created_at_day_only"] = False
            acc["default_profile_image"] = values.text(raw[image]).str.contains(
                "default_profile_images", regex=False).astype("boolean")
            yield reading.accounts(acc, errors, rows, path=path, rejects=(rejects,),
                                   columns=columns)
