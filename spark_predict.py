"""Score account lists on Apache Spark, for lists that outgrow one machine.

    python spark_predict.py --output SCORES.parquet INPUT... [--table NAME] [predict.py's options]
    spark-submit spark_predict.py --output s3a://bucket/scores.parquet INPUT...

The same inputs, model URIs and options as ``predict.py``, and the same scores (to the last
digit) and rejects; the scores are a Parquet dataset (a folder) and the rejects a second one
beside it (``SCORES.rejects.parquet``). Started with ``python``, it runs a local Spark on this
machine's cores; under ``spark-submit`` it runs wherever that points.

The steps, and what each costs a cluster:

1. read: one task per input file (per group of files a format reads together, e.g. an IO
   release's users and tweets), each running the project's reader (models.spark_tasks); no
   shuffle.
2. duplicates: the first observation of an account id wins (a user object over a profile known
   only from tweets), the rest are rejects naming their file and row: one shuffle of the
   accounts' ids and places by id.
3. population: accounts per creation day (per source when the model's cohorts are per source),
   a table of a few thousand rows collected to the driver and sent with the scoring tasks.
4. cadence: the posts shuffled by account id (the one large shuffle: every post once), then the
   cadence features of each partition's accounts.
5. score: the accounts joined with their cadence (a shuffle of the accounts), then row
   features, model and reasons per partition; no shuffle.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import shutil
import sys
import tempfile
import time
import uuid
import warnings
from pathlib import Path

import numpy as np

from features.cohort import bursts_of
from features.schema import DUPLICATE_REASON, SchemaError
from features.sources import ReadOptions, expand_paths, plan
from features.sources.common import default_source
from models import spark_tasks as st
from models.bundle import BundleError
from models.outputs import scoring_metadata
from models.run_report import describe_bursts
from models.spark_tasks import ReadTask, ScoreSettings
from predict import DEFAULT_MODEL, FORMATS, kept_columns, load_model

log = logging.getLogger("botsieve.spark_predict")

#: Readers that read each file on its own (so a task per file gives what reading them together
#: gives); the others read their files together (an IO release's users and tweets files).
PER_FILE = ("flat_csv", "api_v2", "mapped")
#: Up to this many repeated observations are sent to every task to be taken out of the
#: accounts; more are taken out by a shuffle join.
BROADCAST_ROWS = 5_000_000


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("inputs", nargs="*", metavar="INPUT", help="files, globs or folders")
    parser.add_argument("--table", action="append", default=[],
                        help="a Spark table or view of canonical account columns (repeatable)")
    parser.add_argument("--output", required=True,
                        help="scores dataset (a .parquet folder; a local path or a URI Spark "
                             "writes, e.g. s3a://...)")
    parser.add_argument("--model", default=DEFAULT_MODEL,
                        help="registry URI, runs:/ URI or bundle directory")
    parser.add_argument("--format", default="auto", choices=FORMATS)
    parser.add_argument("--mapping", help="YAML column mapping (the mapped format)")
    parser.add_argument("--posts", nargs="+", help="posts files for cadence features")
    parser.add_argument("--threshold-precision", type=float, default=None)
    parser.add_argument("--prior", type=float, default=None)
    parser.add_argument("--observed-at", help="when the input counts were observed (UTC)")
    parser.add_argument("--chunksize", type=int, default=200_000,
                        help="accounts per chunk a reading task parses at a time")
    parser.add_argument("--reasons", default="all", choices=("all", "flagged", "none"))
    parser.add_argument("--reasons-method", default="paths", choices=("paths", "shap"))
    parser.add_argument("--keep", default="", help="input columns to pass through to the "
                        "scores, as predict.py's --keep")
    parser.add_argument("--drift-threshold", type=float, default=0.2,
                        help="warn about features whose population stability index against "
                             "the training data exceeds this")
    parser.add_argument("--partitions", type=int, default=None,
                        help="partitions of the shuffles (default: spark.sql.shuffle."
                             "partitions; a local run uses 2 per core)")
    parser.add_argument("--tracking-uri", help="MLflow tracking URI for registry/run models")
    args = parser.parse_args(argv)
    args.keep = kept_columns(args.keep, parser)
    if not args.inputs and not args.table:
        parser.error("give input files (INPUT...) or --table NAME")
    if not args.output.rstrip("/").endswith(".parquet"):
        parser.error(f"--output {args.output}: the scores dataset's name must end in .parquet")
    for name in ("threshold_precision", "prior"):
        value = getattr(args, name)
        if value is not None and not 0 < value < 1:
            parser.error(f"--{name.replace('_', '-')} must lie strictly between 0 and 1")
    if args.chunksize < 1 or (args.partitions is not None and args.partitions < 1):
        parser.error("--chunksize and --partitions must be at least 1")
    return args


def beside(output: str, suffix: str) -> str:
    """A file of the run beside the scores dataset ``output`` (``SCORES.parquet``), named as
    ``predict.py`` names its own: ``.rejects.parquet``, ``.drift.csv``, ``.meta.json``."""
    return output.rstrip("/")[: -len(".parquet")] + suffix


def rejects_path(output: str) -> str:
    return beside(output, ".rejects.parquet")


def drift_path(output: str) -> str:
    return beside(output, ".drift.csv")


def meta_path(output: str) -> str:
    return beside(output, ".meta.json")


def session(partitions: int | None = None):
    """The active Spark session, or a local one on this machine's cores (UTC, Arrow batches
    of 20,000 rows)."""
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName("botsieve-score")
    if SparkSession.getActiveSession() is None and "PYSPARK_GATEWAY_PORT" not in os.environ:
        # started with python, not spark-submit: a local Spark on this machine
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        builder = builder.master("local[*]")
    spark = (builder.config("spark.sql.session.timeZone", "UTC")
             .config("spark.sql.execution.arrow.maxRecordsPerBatch", "20000").getOrCreate())
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    # times in the scores (a kept created_at) as UTC instants, not Spark's legacy INT96
    spark.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
    if partitions:
        spark.conf.set("spark.sql.shuffle.partitions", str(partitions))
    elif spark.sparkContext.master.startswith("local"):
        spark.conf.set("spark.sql.shuffle.partitions",
                       str(2 * spark.sparkContext.defaultParallelism))
    return spark


def read_tasks(inputs: list[str], fmt: str, opts: ReadOptions, posts: list[str] | None
               ) -> list[ReadTask]:
    """The reading tasks, in the order ``predict.py`` reads the files (their order decides
    which observation of a repeated id is first)."""
    tasks = []
    for name, files in (plan(expand_paths(inputs), fmt, opts.mapping).items() if inputs
                        else ()):
        folders = {Path(f).resolve().parent for f in files}
        if name in PER_FILE and (len(folders) == 1 or name != "mapped"):
            source = None if opts.source or len(folders) == 1 else default_source(files)
            tasks.extend(ReadTask(name, (f,), source) for f in files)
        else:
            tasks.append(ReadTask(name, tuple(files)))
    if posts:
        from features.sources.scan import csv_header

        files = expand_paths(posts)
        columns = frozenset().union(*(csv_header(f) for f in files
                                      if not f.lower().endswith(".parquet")))
        tasks.extend(ReadTask("posts", (f,), columns=columns) for f in files)
    return tasks


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # (pyspark warns on import that it was not tested with pandas 3; the tasks move Arrow
    # batches and convert them with the project's own dtypes, and the tests compare every row)
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas",
                            category=FutureWarning)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s",
                        datefmt="%H:%M:%S")
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    started = time.perf_counter()
    try:
        bundle = load_model(args.model, args.tracking_uri)
        opts = ReadOptions(mapping=args.mapping, chunksize=args.chunksize,
                           observed_at=args.observed_at)
        threshold = bundle.threshold(args.threshold_precision, args.prior)
        tasks = read_tasks(args.inputs, args.format, opts, args.posts)
        for out in (args.output, rejects_path(args.output), meta_path(args.output),
                    drift_path(args.output)):
            if any(Path(out).resolve() == Path(p).resolve() for t in tasks for p in t.files):
                raise SchemaError(f"{out}: an output of --output {args.output} is an input; "
                                  "choose another --output (inputs are never written)")
    except (BundleError, SchemaError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    log.info("model %s (%d features), decision threshold %s; %d reading task(s)",
             bundle.contract.get("model_version"), len(bundle.features), threshold, len(tasks))
    spark = session(args.partitions)
    from py4j.protocol import Py4JJavaError
    from pyspark.errors import PySparkException

    run = Landing(spark, args.output)
    try:
        n, flagged, rejected, mean, quantiles, whole = score(spark, args, bundle, opts, tasks,
                                                             run)
        meta = scoring_metadata(bundle, model=args.model, threshold=threshold,
                                precision=args.threshold_precision or bundle.default_precision,
                                prior=bundle.prior if args.prior is None else args.prior,
                                reasons=args.reasons, method=args.reasons_method)
        meta.update(accounts_scored=n, flagged=flagged, rejected=rejected,
                    inputs=[*args.inputs, *(f"table:{t}" for t in args.table)],
                    scored_at=time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()))
        if run.local:
            Path(run.stage_file(meta_path(args.output))).write_text(
                json.dumps(meta, indent=1) + "\n", encoding="utf-8")
        run.land(args.output, also_remove=[drift_path(args.output)])
    except SchemaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (PySparkException, Py4JJavaError, OSError) as exc:  # a task failed on an executor
        last = [ln for ln in str(exc).splitlines() if ln.strip()][-1:] or [type(exc).__name__]
        print(f"error: the Spark job failed: {last[0][:500]}", file=sys.stderr)
        return 2
    finally:
        run.clear()
    print(f"read {n + rejected:,} rows: scored {n:,} accounts, rejected {rejected:,} "
          f"(reasons in {rejects_path(args.output)}) in {time.perf_counter() - started:.1f} s")
    if n:
        q = quantiles
        print(f"bot_probability: mean {mean:.3f}, p10 {q[0]:.3f}, median {q[1]:.3f}, p90 "
              f"{q[2]:.3f}, p99 {q[3]:.3f} (within 1e-4); is_bot: {flagged:,} "
              f"({flagged / n:.1%})")
        print(describe_bursts(bursts_of(whole, bundle.builder.reference_)))
    print(f"scores: {args.output}")
    return 0


def score(spark, args: argparse.Namespace, bundle, opts: ReadOptions, tasks: list[ReadTask],
          run: Landing) -> tuple:
    """Run the five steps (module docstring); returns (scored, flagged, rejected, mean
    probability, its 10th, 50th, 90th and 99th percentiles, the whole list's creation-day
    counts). A reader's named error stops the run as a SchemaError."""
    from pyspark import StorageLevel
    from pyspark.sql import Window
    from pyspark.sql import functions as fn

    from features.cohort import CohortCounter

    clock = _Clock()
    # 1. read: the files' tasks, then the tables (their rows checked like a reader's)
    read = (spark.range(len(tasks), numPartitions=max(len(tasks), 1))
            .mapInArrow(st.read_task(tasks, opts, keep_posts=not args.posts), st.READ_SCHEMA))
    for i, name in enumerate(args.table):
        read = read.unionByName(_table(spark, name, len(tasks) + i, opts))
    read = read.persist(StorageLevel.MEMORY_AND_DISK)
    messages = read.filter(fn.col("_kind").isin("error", "note")).select(
        "_kind", "_task", "_reason").collect()
    for row in sorted(messages, key=lambda r: r["_task"]):
        if row["_kind"] == "note":
            log.info("%s", row["_reason"])
    errors = [row["_reason"] for row in sorted(messages, key=lambda r: r["_task"])
              if row["_kind"] == "error"]  # (the first in predict.py's reading order)
    if errors:
        read.unpersist()
        raise SchemaError(errors[0])
    clock.step("read")
    # 2. duplicates: the first observation wins (a user object before a tweet-only profile).
    # Only the keys of the ids seen more than once are ranked; the later observations are
    # then taken out of the accounts by their place (task, position).
    accounts = read.filter(fn.col("_kind") == "account")
    place = ["_task", "_seq"]
    repeated = (accounts.groupBy("account_id").count().filter(fn.col("count") > 1)
                .select("account_id"))
    first = Window.partitionBy("account_id").orderBy(fn.col("_file").isNull(), *place)
    later = (accounts.select("account_id", "_file", "_row", *place)
             .join(repeated, "account_id", "left_semi")
             .withColumn("_rank", fn.row_number().over(first)).filter(fn.col("_rank") > 1)
             .drop("_rank").persist(StorageLevel.MEMORY_AND_DISK))
    few = later.count() <= BROADCAST_ROWS
    kept = accounts.join(fn.broadcast(later.select(*place)) if few else later.select(*place),
                         place, "left_anti")
    rejects = read.filter(fn.col("_kind") == "reject").select(
        fn.col("_file").alias("file"), fn.col("_row").alias("row"),
        fn.col("_column").alias("column"), fn.col("_reason").alias("reason"))
    duplicates = later.filter(fn.col("_file").isNotNull()).select(
        fn.col("_file").alias("file"), fn.col("_row").alias("row"),
        fn.lit("account_id").alias("column"), fn.lit(DUPLICATE_REASON).alias("reason"))
    # 3. population: accounts per UTC creation day (per source when the model says so)
    day = fn.floor(fn.unix_micros("created_at") / fn.lit(86_400_000_000)).cast("long")
    by_source = bundle.population == "source"
    keys = ["source", "day"] if by_source else ["day"]
    days = (kept.filter(fn.col("created_at").isNotNull()).withColumn("day", day)
            .groupBy(*keys).count().toPandas())
    population: dict[str, CohortCounter] = {}
    for name, rows in (days.groupby("source", dropna=False) if by_source else [("", days)]):
        population["<NA>" if name is None else str(name)] = CohortCounter.from_day_counts(
            rows["day"].to_numpy(), rows["count"].to_numpy())
    if not population:
        population[""] = CohortCounter()
    whole = (population[""] if not by_source else CohortCounter.from_day_counts(
        days["day"].to_numpy(), days["count"].to_numpy()))
    clock.step("duplicates and creation-day counts")
    # 4. cadence: all posts of an account in one partition
    posts = read.filter(fn.col("_kind") == "post").select(
        "account_id", "created_at", "is_retweet", "is_reply", "is_quote", "client")
    has_posts = bool(posts.limit(1).count())
    if has_posts:
        cadence = posts.repartition("account_id").mapInArrow(st.cadence_task,
                                                             st.CADENCE_SCHEMA)
        kept = kept.join(cadence, "account_id", "left")
    # 5. score
    reference = bundle.contract.get("drift_reference")
    drift = (spark.sparkContext.accumulator(
        {**{k: np.zeros(len(v["shares"])) for k, v in reference.items()}, st.DriftCounts.N: 0},
        st.DriftCounts()) if reference else None)
    staged = run.staged
    with tempfile.TemporaryDirectory(prefix="botsieve-spark-") as tmp:
        settings = ScoreSettings(_ship_bundle(spark, bundle, tmp), population, has_posts,
                                 args.threshold_precision, args.prior, args.reasons,
                                 args.reasons_method, tuple(args.keep), drift)
        run.stage(kept.mapInArrow(st.score_task(settings), st.score_schema(settings.keep)),
                  args.output)
    clock.step("cadence and scores" if has_posts else "scores")
    if drift is not None and run.local:
        from models.drift import DriftMonitor

        monitor = DriftMonitor(reference)
        counts = dict(drift.value)
        monitor.n = int(counts.pop(st.DriftCounts.N))
        monitor.counts = counts
        if monitor.n:
            monitor.write(run.stage_file(drift_path(args.output)), args.drift_threshold,
                          drift_path(args.output))
    run.stage(rejects.unionByName(duplicates), rejects_path(args.output))
    later.unpersist()
    read.unpersist()
    out = spark.read.parquet(staged[args.output]).agg(
        fn.count("*"), fn.sum(fn.col("is_bot").cast("long")), fn.avg("bot_probability"),
        fn.percentile_approx("bot_probability", [0.1, 0.5, 0.9, 0.99], 10_000)).first()
    rejected = spark.read.parquet(staged[rejects_path(args.output)]).count()
    return (int(out[0]), int(out[1] or 0), int(rejected), float(out[2] or 0.0),
            list(out[3] or [0.0] * 4), whole)


