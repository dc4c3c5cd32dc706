"""Files on disk for the readers: opening one (or the single data member of a .zip), and
scanning a CSV with Arrow's streaming reader into chunks of raw strings with their 1-based
row numbers, every structural problem a reject naming its row (a wrong number of fields, a
quote that swallowed the records after it) or an error naming the file."""

from __future__ import annotations

import codecs
import csv
import io
import logging
import re
import zipfile
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from features.schema import SchemaError, concat_rejects, make_rejects

log = logging.getLogger(__name__)

#: Bytes per block of Arrow's CSV reader (its I/O thread reads about 32 of them ahead), and
#: the larger block a file is read on in when one of its records is longer (:func:`iter_csv`).
CSV_BLOCK = 1 << 20
CSV_BLOCK_MAX = 64 << 20


def open_binary(path: str):
    """Open a file, or the single data member of a .zip, for reading bytes."""
    if path.endswith(".zip"):
        zf = zipfile.ZipFile(path)
        members = [m for m in zf.namelist() if not m.endswith("/") and "__MACOSX" not in m]
        if len(members) != 1:
            raise SchemaError(f"{path}: expected one data file inside the zip, found {members}")
        return zf.open(members[0])
    return open(path, "rb")


def open_text(path: str, encoding: str) -> io.TextIOBase:
    """Open a text file, or the single data member of a .zip, with a strict decoder."""
    if path.endswith(".zip"):
        return io.TextIOWrapper(open_binary(path), encoding=encoding, errors="strict")
    return open(path, encoding=encoding, errors="strict", newline="")


def peek(path: str, n_bytes: int = 65536) -> bytes:
    """The first bytes of a file (or of the single member of a .zip)."""
    with open_binary(path) as fh:
        return fh.read(n_bytes)


def csv_header(path: str, encoding: str = "utf-8", delimiter: str = ",", *,
               strict: bool = False) -> list[str]:
    """Column names of a CSV file: its first record, the fields stripped. Lines may end in
    \n, \r\n or a bare \r (as the CSV parser reads them); a UTF-8 byte order mark
    (spreadsheet exports write one) is not part of the first name. Bytes not valid in
    ``encoding`` on the first line are an error when ``strict``, else read as U+FFFD (format
    detection looks at what it can)."""
    raw = peek(path, _HEADER_BYTES)
    return _header_of(raw, path, encoding, delimiter, strict=strict)


def _header_of(raw: bytes, path: str, encoding: str, delimiter: str, *, strict: bool
               ) -> list[str]:
    """:func:`csv_header` of a file's first bytes ``raw``."""
    try:
        text_ = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        cut = len(raw) == _HEADER_BYTES and exc.start >= len(raw) - 8  # (by the peek)
        if strict and not cut and not _LINE_BREAK.search(raw[: exc.start].decode(encoding)):
            raise SchemaError(f"{path}: bytes that are not valid {encoding} in the "
                              "header") from exc
        text_ = raw.decode(encoding, errors="replace")
    if text_.startswith("\ufeff") and codecs.lookup(encoding).name == "utf-8":
        text_ = text_[1:]
    first = next(csv.reader(io.StringIO(text_, newline=""), delimiter=delimiter), [])
    return [c.strip() for c in first]


