"""JSON inputs record by record: a JSON array, an API v2 response (``{"data": [...]}``), JSON
Lines, or one pretty-printed object; with a depth limit, so that no input can make a reader
build a nesting bomb. The readers of JSON formats (api_v1, api_v2, twibot) take their records
from here and pluck the fields they map."""

from __future__ import annotations

import json
from collections.abc import Iterator

import ijson
import pandas as pd

from features.schema import SchemaError, make_rejects
from features.sources.scan import open_binary, open_text, peek


def json_layout(path: str) -> str:
    """``array`` (``[{...}, ...]``), ``data`` (``{"data": [...]}``, API v2 responses) or
    ``lines`` (JSON Lines), from the first bytes of the file."""
    head = peek(path).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"["):
        return "array"
    if not head.startswith(b"{"):
        raise SchemaError(f"{path}: not JSON (starts with {head[:20]!r})")
    try:
        first = json.loads(head.split(b"\n", 1)[0])
    except ValueError:
        return "data"  # one object spread over many lines: a pretty-printed v2 response
    except RecursionError:
        return "lines"  # a first line nested too deeply: a reject of its own
    return "data" if isinstance(first.get("data"), list) else "lines"


#: How deeply a JSON record may nest: a v1.1 tweet with its user, quoted tweet and entities is
#: under 10 levels. Deeper is refused: a nesting bomb would otherwise take memory quadratic in
#: its depth (200 KB of brackets took over 20 GB) or exhaust Python's recursion.
MAX_JSON_DEPTH = 64


class _TooDeepError(Exception):
    """A JSON record nested deeper than :data:`MAX_JSON_DEPTH`."""