def _table(spark, name: str, task_id: int, opts: ReadOptions):
    """The read rows of a Spark table of canonical account columns; a column of the wrong
    type is a named error. A reject's row is the row's id in the table (Spark's
    ``monotonically_increasing_id() + 1``: unique, increasing, not consecutive)."""
    from pyspark.errors import AnalysisException
    from pyspark.sql import functions as fn

    from features.schema import ACCOUNT_DTYPES

    try:
        table = spark.table(name)
    except AnalysisException as exc:
        raise SchemaError(f"--table {name}: no such table or view ({exc})") from exc
    problems = st.table_problems(table.schema)
    if problems:
        raise SchemaError(f"--table {name}: {'; '.join(problems)} (cast them in SQL first)")
    columns = [c for c in ACCOUNT_DTYPES if c in table.columns]
    return (table.select(*columns).withColumn("_row", fn.monotonically_increasing_id() + 1)
            .mapInArrow(st.table_task(name, task_id, opts), st.READ_SCHEMA))


class _Clock:
    """Logs the time each step took."""

    def __init__(self) -> None:
        self.t = time.perf_counter()

    def step(self, what: str) -> None:
        now = time.perf_counter()
        log.info("%s: %.1f s", what, now - self.t)
        self.t = now


def _ship_bundle(spark, bundle, tmp: str) -> str:
    """Send the bundle's folder (saved in ``tmp``) to every executor (SparkFiles); returns
    its name there."""
    name = f"botsieve-bundle-{uuid.uuid4().hex[:12]}"
    folder = Path(tmp) / name
    bundle.save(folder)
    spark.sparkContext.addFile(str(folder), recursive=True)
    return name


