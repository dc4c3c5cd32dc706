"""The canonical tables every reader produces and every feature reads.

Two tables:

``accounts``
    One row per account observation. Counts are a snapshot taken at ``observed_at`` (crawl time,
    takedown date, API fetch time); account age is measured to that moment, never to "now".
``posts``
    One row per post, for posting cadence.

A value a format does not carry is missing (``<NA>``), never 0 or False. The dtypes below are the
single declaration of the tables; :func:`conform_accounts` and :func:`conform_posts` check a frame
at the boundary and split off the rows that break the contract into a rejects table.

Rejects table: ``file`` (path), ``row`` (1-based data row in that file, header not counted; for
JSON the 1-based record number), ``column`` (the offending column, or empty), ``reason``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

UTC_TS = pd.DatetimeTZDtype(unit="us", tz="UTC")

#: Column -> pandas dtype of the canonical ``accounts`` table, in canonical order.
ACCOUNT_DTYPES: dict[str, object] = {
    "account_id": "string",
    "screen_name": "string",
    "name": "string",
    "description": "string",
    "location": "string",
    "url": "string",
    "lang": "string",
    "ids_hashed": "boolean",
    "created_at": UTC_TS,
    "created_at_day_only": "boolean",
    "observed_at": UTC_TS,
    "followers_count": "Int64",
    "following_count": "Int64",
    "statuses_count": "Int64",
    "favourites_count": "Int64",
    "listed_count": "Int64",
    "default_profile": "boolean",
    "default_profile_image": "boolean",
    "verified": "boolean",
    "protected": "boolean",
    "profile_banner": "boolean",
    "profile_use_background_image": "boolean",
    # What sources that carry only statistics of a field give instead of the field itself
    # (caverlee-2011: lengths; cresci-stock-2018: lengths, a word count, presence, an age).
    # Readers that carry the field leave these missing: features read the field when there is
    # one, else the statistic.
    "account_age_days": "Int64",
    "screen_name_length": "Int64",
    "name_length": "Int64",
    "description_length": "Int64",
    "description_words": "Int64",
    "url_present": "boolean",
    "source": "string",
    "source_format": "string",
    "group": "string",
    "label": "Int8",
}

#: Columns that must be present and non-missing on every account row.
ACCOUNT_REQUIRED = ("account_id", "followers_count", "following_count")

#: The earliest plausible time of an account or a post (Twitter began in March 2006), and how
#: far past the clock a time may be (time zones, a crawl that finished minutes ago).
TWITTER_START = pd.Timestamp("2006-01-01", tz="UTC")
FUTURE_SLACK = pd.Timedelta("1D")
#: The longest account id taken (a SHA-256 in hex is 64 characters, a numeric id 20).
MAX_ID_LENGTH = 256

#: Count columns: whole numbers >= 0 where present.
ACCOUNT_COUNTS = (
    "followers_count",
    "following_count",
    "statuses_count",
    "favourites_count",
    "listed_count",
    "account_age_days",
    "screen_name_length",
    "name_length",
    "description_length",
    "description_words",
)

#: Column -> pandas dtype of the canonical ``posts`` table, in canonical order.
POST_DTYPES: dict[str, object] = {
    "account_id": "string",
    "post_id": "string",
    "created_at": UTC_TS,
    "is_retweet": "boolean",
    "is_reply": "boolean",
    "is_quote": "boolean",
    "client": "string",
    "lang": "string",
    "source": "string",
}

POST_REQUIRED = ("account_id", "post_id")

#: The reason of a reject for an account id read before (the first observation is kept).
DUPLICATE_REASON = "duplicate account observation"

REJECT_DTYPES: dict[str, object] = {
    "file": "string",
    "row": "Int64",
    "column": "string",
    "reason": "string",
}


class SchemaError(ValueError):
    """A file or frame that cannot be read as a canonical table at all (not a single bad row)."""


def validation_problems(exc) -> str:
    """A pydantic ValidationError as one line per problem, ``field.path: what is wrong``, for
    the errors that name a config, mapping or contract file."""
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'file'}: "
                     f"{e['msg'].removeprefix('Value error, ')}" for e in exc.errors())


#: Empty frames already built, by their columns and dtypes (building one costs milliseconds,
#: a copy a fraction of one: readers make several per chunk).
_EMPTY: dict[tuple, pd.DataFrame] = {}


def empty_frame(dtypes: dict[str, object]) -> pd.DataFrame:
    """Return an empty frame with the given columns and dtypes (a new frame each call)."""
    key = tuple((name, pd.api.types.pandas_dtype(dtype)) for name, dtype in dtypes.items())
    template = _EMPTY.get(key)
    if template is None:
        template = _EMPTY[key] = pd.DataFrame(
            {name: pd.Series(dtype=dtype) for name, dtype in dtypes.items()})
    return template.copy()


def empty_accounts() -> pd.DataFrame:
    """Return an empty canonical ``accounts`` frame."""
    return empty_frame(ACCOUNT_DTYPES)


def empty_posts() -> pd.DataFrame:
    """Return an empty canonical ``posts`` frame."""
    return empty_frame(POST_DTYPES)


def empty_rejects() -> pd.DataFrame:
    """Return an empty rejects frame."""
    return empty_frame(REJECT_DTYPES)


def make_rejects(file: str, rows: pd.Series, column: str, reasons: pd.Series | str) -> pd.DataFrame:
    """Build a rejects frame for ``rows`` (1-based row numbers) of ``file``."""
    n = len(rows)
    frame = pd.DataFrame(
        {
            "file": pd.Series([file] * n, dtype="string"),
            "row": pd.array(rows.to_numpy(), dtype="Int64"),
            "column": pd.Series([column] * n, dtype="string"),
            "reason": (
                pd.Series([reasons] * n, dtype="string")
                if isinstance(reasons, str)
                else pd.Series(reasons.to_numpy(), dtype="string")
            ),
        }
    )
    return frame


def _cast(frame: pd.DataFrame, dtypes: dict[str, object], what: str) -> pd.DataFrame:
    """Return ``frame`` with exactly the canonical columns, in order, cast to their dtypes.

    Columns the frame lacks are added as all-missing (a format that does not carry a value).
    """
    out = {}
    for name, dtype in dtypes.items():
        if name in frame.columns:
            try:
                out[name] = frame[name].astype(dtype)
            except (TypeError, ValueError) as exc:
                raise SchemaError(
                    f"{what}: column {name!r} cannot be cast to {dtype}: {exc}"
                ) from exc
        else:
            out[name] = pd.Series(pd.NA, index=frame.index, dtype=dtype)
    return pd.DataFrame(out, index=frame.index)


@dataclass
class Conformed:
    """A canonical frame and the rows split off from it."""

    frame: pd.DataFrame
    rejects: pd.DataFrame = field(default_factory=empty_rejects)
    #: 1-based row numbers (in the file) of the rows of ``frame``.
    rows: pd.Series = field(default_factory=lambda: pd.Series(dtype="int64"))


def conform_accounts(
    frame: pd.DataFrame, *, file: str, rows: pd.Series | None = None, unique: bool = True
) -> Conformed:
    """Check an accounts frame against the contract and split off rows that break it.

    Parameters
    ----------
    frame : DataFrame, shape (n_rows, *)
        Parsed accounts; must have every column in ``ACCOUNT_REQUIRED``.
    file : str
        Where the rows came from, for error messages and rejects.
    rows : Series of int, shape (n_rows,), optional
        1-based row numbers in ``file``; defaults to 1..n_rows.

    Returns
    -------
    Conformed
        ``frame``: the valid rows, canonical columns and dtypes; ``rejects``: one row per invalid
        row (missing required value, negative count, a time before 2006 or in the future,
        creation after observation). With
        ``unique``, a duplicate ``account_id`` within the frame keeps the first row and rejects
        the others.

    Raises
    ------
    SchemaError
        A required column is absent.
    """
    missing = [c for c in ACCOUNT_REQUIRED if c not in frame.columns]
    if missing:
        raise SchemaError(
            f"{file}: required column(s) {missing} missing; columns present: {list(frame.columns)}"
        )
    rows = pd.Series(range(1, len(frame) + 1)) if rows is None else rows
    rows = pd.Series(rows.to_numpy(), index=frame.index)
    canon = _cast(frame, ACCOUNT_DTYPES, file)
    checks = []
    for col in ACCOUNT_COUNTS:
        negative = (canon[col] < 0).fillna(False).astype(bool)
        checks.append((col, negative, lambda hit, col=col:
                       "negative count " + canon.loc[hit, col].astype("string")))
    checks += _id_checks(canon, "account_id")
    checks += _time_checks(canon, ("created_at", "observed_at"))
    # An account cannot be created after its counts were observed: a negative age means the
    # observation time is wrong (e.g. an IO release whose last tweets file is missing, so the
    # last tweet seen predates accounts created later). Never a silent negative feature.
    after = (canon["created_at"] > canon["observed_at"]).fillna(False).astype(bool)
    checks.append(("created_at", after, lambda hit: (
        "created_at " + canon.loc[hit, "created_at"].dt.strftime("%Y-%m-%d").astype("string")
        + " is after observed_at " + canon.loc[hit, "observed_at"].dt.strftime("%Y-%m-%d")
        .astype("string") + " (negative account age)")))
    return _split(canon, rows, file, ACCOUNT_REQUIRED, "account_id",
                  DUPLICATE_REASON if unique else None, checks)


def conform_posts(frame: pd.DataFrame, *, file: str, rows: pd.Series | None = None) -> Conformed:
    """Check a posts frame against the contract; like :func:`conform_accounts` for ``posts``.

    A post without ``account_id`` or ``post_id`` is rejected; a duplicate ``post_id`` keeps the
    first row and rejects the others.
    """
    missing = [c for c in POST_REQUIRED if c not in frame.columns]
    if missing:
        raise SchemaError(
            f"{file}: required column(s) {missing} missing; columns present: {list(frame.columns)}"
        )
    rows = pd.Series(range(1, len(frame) + 1)) if rows is None else rows
    rows = pd.Series(rows.to_numpy(), index=frame.index)
    canon = _cast(frame, POST_DTYPES, file)
    return _split(canon, rows, file, POST_REQUIRED, "post_id", "duplicate post",
                  _id_checks(canon, "account_id") + _id_checks(canon, "post_id")
                  + _time_checks(canon, ("created_at",)))


def _id_checks(canon: pd.DataFrame, column: str) -> list:
    """Checks that an id is one short line of text: an id with a line break, a NUL or another
    control character, or longer than ``MAX_ID_LENGTH``, is a broken record (a quote that
    swallowed lines, binary data), and would break the scores file it is written to."""
    ids = canon[column]
    long = (ids.str.len() > MAX_ID_LENGTH).fillna(False).astype(bool)
    control = ids.str.contains(r"[\x00-\x1f\x7f]", regex=True).fillna(False).astype(bool)
    return [(column, long, lambda hit: (
                f"{column} of " + ids[hit].str.len().astype("string")
                + f" characters (at most {MAX_ID_LENGTH})")),
            (column, control, lambda hit:
                f"{column} holds a line break, NUL or other control character")]


def _time_checks(canon: pd.DataFrame, columns: tuple[str, ...]) -> list:
    """Checks that each time lies between Twitter's start and now (``FUTURE_SLACK`` ahead):
    a time before 2006 is a wrong unit or a placeholder (``0001-01-01``, epoch 0), one after
    now a typo or a broken clock, and either would become a feature or, for a post, a whole
    release's observation time."""
    now = pd.Timestamp.now(tz="UTC") + FUTURE_SLACK
    checks = []
    for col in columns:
        if col not in canon.columns:
            continue
        values = canon[col]
        early = (values < TWITTER_START).fillna(False).astype(bool)
        late = (values > now).fillna(False).astype(bool)
        checks.append((col, early, lambda hit, col=col: (
            col + " " + canon.loc[hit, col].dt.strftime("%Y-%m-%d").astype("string")
            + " is before 2006, when Twitter began")))
        checks.append((col, late, lambda hit, col=col: (
            col + " " + canon.loc[hit, col].dt.strftime("%Y-%m-%d").astype("string")
            + " is in the future")))
    return checks


