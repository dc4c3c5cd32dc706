"""Raw strings to typed values, column by column, with Arrow compute (pandas where Arrow has
no kernel): the parsers every reader's projection uses (:func:`parse_columns`). A value a parser
cannot read is a row error (:class:`RowErrors`), named later in the rejects with its column."""

from __future__ import annotations

import re
import threading

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from features.schema import ACCOUNT_DTYPES, SchemaError, empty_rejects, make_rejects

#: Strings that mean "no value" in the exports we read (cresci writes NULL, TwiBot writes None).
MISSING_STRINGS = frozenset({"", "NULL", "null", "None", "NaN", "nan"})
TRUE_STRINGS = frozenset({"1", "true", "True", "TRUE", "t", "T", "yes", "Yes", "y"})
FALSE_STRINGS = frozenset({"0", "false", "False", "FALSE", "f", "F", "no", "No", "n"})

#: Profile text fields whose absence in a record means "no text" in formats that carry them
#: (:func:`profile_text`); a source that does not carry one leaves it <NA>.
PROFILE_TEXT = frozenset({"description", "location", "url"})

#: Twitter API v1.1 timestamp, e.g. ``Tue Jun 11 11:20:35 +0000 2013``.
TWITTER_TIME = "%a %b %d %H:%M:%S %z %Y"
#: An epoch time: 9 or 10 digits are seconds (2001 to 2286), 12 or 13 milliseconds, with an
#: optional trailing ``L`` (cresci-2017 writes Java longs: ``1183552203000L``).
_EPOCH = re.compile(r"^(?:\d{9,10}|\d{12,13})L?$")
_MISSING_ARROW = pa.array(sorted(MISSING_STRINGS), pa.large_string())
_TRUE_ARROW = pa.array(sorted(TRUE_STRINGS), pa.large_string())
_FALSE_ARROW = pa.array(sorted(FALSE_STRINGS), pa.large_string())
_WHOLE = re.compile(r"^[+-]?[0-9]+(\.0*)?$")  # (ASCII digits: \d takes other scripts' too)

#: IO archives replace ids and names of accounts under 5,000 followers by a hash: 64 hex chars in
#: the 2018 releases, base64 of a SHA-256 digest later (44 chars, '=' padded; the published files
#: drop '/' characters, so 40-44 chars are seen). Twitter's own ids are at most 20 digits, so any
#: 30+ character base64 string is a hash.
_HASH_HEX = re.compile(r"^[0-9a-f]{64}$")
_HASH_B64 = re.compile(r"^[A-Za-z0-9+/]{29,43}=?$")


class RowErrors:
    """Collects the first error of each row of a chunk while its columns are parsed."""

    def __init__(self, index: pd.Index) -> None:
        self.column = pd.Series(pd.NA, index=index, dtype="string")
        self.reason = pd.Series(pd.NA, index=index, dtype="string")

    def add(self, mask: pd.Series, column: str, reasons: pd.Series | str) -> None:
        """Record ``reasons`` for the rows in ``mask`` that have no error yet."""
        new = mask & self.reason.isna()
        if not new.any():
            return
        self.column[new] = column
        self.reason[new] = reasons if isinstance(reasons, str) else reasons[new].astype("string")

    @property
    def bad(self) -> pd.Series:
        """Boolean mask of rows with an error."""
        return self.reason.notna()

    def rejects(self, file: str, rows: pd.Series) -> pd.DataFrame:
        """The rejects frame for the rows with an error."""
        bad = self.bad
        if not bad.any():
            return empty_rejects()
        frame = make_rejects(file, rows[bad], "", self.reason[bad])
        frame["column"] = self.column[bad].to_numpy()
        return frame


def _arrow_text(raw: pd.Series) -> pa.Array:
    """The values of a column as one Arrow string array (missing values as nulls)."""
    if not (isinstance(raw.dtype, pd.StringDtype) or raw.dtype == "str"):
        raw = raw.astype("string")
    arr = pa.array(raw.array, from_pandas=True)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr.cast(pa.large_string())


def _clean_values(s: pa.Array) -> pa.Array:
    """Strip white space; the missing-value spellings become nulls."""
    s = pc.utf8_trim_whitespace(s)
    return pc.if_else(pc.is_in(s, value_set=_MISSING_ARROW), pa.scalar(None, s.type), s)


def _strings(arr: pa.Array, index: pd.Index) -> pd.Series:
    """An Arrow string array as a pandas ``string`` Series."""
    return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([arr])), index=index)