class Landing:
    """The run's outputs, landed together. On this machine's file system (a local Spark and a
    path without a scheme) each is written under a hidden name beside its final one and renamed
    into place at the end, the scores last, so a failed run leaves the previous run's set as
    it was and nothing of its own (:meth:`clear`). Elsewhere (a cluster's default file system,
    s3a://, abfss://, dbfs:) Spark writes each dataset in place and the metadata and drift
    files are not written (the driver's disk is not where they would be read)."""

    def __init__(self, spark, output: str) -> None:
        self.local = (spark.sparkContext.master.startswith("local")
                      and not re.match(r"^[A-Za-z][A-Za-z0-9+.-]+:", output))
        self.staged: dict[str, str] = {}  # final -> where it is written now

    def _hidden(self, final: str) -> str:
        path = Path(final)
        return str(path.with_name(f".{path.name}.botsieve-{os.getpid()}-"
                                  f"{uuid.uuid4().hex[:8]}"))

    def stage(self, frame, final: str) -> None:
        """Write a dataset (a DataFrame) for ``final``."""
        if not self.local:
            frame.write.mode("overwrite").parquet(final)
            self.staged[final] = final
            return
        self.staged[final] = self._hidden(final)
        frame.write.parquet(self.staged[final])

    def stage_file(self, final: str) -> str:
        """A hidden path to write the file ``final`` to (local outputs only)."""
        self.staged[final] = self._hidden(final)
        return self.staged[final]

    def land(self, scores: str, also_remove: list[str]) -> None:
        """Rename every staged output into place, ``scores`` last; remove the files of
        ``also_remove`` an older run left that this one did not write."""
        if not self.local:
            return
        for final in also_remove:
            if final not in self.staged:
                Path(final).unlink(missing_ok=True)
        for final in sorted(self.staged, key=lambda f: f == scores):
            tmp, old = self.staged.pop(final), None
            if Path(final).is_dir():
                old = self._hidden(final)
                os.replace(final, old)
            os.replace(tmp, final)
            if old:
                shutil.rmtree(old, ignore_errors=True)

    def clear(self) -> None:
        """Remove what a failed run staged."""
        for final, tmp in list(self.staged.items()):
            if self.local and tmp != final:
                shutil.rmtree(tmp, ignore_errors=True)
                Path(tmp).unlink(missing_ok=True)
        self.staged.clear()


if __name__ == "__main__":
    sys.exit(main())
