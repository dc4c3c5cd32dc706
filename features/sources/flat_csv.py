"""Flat CSV exports of Twitter API v1.1 user fields, as in cresci-2017, and other layouts of the
same fields.

- Ids: ``id`` or ``id_str``. Following: ``friends_count`` (v1.1's name).
- ``created_at``: Twitter's format (``Tue Jun 11 11:20:35 +0000 2013``), epoch seconds (10
  digits) or milliseconds (13) with an optional trailing ``L`` (cresci-2017
  traditional_spambots_1: ``1183552203000L``), ISO 8601,
  or ``YYYY-MM-DD HH:MM:SS`` (read as UTC).
- Flags (``default_profile``, ``default_profile_image``, ``verified``, ``protected``,
  ``profile_use_background_image``): ``1``/``0`` or true/false; an empty field means false
  (these exports write ``1`` or nothing); ``NULL`` means the value is missing. ``profile_banner``:
  whether ``profile_banner_url`` holds a URL (empty or ``NULL``: no banner, a field Twitter
  leaves out when there is none).
- ``observed_at``: the ``observed_at`` option when given; else the row's ``crawled_at``; where
  that is absent or empty, ``updated`` (cresci-2017 fake_followers has only ``updated``); else
  ``created_at + account_age_days`` for layouts that give the age instead of the crawl time
  (whole days, so the observation time is known to the day). These exports' timestamps carry no
  zone and are read as UTC. A note says which column was used.
- ``group``: the file's name without extension (in cresci-2017, the bot family). ``label``: the
  ``label`` option, else a ``label`` or ``account_type`` column (1/0, bot/human) when present.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from features.sources import scan, values
from features.sources.common import Reading, ReadOptions, ReadResult
from features.sources.values import RowErrors

NAME = "flat_csv"
TIME_FORMATS = (values.TWITTER_TIME, "epoch", "%Y-%m-%d %H:%M:%S", "iso")
#: Canonical column -> the export's column (v1.1's field names).
COLUMNS = {c: c for c in (
    "screen_name", "name", "description", "location", "url", "lang", "created_at",
    "followers_count", "following_count", "statuses_count", "favourites_count", "listed_count",
    "default_profile", "default_profile_image", "verified", "protected",
    "profile_use_background_image")} | {"following_count": "friends_count"}


def _id_column(columns) -> str:
    return "id" if "id" in columns or "id_str" not in columns else "id_str"


def sniff(path: str) -> bool:
    """A CSV with v1.1 user field names."""
    if not path.lower().endswith((".csv", ".zip", ".csv.zip")):
        return False
    header = set(scan.csv_header(path))
    return {"screen_name", "followers_count", "friends_count"} <= header and (
        "id" in header or "id_str" in header)


def read(paths: list[str], opts: ReadOptions) -> Iterator[ReadResult]:
    """Read flat v1.1 CSV files; each file is its own group; yields results chunk by chunk."""
    reading = Reading.of(NAME, paths, opts)
    for path in paths:
        header = scan.csv_header(path, opts.encoding)
        id_col = _id_column(header)
        group = Path(path).name.split(".")[0]
        if opts.observed_at is not None:
            how = "the observed_at option"
        elif "crawled_at" in header:
            how = "crawled_at" + (" (updated where empty)" if "updated" in header else "")
        elif "updated" in header:
            how = "updated"
        elif "account_age_days" in header:
            how = "created_at + account_age_days"
        else:
            how = None
        yield reading.note(f"{path}: observed_at from {how}" if how else
                           f"{path}: no crawled_at/updated/account_age_days column and no "
                           "observed_at given; age features will be missing")
        label = next((c for c in ("label", "account_type") if c in header), None)
        columns = {"account_id": id_col, **COLUMNS}
        for chunk, rows, struct in scan.iter_csv(
                path, required=(id_col, "followers_count", "friends_count"),
                chunksize=opts.chunksize, encoding=opts.encoding):
            errors = RowErrors(chunk.index)
            acc = values.parse_columns(chunk, columns, errors, formats=TIME_FORMATS,
                                       empty_flag=False)
            acc["ids_hashed"] = acc["created_at_day_only"] = False
            if "profile_banner_url" in chunk.columns:  # a banner's URL, empty when none
                acc["profile_banner"] = values.presence(chunk["profile_banner_url"])
            if opts.observed_at is None:
                acc["observed_at"] = _observed_at(chunk, acc, errors)
            if label:
                acc["label"] = values.label_values(chunk[label], label, errors)
            yield reading.accounts(acc, errors, rows, path=path, group=group,
                                   rejects=(struct,), columns=columns)


def _observed_at(chunk: pd.DataFrame, acc: pd.DataFrame, errors: RowErrors) -> pd.Series:
    out = pd.Series(pd.NaT, index=chunk.index, dtype="datetime64[us, UTC]")
    fmts = ("%Y-%m-%d %H:%M:%S", "iso")
    for col in ("crawled_at", "updated"):
        if col in chunk.columns:
            out = out.fillna(values.timestamp(chunk[col], col, errors, formats=fmts))
    if "account_age_days" in chunk.columns:  # per row, where no crawl time was given
        age = values.count(chunk["account_age_days"], "account_age_days", errors)
        created = acc.get("created_at", out)
        out = out.fillna(created + pd.to_timedelta(age.astype("float64"), unit="D"))
    return out