def iter_csv(
    path: str,
    *,
    required: tuple[str, ...],
    chunksize: int,
    encoding: str = "utf-8",
    delimiter: str = ",",
    names: tuple[str, ...] | None = None,
) -> Iterator[tuple[pd.DataFrame, pd.Series, pd.DataFrame]]:
    """Stream a CSV as chunks of raw strings, their 1-based data row numbers, and rejects.

    Every field is read as a string (empty fields as ``""``); parsing is the reader's job. A row
    with more or fewer fields than the header (a truncated last line, a stray delimiter) is a
    reject naming its row. Problems with the whole file are errors naming it: empty file, a
    required column missing (with a hint when the header looks like another delimiter), bytes
    that are not valid in ``encoding``.

    The file is parsed by Arrow's streaming CSV reader in blocks of :data:`CSV_BLOCK` bytes
    (its I/O thread reads about 32 blocks ahead, so memory does not grow with the file), and
    the blocks' rows are regrouped into chunks of exactly ``chunksize`` rows. A record longer
    than a block or two (a quote never closed takes in the rest of the file) makes Arrow stop:
    the file is then read again in blocks of :data:`CSV_BLOCK_MAX` from the row where it
    stopped; a record longer than that is an error naming the file. ``names``: the file has no
    header line and these are its columns (every line is a record).
    """
    header = _checked_header(path, encoding, delimiter, required, names)
    batches: list[pa.RecordBatch] = []
    numbers: list[np.ndarray] = []
    held = seen = taken = 0  # rows held here; the last row read; the last row yielded
    for block in (CSV_BLOCK, CSV_BLOCK_MAX):
        bad = _BadRows(path, header_is_first=names is None, after=taken)
        try:
            for batch, nums in _csv_batches(path, header, bad, block, encoding=encoding,
                                            delimiter=delimiter, named=names is not None):
                if nums[-1] <= seen:  # (read before a restart)
                    continue
                new = nums > seen
                batches.append(batch.filter(pa.array(new)) if not new.all() else batch)
                numbers.append(nums[new])
                seen, held = int(nums[-1]), held + int(new.sum())
                if held < chunksize:
                    continue
                whole = held - held % chunksize
                for part in _regrouped(batches, numbers, whole, chunksize):
                    taken = int(part[1].iloc[-1])
                    yield runaway_quotes(*part, bad.take(part[1]), path, delimiter, header,
                                         required)
                held -= whole
            break
        except pa.ArrowInvalid as exc:
            if "straddl" not in str(exc) or block == CSV_BLOCK_MAX:
                raise _csv_error(path, encoding, f"after data row {seen}", exc) from exc
            log.info("%s: a record after row %d is longer than %d MiB; reading on in blocks "
                     "of %d MiB", path, seen, block >> 20, CSV_BLOCK_MAX >> 20)
    for part in _regrouped(batches, numbers, held, chunksize):
        yield runaway_quotes(*part, bad.take(part[1]), path, delimiter, header, required)
    yield (pd.DataFrame({c: pd.Series(dtype="object") for c in header}),
           pd.Series(dtype="int64"), bad.take(None))


def _csv_batches(path: str, header: list[str], bad: _BadRows, block: int, *, encoding: str,
                 delimiter: str, named: bool) -> Iterator[tuple[pa.RecordBatch, np.ndarray]]:
    """Arrow's record batches of a CSV file in blocks of ``block`` bytes (every column a
    string; ``named``: the file has no header line), each with its rows' 1-based numbers (the
    rows Arrow skips for a wrong number of fields go to ``bad`` and keep their numbers)."""
    next_row = 1
    read = pa_csv.ReadOptions(use_threads=False, block_size=block, encoding=encoding,
                              column_names=header if named else None)
    parse = pa_csv.ParseOptions(delimiter=delimiter, newlines_in_values=True,
                                invalid_row_handler=bad.invalid)
    convert = pa_csv.ConvertOptions(column_types=dict.fromkeys(header, pa.string()),
                                    strings_can_be_null=False, quoted_strings_can_be_null=False)
    with open_binary(path) as fh:
        for batch in pa_csv.open_csv(fh, read_options=read, parse_options=parse,
                                     convert_options=convert):
            if batch.num_rows:
                nums = _numbers_between(next_row, batch.num_rows, bad.rows)
                next_row = int(nums[-1]) + 1
                yield batch, nums


def _regrouped(batches: list[pa.RecordBatch], numbers: list[np.ndarray], n: int,
               chunksize: int) -> Iterator[tuple[pd.DataFrame, pd.Series]]:
    """The first ``n`` held rows as chunks of ``chunksize`` rows (raw strings and row
    numbers); what is left stays in ``batches`` and ``numbers``."""
    if not n:
        return
    table, rows_all = pa.Table.from_batches(batches), np.concatenate(numbers)
    frame = table.slice(0, n).to_pandas()
    rest = table.slice(n)
    batches[:], numbers[:] = rest.to_batches(), [rows_all[n:]]
    for start in range(0, n, chunksize):
        yield (frame.iloc[start : start + chunksize].reset_index(drop=True),
               pd.Series(rows_all[start : start + chunksize], dtype="int64"))