def _split(canon: pd.DataFrame, rows: pd.Series, file: str, required: tuple[str, ...],
           key: str, duplicate_reason: str | None, checks=()) -> Conformed:
    """Reject rows missing a required value, failing a check, or repeating ``key``."""
    bad = pd.Series(False, index=canon.index)
    rejects = []
    for col in required:
        hit = canon[col].isna() & ~bad
        if hit.any():
            rejects.append(make_rejects(file, rows[hit], col, f"required value {col} is missing"))
            bad |= hit
    for col, hit, reasons in checks:  # reasons(hit) -> the reason of each hit row
        hit = hit & ~bad
        if hit.any():
            rejects.append(make_rejects(file, rows[hit], col, reasons(hit)))
            bad |= hit
    if duplicate_reason:  # the first row that keeps the contract is the observation kept
        dup = pd.Series(False, index=canon.index)
        dup[~bad] = canon.loc[~bad, key].duplicated(keep="first")
        if dup.any():
            rejects.append(make_rejects(file, rows[dup], key, duplicate_reason))
            bad |= dup
    if not bad.any():  # (the usual case: no copy of the rows)
        return Conformed(canon.reset_index(drop=True), empty_rejects(),
                         rows.reset_index(drop=True))
    return Conformed(canon.loc[~bad].reset_index(drop=True), concat_rejects(rejects),
                     rows[~bad].reset_index(drop=True))


def concat_rejects(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate rejects frames (an empty list gives an empty frame)."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return empty_rejects()
    return pd.concat(parts, ignore_index=True).astype(REJECT_DTYPES)


def concat_frames(parts: list[pd.DataFrame], dtypes: dict[str, object]) -> pd.DataFrame:
    """Concatenate canonical frames of one kind, keeping the canonical dtypes."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return empty_frame(dtypes)
    return pd.concat(parts, ignore_index=True).astype(dtypes)
