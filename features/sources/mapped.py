"""Any CSV or Parquet account list, read through a small YAML mapping instead of code.

Example (a latin-1 export with US-style dates)::

    columns:                 # canonical column: the file's column
      account_id: user_id
      screen_name: handle
      created_at: joined
      followers_count: followers
      following_count: following
      default_profile_image: egg_avatar
      label: is_bot
    date_format: "%m/%d/%Y %H:%M"   # strftime, for created_at and observed_at; default ISO 8601
    timezone: UTC                   # zone of timestamps that have none
    encoding: latin-1
    delimiter: ","
    constants:                      # values the file does not carry, same for every row
      observed_at: "2020-01-31"
      group: my_campaign
    empty_flag: null                # what an empty flag field means: true, false or null
    label_values: {bot: 1, human: 0} # how the label column spells its classes

A CSV without a header line names its columns in the mapping (caverlee-2011's TSV files)::

    header: false
    column_names: [UserID, CreatedAt, CollectedAt, NumberOfFollowings, NumberOfFollowers]
    delimiter: "\t"

Sources that carry only statistics of a field map them to the canonical statistic columns
(``account_age_days``, ``screen_name_length``, ``name_length``, ``description_length``,
``description_words``, ``url_present``): features read the field where a source has it, else
the statistic.

Canonical columns not mapped are missing (NA). ``account_id``, ``followers_count`` and
``following_count`` must be mapped. Unknown keys and unknown canonical names are errors.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow.parquet as pq

from features.schema import ACCOUNT_DTYPES, SchemaError, empty_rejects
from features.sources import scan, values
from features.sources.common import Reading, ReadOptions, ReadResult
from features.sources.values import RowErrors

if TYPE_CHECKING:
    from features.sources.mapping import Mapping

NAME = "mapped"
_MAPPABLE = [c for c in ACCOUNT_DTYPES if c not in ("source", "source_format")]


def load_mapping(path: str) -> Mapping:
    """Read and validate a mapping file (pydantic is imported only when one is used)."""
    from features.sources.mapping import Mapping

    return Mapping.load(path)


def sniff(path: str) -> bool:
    """Never chosen by ``auto``: a mapped read needs its mapping."""
    return False


def _iter_raw(path: str, m: Mapping, opts: ReadOptions):
    kind = m.file_format or ("parquet" if path.lower().endswith(".parquet") else "csv")
    needed = tuple(m.columns.values())
    if kind == "parquet":
        try:
            pf = pq.ParquetFile(path)
        except (OSError, ValueError) as exc:
            raise SchemaError(f"{path}: cannot read Parquet: {exc}") from exc
        names = pf.schema_arrow.names
        missing = [c for c in needed if c not in names]
        if missing:
            raise SchemaError(f"{path}: mapped column(s) {missing} missing; present: {names}")
        start = 0
        columns = list(dict.fromkeys(needed))
        for batch in pf.iter_batches(batch_size=opts.chunksize, columns=columns):
            frame = batch.to_pandas().astype("string").fillna("")
            yield frame, pd.Series(range(start + 1, start + len(frame) + 1)), empty_rejects()
            start += len(frame)
        return
    names = tuple(m.column_names) if m.column_names is not None else None
    yield from scan.iter_csv(path, required=needed, chunksize=opts.chunksize,
                               encoding=m.encoding, delimiter=m.delimiter, names=names)


def read(paths: list[str], opts: ReadOptions) -> Iterator[ReadResult]:
    """Read CSV/Parquet files through ``opts.mapping``; yields results chunk by chunk."""
    if not opts.mapping:
        raise SchemaError("the mapped format needs a mapping file (--mapping MAPPING.yaml)")
    m = load_mapping(opts.mapping)
    reading = Reading.of(NAME, paths, opts)
    # a value the options give is not read from the file (nor from the mapping's constants)
    given = {"observed_at"} if opts.observed_at is not None else set()
    named = {c: f for c, f in m.columns.items() if c not in given}
    # constants are written in the YAML, so their dates are ISO 8601
    constants = {c: str(v) for c, v in m.constants.items() if c in _MAPPABLE
                 and c not in m.columns and c not in given}
    styles = {"empty_flag": m.empty_flag, "tz": m.timezone, "spellings": m.label_values}
    date_formats = (m.date_format,) if m.date_format else ("iso",)
    for path in paths:
        group = str(m.constants.get("group") or Path(path).name.split(".")[0])
        for chunk, rows, struct in _iter_raw(path, m, opts):
            errors = RowErrors(chunk.index)
            fixed = pd.DataFrame({c: pd.Series(v, index=chunk.index, dtype="string")
                                  for c, v in constants.items()}, index=chunk.index)
            acc = pd.DataFrame(index=chunk.index)
            for canon in _MAPPABLE:  # (a row's first error is that of the first column)
                if canon in named:
                    raw, column, formats = chunk, named[canon], date_formats
                elif canon in constants:
                    raw, column, formats = fixed, canon, ("iso",)
                else:
                    continue
                acc[canon] = values.parse_columns(raw, {canon: column}, errors, **styles,
                                                  formats=formats)[canon]
            acc["ids_hashed"] = m.ids_hashed
            acc["created_at_day_only"] = m.created_at_day_only
            yield reading.accounts(acc, errors, rows, path=path, group=group,
                                   rejects=(struct,), columns=named)