def constant_strings(value: str, index: pd.Index) -> pd.Series:
    """A ``string`` column holding ``value`` on every row."""
    return _strings(pa.repeat(pa.scalar(value, pa.large_string()), len(index)), index)


def text(raw: pd.Series) -> pd.Series:
    """A free-text column: missing spellings become <NA>, surrounding white space is removed."""
    return _strings(_clean_values(_arrow_text(raw)), raw.index)


def profile_text(raw: pd.Series) -> pd.Series:
    """A profile text field (description, location, URL) of a format that always carries it:
    as :func:`text`, but a missing value is the empty string, not <NA>: the account has no
    such text. <NA> is kept for a field the source does not carry at all, so that features
    of it are missing rather than "empty" for such sources."""
    return text(raw).fillna("")


def presence(raw: pd.Series) -> pd.Series:
    """Whether a field the API omits when there is nothing to say holds a value, as a flag:
    any text is True; an empty field or a missing spelling (``NULL``) is False: the export's
    column is there, and Twitter leaves e.g. ``profile_banner_url`` out of a user object
    without a banner (cresci-2017 writes NULL for it)."""
    return text(raw).notna().astype("boolean")


def count(raw: pd.Series, column: str, errors: RowErrors) -> pd.Series:
    """Parse a whole-number count (``12`` or ``12.0``); anything else is a row error.

    Negative values are kept here; the schema check rejects them with their own reason.
    Plain integers (the usual case) are cast by Arrow in one step; a chunk holding anything
    else goes through the checked path, which names each bad value.
    """
    s = _clean_values(_arrow_text(raw))
    # Arrow's cast reads hexadecimal (0x1F as 31): such chunks go the checked way
    if not pc.any(pc.match_substring(s, "x", ignore_case=True)).as_py():
        try:
            values = pc.cast(s, pa.int64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
        else:
            mask = values.is_null().to_numpy(zero_copy_only=False)
            data = values.fill_null(0).to_numpy(zero_copy_only=False)
            return pd.Series(pd.arrays.IntegerArray(data, mask), index=raw.index)
    return _count_checked(_strings(s, raw.index), column, errors)


def _count_checked(s: pd.Series, column: str, errors: RowErrors) -> pd.Series:
    """The counts of a chunk Arrow's cast refuses, value by value, exactly (Python integers:
    a float would round 9007199254740993 and let 2^63 - 1 pass as 2^63)."""
    ok = s.str.fullmatch(_WHOLE.pattern).fillna(False).astype(bool).to_numpy()
    numbers = [int(t.partition(".")[0]) if good else None
               for t, good in zip(s.fillna("").tolist(), ok, strict=True)]
    huge = np.array([n is not None and not -2**63 <= n < 2**63 for n in numbers], dtype=bool)
    bad = s.notna().to_numpy() & ~ok
    if bad.any():
        errors.add(pd.Series(bad, index=s.index), column, "not a whole number: " + s.fillna(""))
    if huge.any():
        errors.add(pd.Series(huge, index=s.index), column,
                   "count too large for a 64-bit integer: " + s.fillna(""))
    return pd.Series(pd.array([None if h else n for n, h in zip(numbers, huge, strict=True)],
                              dtype="Int64"), index=s.index)


def flag(raw: pd.Series, column: str, errors: RowErrors, *, empty_is: bool | None) -> pd.Series:
    """Parse a boolean flag. ``empty_is`` says what an empty field means in this format
    (cresci-2017 writes ``1`` or nothing, so there empty is False); NULL/None stay missing."""
    s = pc.utf8_trim_whitespace(_arrow_text(raw))
    is_true = pc.fill_null(pc.is_in(s, value_set=_TRUE_ARROW), False)
    is_false = pc.fill_null(pc.is_in(s, value_set=_FALSE_ARROW), False)
    value = pc.if_else(is_true, True, pc.if_else(is_false, False, pa.scalar(None, pa.bool_())))
    if empty_is is not None:
        value = pc.if_else(pc.fill_null(pc.equal(s, ""), False), empty_is, value)
    known = pc.or_(pc.or_(is_true, is_false),
                   pc.or_(pc.is_null(s), pc.is_in(s, value_set=_MISSING_ARROW)))
    out = pd.Series(pd.arrays.BooleanArray(
        value.fill_null(False).to_numpy(zero_copy_only=False),
        value.is_null().to_numpy(zero_copy_only=False)), index=raw.index)
    if not pc.all(known).as_py():
        bad = pd.Series(~known.to_numpy(zero_copy_only=False), index=raw.index)
        errors.add(bad, column, "not a true/false flag: " + _strings(s, raw.index).fillna(""))
    return out


def timestamp(
    raw: pd.Series,
    column: str,
    errors: RowErrors,
    *,
    formats: tuple[str, ...],
    tz: str = "UTC",
) -> pd.Series:
    """Parse timestamps to UTC, trying ``formats`` in turn on the values not yet parsed.

    A format is a strftime pattern, ``iso`` (ISO 8601, any offset), or ``epoch`` (seconds since
    1970 when 9 or 10 digits, milliseconds when 12 or 13, optionally with a trailing ``L`` as in
    cresci-2017: ``1370949635`` and ``1370949635000L`` are the same time). Values without an
    offset are read in ``tz``. A non-empty value no format parses is a row error.
    """
    s = text(raw)
    out, todo = _parse_values(s, formats, tz)
    if todo.any():
        errors.add(todo, column, "unparseable date " + s.fillna(""))
    return out


def _parse_values(s: pd.Series, formats: tuple[str, ...], tz: str
                  ) -> tuple[pd.Series, pd.Series]:
    """Cleaned values parsed to UTC, and the mask of non-missing values no format parses."""
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[us, UTC]")
    todo = s.notna()
    for fmt in formats:
        if not todo.any():
            break
        vals = s[todo]
        if fmt == "epoch":
            m = vals.str.fullmatch(_EPOCH.pattern).fillna(False).astype(bool)
            digits = vals[m].str.rstrip("L")
            num = pd.to_numeric(digits, errors="coerce")
            seconds = (digits.str.len() <= 10).to_numpy()
            parsed = pd.to_datetime(np.where(seconds, num * 1000, num), unit="ms", utc=True)
            parsed = pd.Series(parsed, index=digits.index)
        else:
            parsed = _parse_format(vals, fmt, tz)
        parsed = parsed.dropna()
        out[parsed.index] = parsed
        todo[parsed.index] = False
    return out, todo


_OFFSET = r"(?:[zZ]|[+-]\d\d(?::?\d\d)?)$"


def _strptime(vals: pd.Series, fmt: str) -> pd.Series:
    """Values parsed with a strftime pattern by DuckDB's ``try_strptime``: in UTC when the
    pattern reads an offset or zone, else naive; NaT for a value of another layout, an
    impossible date (30 February), a year outside 1 to 9999 or an offset of 24 hours or more
    (which Python's parser refuses too). Twitter's layout this way needs no rewriting of the
    values and a small part of the time pandas' ``%z`` parser takes."""
    con = getattr(_DUCKDB, "con", None)
    if con is None:  # (one connection a thread: a connection is not shared between threads)
        con = _DUCKDB.con = duckdb.connect()
        con.execute("SET TimeZone = 'UTC'")
    table = pa.table({"v": _arrow_text(vals)})
    try:
        parsed = con.from_arrow(table).project(
            f"try_strptime(v, '{fmt.replace(chr(39), chr(39) * 2)}') AS p").project(
            "CASE WHEN p::TIMESTAMP BETWEEN '0001-01-01' AND '9999-12-31 23:59:59.999999' "
            "THEN p END AS t").to_arrow_table()
    except duckdb.Error as exc:
        raise SchemaError(f"date format {fmt!r} cannot be read: {exc}") from exc
    column = parsed.column("t")
    out = pd.Series(column.to_numpy(zero_copy_only=False), index=vals.index)
    if not column.type.tz:
        return out
    # DuckDB reads an offset of up to 99 hours; Python's parser, as a clock would, under 24
    odd = pc.match_substring_regex(table.column("v"), _NO_OFFSET)
    return out.mask(pc.fill_null(odd, False).to_numpy(zero_copy_only=False)).dt.tz_localize(
        "UTC")


_DUCKDB = threading.local()
_NO_OFFSET = r"[+-](?:2[4-9]|[3-9]\d):?\d\d|[+-]\d\d:?[6-9]\d"


def check_time_format(fmt: str) -> str:
    """``fmt`` if it is ``iso``, ``epoch`` or a strftime pattern DuckDB can read, else a
    ValueError saying which."""
    if fmt in ("iso", "epoch"):
        return fmt
    if "%" not in fmt:
        raise ValueError(f"date_format {fmt!r} is neither a strftime pattern (with %) nor iso "
                         "nor epoch")
    if any(f"%{c}" in fmt for c in "cxX"):
        raise ValueError(f"date_format {fmt!r}: %c, %x and %X mean a layout that depends on "
                         "the machine's locale; spell the layout out (e.g. %m/%d/%y)")
    try:
        _strptime(pd.Series(["2020-01-01"], dtype="string"), fmt)
    except SchemaError as exc:
        raise ValueError(str(exc)) from exc
    return fmt


def _parse_format(vals: pd.Series, fmt: str, tz: str) -> pd.Series:
    """Parse with one format; values with an explicit offset are converted to UTC, values
    without one are read in ``tz`` (so a file may mix offsets, e.g. across a DST change)."""
    if fmt == "iso":
        has_offset = vals.str.contains(_OFFSET, regex=True).fillna(False).astype(bool)
        aware = pd.to_datetime(vals[has_offset], format="ISO8601", utc=True, errors="coerce")
        naive = pd.to_datetime(vals[~has_offset], format="ISO8601", errors="coerce")
    else:
        parsed = _strptime(vals, fmt)
        zoned = isinstance(parsed.dtype, pd.DatetimeTZDtype)
        rest = vals[parsed.isna()]
        if len(rest):  # what Python's parser reads and DuckDB's does not (a Z for +0000)
            try:
                more = pd.to_datetime(rest, format=fmt, utc=zoned, errors="coerce")
            except ValueError:  # (a directive only DuckDB knows)
                more = None
            if more is not None and more.notna().any():
                parsed = parsed.fillna(more.astype(parsed.dtype).reindex(vals.index))
        if zoned:
            return parsed.astype("datetime64[us, UTC]")
        aware, naive = pd.Series(dtype="datetime64[us, UTC]"), parsed
    naive = naive.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT").dt.tz_convert("UTC")
    out = pd.concat([aware.astype("datetime64[us, UTC]"), naive.astype("datetime64[us, UTC]")])
    return out.reindex(vals.index)


#: How label columns and labels files spell the classes (lower-cased).
LABEL_VALUES = {"1": 1, "0": 0, "bot": 1, "human": 0, "true": 1, "false": 0}


def label_values(raw: pd.Series, column: str, errors: RowErrors,
                 spellings: dict[str, int] = LABEL_VALUES) -> pd.Series:
    """Parse a label column inside a data file (``spellings``: lower-cased value -> 1 or 0);
    empty = unknown; any other value is a row error."""
    s = text(raw).str.lower()
    values = {k.lower(): v for k, v in spellings.items()}
    bad = s.notna() & ~s.isin(values).fillna(False).astype(bool)
    if bad.any():
        errors.add(bad, column, f"label not in {sorted(values)}: " + s.fillna(""))
    return s.map(values).astype("Int8")


def parse_columns(
    raw: pd.DataFrame,
    columns: dict[str, str],
    errors: RowErrors,
    *,
    formats: tuple[str, ...],
    empty_flag: bool | None = None,
    tz: str = "UTC",
    spellings: dict[str, int] = LABEL_VALUES,
    carried: frozenset[str] = PROFILE_TEXT,
) -> pd.DataFrame:
    """A reader's projection: typed canonical account columns from a chunk of raw strings.

    ``columns`` maps a canonical column to the raw column that holds it (one the chunk lacks
    is left out: the contract makes it missing); the canonical type chooses the parser, and a
    bad value is a row error naming the raw column. ``formats`` and ``tz`` read timestamps
    (:func:`timestamp`), ``empty_flag`` is what an empty flag field means (:func:`flag`),
    ``spellings`` how a label column writes the classes, and the profile texts in ``carried``
    are ones the format always carries (:func:`profile_text`).
    """
    out = pd.DataFrame(index=raw.index)
    for canon, col in columns.items():
        if col not in raw.columns:
            continue
        dtype, values = ACCOUNT_DTYPES[canon], raw[col]
        if canon == "label":
            out[canon] = label_values(values, col, errors, spellings)
        elif dtype == "Int64":
            out[canon] = count(values, col, errors)
        elif dtype == "boolean":
            out[canon] = flag(values, col, errors, empty_is=empty_flag)
        elif str(dtype).startswith("datetime"):
            out[canon] = timestamp(values, col, errors, formats=formats, tz=tz)
        else:
            out[canon] = (profile_text if canon in carried else text)(values)
    return out


def looks_hashed(ids: pd.Series) -> pd.Series:
    """True where an IO-archive id is a hash rather than Twitter's numeric id."""
    s = ids.astype("string")
    return (s.str.fullmatch(_HASH_HEX.pattern) | s.str.fullmatch(_HASH_B64.pattern)).fillna(False)
