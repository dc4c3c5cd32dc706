"""Readers: every file format our users receive, mapped to the canonical tables.

One module per format; ``auto`` detection looks at each file's header or first record and picks
the first reader whose ``sniff`` accepts it (``mapped`` is chosen only by naming it or giving a
mapping). Public entry points:

- :func:`read_files` reads files (paths, globs or folders) into one :class:`ReadResult`.
- :func:`iter_read` streams the same results chunk by chunk, for inputs larger than memory.
- ``python -m features.sources FILE... [--format NAME] [--mapping MAPPING.yaml]`` prints what a
  reader made of files.
"""

from __future__ import annotations

import glob
import logging
import os
import zipfile
import zlib
from collections.abc import Iterator

from features.schema import SchemaError
from features.sources import api_v1, api_v2, common, flat_csv, io_archive, mapped, scan, twibot
from features.sources.common import ReadOptions, ReadResult

log = logging.getLogger(__name__)

#: Format name -> reader module, in the order ``auto`` tries them.
READERS = {
    io_archive.NAME: io_archive,
    flat_csv.NAME: flat_csv,
    twibot.NAME: twibot,
    api_v2.NAME: api_v2,
    api_v1.NAME: api_v1,
    mapped.NAME: mapped,
}
FORMATS = ("auto", *READERS)
DATA_SUFFIXES = (".csv", ".json", ".jsonl", ".ndjson", ".zip", ".parquet")

__all__ = ["FORMATS", "READERS", "ReadOptions", "ReadResult", "SchemaError", "detect_format",
           "expand_paths", "iter_read", "read_files"]


def expand_paths(inputs: list[str]) -> list[str]:
    """Files named by ``inputs``: paths, globs, or folders (their data files, sorted)."""
    out: list[str] = []
    for item in inputs:
        if os.path.isdir(item):
            found = sorted(
                os.path.join(item, f) for f in os.listdir(item)
                if f.lower().endswith(DATA_SUFFIXES) and not f.startswith(".")
            )
            if not found:
                raise SchemaError(f"{item}: folder has no data files ({', '.join(DATA_SUFFIXES)})")
            out.extend(found)
        elif any(ch in item for ch in "*?["):
            found = sorted(glob.glob(item))
            if not found:
                raise SchemaError(f"{item}: no file matches this pattern")
            out.extend(found)
        elif os.path.exists(item):
            out.append(item)
        else:
            raise SchemaError(f"{item}: no such file")
    for path in out:
        if path.lower().endswith(".zip"):
            try:
                zipfile.ZipFile(path).close()
            except (zipfile.BadZipFile, OSError) as exc:
                raise SchemaError(f"{path}: not a readable zip file (truncated or corrupt: "
                                  f"{exc})") from exc
    return out


def detect_format(path: str) -> str:
    """The name of the reader that recognises ``path``; an error lists what was looked for."""
    head = scan.peek(path, 4096)
    if head.startswith(b"\x1f\x8b"):
        raise SchemaError(f"{path}: a gzip file; decompress it first (gunzip), or zip it "
                          "(zip files are read as they are)")
    if _looks_utf16(head):
        raise SchemaError(f"{path}: looks like UTF-16 text; convert it to UTF-8 (iconv -f "
                          "UTF-16 -t UTF-8), or read it with a mapping that gives its encoding")
    for name, module in READERS.items():
        if module.sniff(path):
            return name
    if path.lower().endswith((".csv", ".zip")):
        header = scan.csv_header(path)
        what = f"its header has columns {header[:20]}"
        first = head.split(b"\n", 1)[0]
        for sep in (b";", b"|", b"\t"):
            if len(header) == 1 and first.count(sep) >= 2:
                what = (f"its header is one column separated by {sep.decode()!r}, not commas: "
                        f"read it with a mapping whose delimiter is {sep.decode()!r}")
    else:
        what = "its first record matches no known JSON layout"
    raise SchemaError(
        f"{path}: format not recognised ({what}); known formats: {', '.join(READERS)}. "
        "Pass --format, or --mapping for a file of your own layout."
    )


def _looks_utf16(head: bytes) -> bool:
    """A UTF-16 byte order mark, or text whose every other byte is NUL (ASCII in UTF-16); NUL
    bytes in runs (a description full of them, as in a cresci-2015 export) are not."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    sample = head[:400]
    if len(sample) < 40:
        return False
    even, odd = sample[0::2], sample[1::2]
    return any(a.count(0) > 0.8 * len(a) and b.count(0) < 0.2 * len(b)
               for a, b in ((even, odd), (odd, even)))


def plan(paths: list[str], fmt: str = "auto", mapping: str | None = None) -> dict[str, list[str]]:
    """Group files by the reader that will read them (format name -> files, in input order)."""
    if fmt not in FORMATS:
        raise SchemaError(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}")
    if mapping and fmt == "auto":
        fmt = mapped.NAME
    groups: dict[str, list[str]] = {}
    for path in paths:
        name = detect_format(path) if fmt == "auto" else fmt
        if fmt == "auto":
            log.info("%s: detected format %s", path, name)
        groups.setdefault(name, []).append(path)
    return groups


def iter_read(
    inputs: list[str], *, fmt: str = "auto", options: ReadOptions | None = None
) -> Iterator[ReadResult]:
    """Stream canonical accounts, posts and rejects from files, chunk by chunk.

    Files detected as the same format are read together (an IO release's users and tweets
    files belong together). Each yielded result's ``format`` names its reader.
    """
    opts = options or ReadOptions()
    paths = expand_paths(inputs)
    try:
        for name, files in plan(paths, fmt, opts.mapping).items():
            yield from READERS[name].read(files, opts)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        # (a zip whose directory reads but whose data is cut short or damaged)
        zips = [p for p in paths if p.lower().endswith(".zip")]
        raise SchemaError(f"{', '.join(zips or paths)}: a corrupt or truncated zip file: "
                          f"{exc}") from exc


def read_files(
    inputs: list[str], *, fmt: str = "auto", options: ReadOptions | None = None
) -> ReadResult:
    """Read files into one canonical :class:`ReadResult` (accounts, posts, rejects, notes).

    Parameters
    ----------
    inputs : paths, globs or folders.
    fmt : a name from :data:`FORMATS`; ``auto`` detects each file's format.
    options : what the files do not say themselves (source, label, observed_at, chunk size...).

    Returns
    -------
    ReadResult
        ``format`` is the reader's name, or the names joined by ``+`` when files of several
        formats were read.
    """
    opts = options or ReadOptions()
    parts: list[ReadResult] = []
    formats: list[str] = []
    notes: list[str] = []
    for part in iter_read(inputs, fmt=fmt, options=opts):
        parts.append(part)
        notes.extend(part.notes)
        if part.format not in formats:
            formats.append(part.format)
    return common.accumulate(parts, "+".join(formats), notes)
