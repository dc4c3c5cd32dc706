"""What runs inside Spark's tasks when botsieve scores on a cluster (``spark_predict.py``).

Each task applies the project's own code to Arrow batches, so a cluster gives the scores and the
rejects ``predict.py`` gives:

- :func:`read_task`: one reading task (a file, or files that belong together, as ``predict.py``
  reads them) through :func:`features.sources.iter_read`, or one posts file through the cadence
  step's own reader; its accounts, posts, rejects, notes and errors come out as rows of one
  table (:data:`READ_SCHEMA`), told apart by ``_kind``.
- :func:`cadence_task`: the cadence features of the accounts of a partition that holds all their
  posts (the driver repartitions the posts by account id).
- :func:`score_task`: row features, the population's cohort counts (built on the driver from a
  small creation-day table and sent with the task), cadence, the model and its reasons, for a
  partition of accounts; the bundle is loaded once per Python worker and LightGBM runs one
  thread per task (Spark runs a task per core).

The functions return closures over small, picklable values; Spark ships them to the executors.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import pyarrow as pa

from features.cadence import CADENCE_COLUMNS, canonical_posts, compute_cadence
from features.schema import ACCOUNT_DTYPES, POST_DTYPES, UTC_TS, SchemaError
from features.sources import ReadOptions, iter_read

log = logging.getLogger(__name__)

#: pandas dtype -> (Arrow type, Spark SQL type) of the canonical tables' columns.
_TYPES = {"string": (pa.string(), "STRING"), "boolean": (pa.bool_(), "BOOLEAN"),
          "Int64": (pa.int64(), "BIGINT"), "Int8": (pa.int8(), "TINYINT"),
          "float64": (pa.float64(), "DOUBLE"), str(UTC_TS): (pa.timestamp("us", tz="UTC"),
                                                             "TIMESTAMP")}
#: What a reading task's rows carry besides the canonical columns: the row's kind (account,
#: post, reject, note, error), its task, its place (position in the task's accounts, file and
#: 1-based row; for a reject the file and row it names) and a reject's column and reason (or a
#: note's or error's text).
_PLACE = {"_kind": "string", "_task": "Int64", "_seq": "Int64", "_file": "string",
          "_row": "Int64", "_column": "string", "_reason": "string"}
_READ_DTYPES = {**_PLACE, **ACCOUNT_DTYPES,
                **{c: t for c, t in POST_DTYPES.items() if c not in ACCOUNT_DTYPES}}
_CADENCE_DTYPES = {"account_id": "string", **dict.fromkeys(CADENCE_COLUMNS, "float64")}
#: The scores table's columns (``predict.OUTPUT_COLUMNS``) and types.
SCORE_DTYPES = {"account_id": "string", "bot_probability": "float64", "raw_score": "float64",
                "is_bot": "boolean", "reasons": "string", "model_version": "string"}
POST_COLUMNS = ("account_id", "created_at", "is_retweet", "is_reply", "is_quote", "client")
_POST_DTYPES = {c: _READ_DTYPES[c] for c in POST_COLUMNS}


def _arrow_schema(dtypes: dict[str, object]) -> pa.Schema:
    return pa.schema([(c, _TYPES[str(t)][0]) for c, t in dtypes.items()])


def _ddl(dtypes: dict[str, object]) -> str:
    return ", ".join(f"`{c}` {_TYPES[str(t)][1]}" for c, t in dtypes.items())


READ_ARROW, READ_SCHEMA = _arrow_schema(_READ_DTYPES), _ddl(_READ_DTYPES)
CADENCE_ARROW, CADENCE_SCHEMA = _arrow_schema(_CADENCE_DTYPES), _ddl(_CADENCE_DTYPES)
SCORE_ARROW, SCORE_SCHEMA = _arrow_schema(SCORE_DTYPES), _ddl(SCORE_DTYPES)


def score_dtypes(keep: tuple[str, ...] = ()) -> dict[str, object]:
    """The scores table's columns and types, with the columns passed through (``--keep``:
    canonical account columns, ``file`` and ``row``)."""
    kept = {"file": "string", "row": "Int64"}
    return {**SCORE_DTYPES, **{c: kept.get(c, ACCOUNT_DTYPES.get(c)) for c in keep}}


def score_schema(keep: tuple[str, ...] = ()) -> str:
    """:func:`score_dtypes` as a Spark schema."""
    return _ddl(score_dtypes(keep))
_PANDAS_OF = {pa.string(): pd.StringDtype(), pa.bool_(): pd.BooleanDtype(),
              pa.int64(): pd.Int64Dtype(), pa.int8(): pd.Int8Dtype()}


def to_batch(frame: pd.DataFrame, schema: pa.Schema, **constants) -> pa.RecordBatch:
    """``frame``'s columns of ``schema`` (missing ones null, ``constants`` repeated) as one
    Arrow batch of that schema."""
    n = len(frame)
    arrays = []
    for f in schema:
        if f.name in constants:
            value = constants[f.name]
            arrays.append(pa.nulls(n, f.type) if value is None else
                          pa.array(np.full(n, value, dtype=object), type=f.type))
        elif f.name in frame.columns:
            values = pa.array(frame[f.name], type=f.type, from_pandas=True)
            arrays.append(values.combine_chunks() if isinstance(values, pa.ChunkedArray)
                          else values)
        else:
            arrays.append(pa.nulls(n, f.type))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def to_frame(table: pa.Table | pa.RecordBatch, dtypes: dict[str, object]) -> pd.DataFrame:
    """Arrow rows as a frame with the canonical pandas dtypes of its ``dtypes`` columns."""
    frame = table.select([c for c in dtypes if c in table.schema.names]).to_pandas(
        types_mapper=_PANDAS_OF.get)
    return frame.astype({c: t for c, t in dtypes.items() if c in frame.columns})


# -- reading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReadTask:
    """One reading task: ``files`` read together by the reader ``fmt`` (``posts``: posts
    files for the cadence step, whose header columns over the whole run are ``columns``)."""

    fmt: str
    files: tuple[str, ...]
    source: str | None = None
    columns: frozenset[str] | None = None


def read_task(tasks: list[ReadTask], options: ReadOptions, *, keep_posts: bool):
    """The function for ``mapInArrow`` over ``spark.range(len(tasks))``: each id runs its
    task. ``keep_posts``: emit the posts the readers find (False when posts files are given,
    as ``predict.py`` then reads its cadence from those alone)."""
    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            for task_id in batch.column(0).to_pylist():
                yield from _run_read(task_id, tasks[task_id], options, keep_posts)
    return run


def _run_read(task_id: int, task: ReadTask, options: ReadOptions, keep_posts: bool
              ) -> Iterator[pa.RecordBatch]:
    try:
        if task.fmt == "posts":
            for batch in canonical_posts(list(task.files), task.columns and set(task.columns),
                                         options.chunksize):
                at = batch.schema.get_field_index("created_at")  # (UTC times without a zone)
                batch = batch.set_column(at, "created_at",
                                         batch.column(at).cast(pa.timestamp("us", tz="UTC")))
                yield to_batch(to_frame(batch, _POST_DTYPES), READ_ARROW, _kind="post",
                               _task=task_id)
            return
        opts = replace(options, source=task.source) if task.source else options
        seq = 0
        for part in iter_read(list(task.files), fmt=task.fmt, options=opts):
            if part.notes:
                yield to_batch(pd.DataFrame({"_reason": part.notes}), READ_ARROW,
                               _kind="note", _task=task_id)
            if len(part.rejects):
                rej = part.rejects.rename(columns={"file": "_file", "row": "_row",
                                                   "column": "_column", "reason": "_reason"})
                yield to_batch(rej, READ_ARROW, _kind="reject", _task=task_id)
            if len(part.accounts):
                n = len(part.accounts)
                acc = part.accounts.assign(
                    _seq=np.arange(seq, seq + n),
                    _row=(part.account_rows.to_numpy() if part.account_rows is not None
                          else pd.array([pd.NA] * n, dtype="Int64")))
                seq += n
                yield to_batch(acc, READ_ARROW, _kind="account", _task=task_id,
                               _file=part.account_file)
            if keep_posts and len(part.posts):
                yield to_batch(part.posts, READ_ARROW, _kind="post", _task=task_id)
    except (SchemaError, ValueError) as exc:  # named errors go to the driver, which stops
        yield to_batch(pd.DataFrame({"_reason": [str(exc)]}), READ_ARROW, _kind="error",
                       _task=task_id)


def table_task(name: str, task_id: int, options: ReadOptions):
    """The function for ``mapInArrow`` over a Spark table of canonical account columns (with
    ``_row``, the row's position): the rows that keep the account contract become accounts
    (source: the ``source`` option, else the table's ``source`` column, else its name; group:
    the table's ``group`` column, else its name), the others rejects naming ``table:NAME`` and
    the position."""
    from features.schema import conform_accounts
    from features.sources.common import provenance

    where = f"table:{name}"

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            frame = to_frame(batch, {**ACCOUNT_DTYPES, "_row": "Int64"})
            rows = frame.pop("_row")
            try:
                conf = conform_accounts(frame, file=where, rows=rows, unique=False)
            except SchemaError as exc:
                yield to_batch(pd.DataFrame({"_reason": [str(exc)]}), READ_ARROW,
                               _kind="error", _task=task_id)
                return
            acc = provenance(conf.frame, options, fmt="table", source=options.source or name,
                             group=name, labels=None)
            if options.source is None:  # the table's own source names, where it has them
                acc["source"] = conf.frame["source"].fillna(acc["source"])
            yield to_batch(acc.assign(_seq=conf.rows.to_numpy(), _row=conf.rows.to_numpy()),
                           READ_ARROW, _kind="account", _task=task_id, _file=where)
            if len(conf.rejects):
                yield to_batch(conf.rejects.rename(columns={
                    "file": "_file", "row": "_row", "column": "_column", "reason": "_reason"}),
                    READ_ARROW, _kind="reject", _task=task_id)
    return run


def table_problems(schema) -> list[str]:
    """What keeps a Spark table (its ``schema``) from being read as canonical accounts: a
    canonical column of another type. Columns it lacks are missing values (the required ones
    are then every row's reject); columns of other names are not read."""
    spark_type = {c: _TYPES[str(t)][1] for c, t in ACCOUNT_DTYPES.items()}
    out = []
    for f in schema.fields:
        want = spark_type.get(f.name)
        have = f.dataType.simpleString().upper()
        whole = ("BIGINT", "INT", "SMALLINT", "TINYINT")
        if want and have != want and not (want in whole and have in whole):
            out.append(f"column {f.name} is {have}, expected {want}")
    return out


# -- cadence ----------------------------------------------------------------------------------


def cadence_task(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Cadence features of a partition's accounts, from all their posts (which the partition
    holds: the posts are partitioned by account id)."""
    table = pa.Table.from_batches(list(batches), schema=_arrow_schema(_POST_DTYPES))
    if not table.num_rows:
        return
    posts = to_frame(table, _POST_DTYPES)
    cadence = compute_cadence(posts, threads=1, memory_limit=None).reset_index()
    yield to_batch(cadence, CADENCE_ARROW)


# -- scoring ----------------------------------------------------------------------------------

_BUNDLES: dict[str, object] = {}


def _bundle(path: str):
    """The bundle at ``path``, loaded once per Python worker, predicting on one thread."""
    from models.bundle import Bundle

    if path not in _BUNDLES:
        bundle = Bundle.load(path)
        bundle.booster.threads = 1
        _BUNDLES[path] = bundle
    return _BUNDLES[path]


@dataclass(frozen=True)
class ScoreSettings:
    """What scoring a partition needs besides its accounts."""

    bundle_file: str  # the bundle folder's name among the files Spark ships (SparkFiles)
    population: dict  # population name ("" for the whole list) -> its CohortCounter
    has_posts: bool
    precision: float | None
    prior: float | None
    reasons: str
    method: str
    keep: tuple[str, ...] = ()
    drift: object | None = None  # an accumulator of the drift check's bin counts (DriftCounts)


def score_task(settings: ScoreSettings):
    """The function for ``mapInArrow`` over the accounts (joined with their cadence): the
    scores table of each batch."""
    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from pyspark import SparkFiles

        from models.drift import DriftMonitor

        bundle = _bundle(os.path.join(SparkFiles.get(settings.bundle_file)))
        schema = _arrow_schema(score_dtypes(settings.keep))
        monitor = (DriftMonitor(bundle.contract["drift_reference"])
                   if settings.drift is not None else None)
        for batch in batches:
            if batch.num_rows:
                yield to_batch(_score_batch(bundle, batch, settings, monitor), schema)
        if monitor is not None and monitor.n:
            settings.drift.add({**monitor.counts, DriftCounts.N: monitor.n})
    return run


class DriftCounts:
    """Spark accumulator of :class:`models.drift.DriftMonitor`'s bin counts (feature -> counts,
    and :data:`N` -> accounts): each task adds its partition's. A task Spark runs again
    (a lost executor) adds its counts again: the drift table is a check, not a score."""

    N = "_accounts"

    def zero(self, value: dict) -> dict:
        return {k: 0 * v for k, v in value.items()}

    def addInPlace(self, a: dict, b: dict) -> dict:  # noqa: N802 (Spark's name)
        return {k: a[k] + b[k] for k in a}


def _score_batch(bundle, batch: pa.RecordBatch, s: ScoreSettings, monitor=None
                 ) -> pd.DataFrame:
    accounts = to_frame(batch, ACCOUNT_DTYPES)
    place = to_frame(batch, {"_file": "string", "_row": "Int64"}).rename(
        columns={"_file": "file", "_row": "row"})
    cadence = None
    if s.has_posts:
        cad = to_frame(batch, _CADENCE_DTYPES)
        cadence = cad[cad["posts_count"].notna()].set_index("account_id")
    out = []
    for index, X in bundle.finish_in_populations(bundle.row_stage(accounts), cadence=cadence,
                                                 populations=s.population):
        if monitor is not None:
            monitor.add(X)
        scored = bundle.score_features(X, precision=s.precision, prior=s.prior,
                                       reasons=s.reasons, method=s.method)
        table = bundle.scores_table(accounts.loc[index, "account_id"], scored)
        for col in s.keep:
            table[col] = (place if col in ("file", "row") else accounts)[col].loc[
                index].to_numpy()
        out.append(table)
    return pd.concat(out, ignore_index=True) if len(out) > 1 else out[0]