def runaway_quotes(part: pd.DataFrame, rows: pd.Series, rejects: pd.DataFrame,
                   path: str, delimiter: str, header: list[str], required: tuple[str, ...]
                   ) -> tuple:
    """``(part, rows, rejects)`` without the rows that swallowed records. A quote opened and
    not closed on its line (``"text`` in a field) makes a CSV parser read the next lines into
    that field until some later quote closes it, so the accounts on those lines would vanish
    inside a description: a row with a field that runs over a line break into a line that
    reads as a record of its own (the header's number of fields, every ``required`` value
    there, the required counts whole numbers) is a reject that says so (its text holds them).
    A quoted field that merely holds line breaks (a description written over lines, a list
    with commas) is not one. Files whose required columns include no count (an IO tweets
    file) are not looked at."""
    where = {c: header.index(c) for c in required if c in header}
    counts = [i for c, i in where.items() if "count" in c]
    if not counts or not len(rows):
        return part, rows, rejects

    def a_record(line: str) -> bool:
        fields = next(csv.reader([line], delimiter=delimiter), [])
        return (len(fields) == len(header) and all(fields[i].strip() for i in where.values())
                and all(fields[i].strip().isdigit() for i in counts))

    found: dict[int, tuple[str, int]] = {}  # position -> (column, lines the field runs over)
    for name in part.columns:
        values = pa.array(part[name], from_pandas=True)
        if not pa.types.is_string(values.type) and not pa.types.is_large_string(values.type):
            continue
        # (most columns hold no line break: one scan of their bytes says so, 0.45 s a
        # million rows sooner than Arrow's substring search over every value)
        if not _may_break_lines(values):
            continue
        broken = pc.or_(pc.match_substring(values, "\n"), pc.match_substring(values, "\r"))
        for i in np.flatnonzero(pc.fill_null(broken, False).to_numpy(zero_copy_only=False)):
            lines = _LINE_BREAK.split(values[int(i)].as_py())
            if int(i) not in found and any(a_record(line) for line in lines[1:]):
                found[int(i)] = (name, len(lines))
    if not found:
        return part, rows, rejects
    at = sorted(found)
    bad = make_rejects(path, rows.iloc[at], "", pd.Series([
        f"a quote in column {found[i][0]} is not closed on its line: the field runs over "
        f"{found[i][1]} lines, and a line inside it reads as a record of its own, so the "
        "accounts on those lines are in this row's text; close or double the quote and read "
        "the file again" for i in at]))
    bad["column"] = pd.array([found[i][0] for i in at], dtype="string")
    keep = np.ones(len(rows), dtype=bool)
    keep[at] = False
    return (part.loc[keep].reset_index(drop=True), rows[keep].reset_index(drop=True),
            concat_rejects([rejects, bad]))


def _may_break_lines(values: pa.Array | pa.ChunkedArray) -> bool:
    """Whether any byte of a string column's data is a line break (a byte under a null or
    outside a slice counts too: at worst the values are then looked at one by one)."""
    for chunk in values.chunks if isinstance(values, pa.ChunkedArray) else [values]:
        data = chunk.buffers()[2]
        raw = np.frombuffer(data, dtype=np.uint8) if data is not None else np.empty(0, np.uint8)
        if (raw == 10).any() or (raw == 13).any():
            return True
    return False


def _numbers_between(first: int, n: int, bad_rows: list[int]) -> np.ndarray:
    """Row numbers of ``n`` parsed rows from row ``first`` on: the numbers the malformed rows
    (skipped by the parser) took are not theirs."""
    skipped = np.array(sorted(r for r in bad_rows if r >= first), dtype="int64")
    candidates = np.arange(first, first + n + len(skipped) + 1, dtype="int64")
    return candidates[~np.isin(candidates, skipped)][:n]