def _depth(value: object) -> int:
    """How deeply a parsed JSON value nests (1 for an object or array of scalars)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = (item.values() if isinstance(item, dict)
                    else item if isinstance(item, list) else None)
        if children is not None:
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in children)
    return deepest


def _json_items(fh, layout: str, keys: set[str], backend=ijson) -> Iterator[object]:
    """The records of a JSON array (``array``) or of a response's ``data`` array (``data``),
    built from ijson's events, refusing nesting deeper than :data:`MAX_JSON_DEPTH`; ``keys``
    gets the top-level keys of a response."""
    from ijson.common import ObjectBuilder

    top = 1 if layout == "array" else 2  # the depth of the array that holds the records
    depth, key, inside, builder = 0, None, False, None
    for event, value in backend.basic_parse(fh, use_float=True):
        opens = event in ("start_map", "start_array")
        closes = event in ("end_map", "end_array")
        if opens:
            depth += 1
            if depth > MAX_JSON_DEPTH:
                raise _TooDeepError()
        if builder is not None:  # inside a record
            builder.event(event, value)
            if closes and depth == top + 1:
                yield builder.value
                builder = None
        elif inside and depth == top + 1 and opens:  # a record starts
            builder = ObjectBuilder()
            builder.event(event, value)
        elif inside and depth == top and not opens and not closes:  # a scalar record
            yield value
        elif event == "map_key" and depth == 1:
            key = value
            keys.add(value)
        elif event == "start_array" and depth == top and (layout == "array" or key == "data"):
            inside = True
        if closes:
            if depth == top:
                inside = False
            depth -= 1


def first_json_record(path: str) -> object:
    """The first record of a JSON file (any layout), or None."""
    for records, _rows, _bad in iter_json(path, chunksize=1, encoding="utf-8"):
        if records:
            return records[0]
        return None
    return None


def iter_json(
    path: str, *, chunksize: int, encoding: str
) -> Iterator[tuple[list[dict], pd.Series, pd.DataFrame]]:
    """Stream the records of a JSON array, a ``{"data": [...]}`` response or JSON Lines.

    Yields (records, their 1-based record numbers, rejects). In JSON Lines the number is the
    line number and a line that is not valid JSON, or not an object, is a reject; in an array a
    record that is not an object is a reject, and broken JSON is an error naming the record
    after which it broke.
    """
    batch: list[dict] = []
    nums: list[int] = []
    bad: list[tuple[int, str]] = []
    read = _lines(path, encoding) if json_layout(path) == "lines" else _array(path)
    for i, rec, reason in read:
        if reason is None and not isinstance(rec, dict):
            reason = "record is not a JSON object"
        if reason is not None:
            bad.append((i, reason))
            continue
        batch.append(rec)
        nums.append(i)
        if len(batch) >= chunksize:
            yield batch, pd.Series(nums, dtype="int64"), _rejects(path, bad)
            batch, nums, bad = [], [], []
    yield batch, pd.Series(nums, dtype="int64"), _rejects(path, bad)


_TOO_DEEP = f"record nests deeper than {MAX_JSON_DEPTH} levels"


def _rejects(path: str, bad: list[tuple[int, str]]) -> pd.DataFrame:
    return make_rejects(path, pd.Series([i for i, _ in bad], dtype="int64"), "",
                        pd.Series([why for _, why in bad], dtype="string"))


def _lines(path: str, encoding: str) -> Iterator[tuple[int, object, str | None]]:
    """(line number, record, the reason it is a reject or None) of JSON Lines."""
    with open_text(path, encoding) as fh:
        try:
            for i, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                except RecursionError:
                    yield i, None, _TOO_DEEP
                    continue
                except ValueError as exc:
                    yield i, None, f"invalid JSON: {exc}"
                    continue
                deep = (line.count("[") + line.count("{") > MAX_JSON_DEPTH
                        and _depth(rec) > MAX_JSON_DEPTH)
                yield i, rec, _TOO_DEEP if deep else None
        except UnicodeDecodeError as exc:
            raise SchemaError(f"{path}: bytes that are not valid {encoding}: {exc}") from exc


def _array(path: str) -> Iterator[tuple[int, object, None]]:
    """(record number, record, None) of a JSON array, of a response's ``data`` array, or of
    one pretty-printed object; broken or too deeply nested JSON is an error."""
    layout, keys, i = json_layout(path), set(), 0
    with open_binary(path) as fh:
        try:
            try:
                for rec in _json_items(fh, layout, keys):
                    i += 1
                    yield i, rec, None
            except ijson.JSONError as exc:
                if "integer overflow" not in str(exc):
                    raise
                # ijson's C parser stops at an integer beyond 64 bits (valid JSON); its
                # pure-Python parser reads it: read on with that one from record i + 1
                fh.seek(0)
                keys.clear()
                slow = _json_items(fh, layout, keys, backend=ijson.get_backend("python"))
                for n, rec in enumerate(slow, start=1):
                    if n > i:
                        i = n
                        yield i, rec, None
            if layout == "data" and "data" not in keys:
                # one object spread over many lines that is not a response: a record (a
                # pretty-printed v1.1 user object)
                fh.seek(0)
                rec = json.load(fh)
                if _depth(rec) > MAX_JSON_DEPTH:
                    raise _TooDeepError()
                yield 1, rec, None
        except (ijson.JSONError, UnicodeDecodeError) as exc:
            raise SchemaError(f"{path}: malformed JSON after record {i}: {exc}") from exc
        except (_TooDeepError, RecursionError) as exc:
            raise SchemaError(f"{path}: record {i + 1} nests deeper than {MAX_JSON_DEPTH} "
                              "levels; no account or post does: refused") from exc


def iter_fields(path: str, fields: dict[str, tuple[str, ...]], *, chunksize: int,
                encoding: str) -> Iterator[tuple[pd.DataFrame, list[dict], pd.Series,
                                                 pd.DataFrame]]:
    """:func:`iter_json`'s chunks with the ``fields`` of their records plucked
    (:func:`pluck`, indexed like the record numbers): (fields, records, numbers, rejects)."""
    for records, rows, rejects in iter_json(path, chunksize=chunksize, encoding=encoding):
        yield pluck(records, fields).set_axis(rows.index), records, rows, rejects


def by_name(fields: dict[str, tuple[str, ...]], *prefix: str
            ) -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    """``fields`` (canonical column -> key path) under ``prefix``, as a :func:`pluck` spec keyed
    by each field's name in the record (its path, first alternatives, joined by dots:
    ``user.id_str``) and the projection canonical column -> that name, so that rejects name
    the record's own field."""
    paths = {c: (*prefix, *p) for c, p in fields.items()}
    names = {c: ".".join(step.split("|")[0] for step in p) for c, p in paths.items()}
    return {names[c]: p for c, p in paths.items()}, names


def _as_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def pluck(records: list[dict], fields: dict[str, tuple[str, ...]]) -> pd.DataFrame:
    """A frame of strings (None where absent) from nested keys of each record.

    ``fields`` maps an output column to a key path; a path may list alternatives separated by
    ``|`` in one element (``"id_str|id"``: the first key present wins).
    """
    out: dict[str, list[str | None]] = {name: [] for name in fields}
    for rec in records:
        for name, path in fields.items():
            value: object = rec
            for step in path:
                if not isinstance(value, dict):
                    value = None
                    break
                for key in step.split("|"):
                    if key in value:
                        value = value[key]
                        break
                else:
                    value = None
                    break
            out[name].append(_as_text(value))
    return pd.DataFrame(out, dtype="string")


def sniff_json(path: str, test) -> bool:
    """True when ``path`` is a JSON file whose first record is a dict passing ``test``."""
    if not path.lower().endswith((".json", ".jsonl", ".ndjson", ".zip")):
        return False
    try:
        rec = first_json_record(path)
    except (SchemaError, ValueError):
        return False
    return isinstance(rec, dict) and bool(test(rec))