def _checked_header(path: str, encoding: str, delimiter: str, required: tuple[str, ...],
                    names: tuple[str, ...] | None) -> list[str]:
    """The header's column names (or the ``names`` given for a file without a header line),
    after checking the required ones are there, once each."""
    raw = peek(path, _HEADER_BYTES)
    if not raw.strip():
        raise SchemaError(f"{path}: the file is empty" + (" (no header row)" if names is None
                                                           else ""))
    header = (list(names) if names is not None
              else _header_of(raw, path, encoding, delimiter, strict=True))
    missing = [c for c in required if c not in header]
    if missing:
        hint = ""
        if len(header) == 1 and any(d in header[0] for d in (";", "\t", "|")):
            hint = (" (the header is one column: is the file separated by something other "
                    "than ','?)")
        elif header and header[0].startswith(("ï»¿", "\ufeff")):
            hint = (" (the file starts with a UTF-8 byte order mark, read here as part of the "
                    "first name: is the file UTF-8 rather than the encoding it was read with?)")
        raise SchemaError(f"{path}: required column(s) {missing} missing; columns present: "
                          f"{header[:40]}{hint}")
    if len(set(header)) != len(header):
        dupes = sorted({c for c in header if header.count(c) > 1})
        raise SchemaError(f"{path}: " + ("the header repeats column(s)" if names is None
                                         else "the column names given repeat") + f" {dupes}")
    return header


_LINE_BREAK = re.compile(r"\r\n?|\n")  # what ends a line for the CSV parser


class _BadRows:
    """Rows Arrow's CSV parser skips for a wrong number of fields, with the reason."""

    def __init__(self, path: str, *, header_is_first: bool, after: int = 0) -> None:
        self.path = path
        self.shift = 1 if header_is_first else 0  # Arrow counts the header as record 1
        self.after = after  # rows up to this one were reported by an earlier read
        self.found: list[tuple[int, str]] = []  # (row, reason), not taken yet

    @property
    def rows(self) -> list[int]:
        return [r for r, _ in self.found]

    def invalid(self, row) -> str:
        number = int(row.number) - self.shift if row.number is not None else -1
        reason = f"row has {row.actual_columns} fields, the header has {row.expected_columns}"
        text = (row.text or "").rstrip("\r\n")
        lines = 1 + len(_LINE_BREAK.findall(text))
        if lines > 1 and text.count('"') % 2:
            reason += (f"; it runs over {lines} lines and a quote in it is never closed, so "
                       "the lines after it were read into this row")
        elif lines > 1:
            reason += (f"; it runs over {lines} lines (a quoted field holds line breaks, or a "
                       "quote closes only on a later line)")
        elif row.actual_columns < row.expected_columns:
            reason += " (truncated line?)"
        self.found.append((number, reason))
        return "skip"

    def take(self, rows: pd.Series | None) -> pd.DataFrame:
        """Rejects for the bad rows up to the last of ``rows`` (all when None), but for those
        an earlier read reported."""
        limit = np.inf if rows is None or not len(rows) else int(rows.iloc[-1])
        now = [(r, why) for r, why in self.found if r <= limit and (r > self.after or r < 0)]
        self.found = [(r, why) for r, why in self.found if r > limit]
        return make_rejects(self.path, pd.Series([r for r, _ in now], dtype="int64"), "",
                            pd.Series([why for _, why in now], dtype="string"))


def _csv_error(path: str, encoding: str, where: str, exc: pa.ArrowInvalid) -> SchemaError:
    msg = str(exc)
    if "UTF8" in msg.upper().replace("-", ""):
        return SchemaError(f"{path}: bytes that are not valid {encoding} ({msg}); if the file "
                           "is e.g. latin-1, read it with a mapping that sets `encoding`")
    return SchemaError(f"{path}: malformed CSV {where}: {msg}")


#: How much of a file's start the header is read from.
_HEADER_BYTES = 1 << 20
