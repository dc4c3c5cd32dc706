"""Score account lists with a botsieve model: files in, one scores file out.

    python predict.py --output SCORES.csv|.parquet INPUT... [--model MODEL] [--format NAME]
                      [--mapping MAPPING.yaml] [--posts POSTS...] [--threshold-precision P]

Reads top to bottom like train.py: configuration (arguments), model, data (a first pass over the
inputs builds the population aggregates: creation-day counts for the cohort features, and the
posts for cadence), scoring (a second pass, chunk by chunk), output (written to a temporary file
and renamed, so an interrupted run leaves no partial scores file), summary. Worker processes
(``--workers``) parse CSV inputs in the first pass and score slices of the vectors in the
second, while this process stages, prepares the next slices and writes.

MODEL is a registry URI (``models:/NAME@champion``, the default), a run's model URI
(``runs:/RUN_ID/model``) or a bundle directory.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import resource
import signal
import sys
import time
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from features.cadence import compute_cadence
from features.cohort import CohortCounter, bursts_of
from features.schema import ACCOUNT_DTYPES, REJECT_DTYPES, SchemaError, make_rejects
from features.sources import FORMATS, ReadOptions, expand_paths, iter_read
from features.sources.common import ProcessMapper
from models.bundle import Bundle, BundleError, score_in_worker
from models.drift import DriftMonitor
from models.duplicates import IdFingerprints, find_repeated
from models.native import openmp_started
from models.outputs import Outputs, scoring_metadata

log = logging.getLogger("botsieve.predict")

DEFAULT_MODEL = "models:/botsieve@champion"
OUTPUT_COLUMNS = ["account_id", "bot_probability", "raw_score", "is_bot", "reasons",
                  "model_version"]
#: Accounts per scoring call: small enough that the worker processes share the last frame
#: evenly, large enough that a call's overhead is noise. TreeSHAP reasons
#: (``--reasons-method shap``) cost about 50 times more per account, so their slices are smaller.
SLICE_ROWS = {"none": 20_000, "flagged": 2_000, "all": 1_000}


#: Warn when the flagged share of a list is more than this many times the prior.
FLAGGED_WARNING = 3.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="files, globs or folders")
    parser.add_argument("--output", required=True, help="scores file (.csv or .parquet)")
    parser.add_argument("--model", default=DEFAULT_MODEL,
                        help="registry URI, runs:/ URI or bundle directory")
    parser.add_argument("--format", default="auto", choices=FORMATS)
    parser.add_argument("--mapping", help="YAML column mapping (the mapped format)")
    parser.add_argument("--posts", nargs="+", help="posts files for cadence features")
    parser.add_argument("--threshold-precision", type=float, default=None,
                        help="decide is_bot at the threshold that reaches this precision "
                             "(default: the model's first target precision)")
    parser.add_argument("--prior", type=float, default=None,
                        help="share of inauthentic accounts expected in this list: the "
                             "probability and the precision threshold are for it (default: "
                             "the model's deployment prior)")
    parser.add_argument("--observed-at", help="when the input counts were observed (UTC)")
    parser.add_argument("--chunksize", type=int, default=200_000, help="accounts per chunk")
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)),
                        help="processes that parse CSV chunks and score beside this one "
                             "(default: one per core; 0 does everything here)")
    parser.add_argument("--tmp-dir", help="where pass 1 keeps the staged row features and "
                        "keys (about 150 to 200 bytes an account; default: the scores file's "
                        "folder, on disk rather than a RAM-backed /tmp)")
    parser.add_argument("--drift-threshold", type=float, default=0.2,
                        help="warn about features whose population stability index against "
                             "the training data exceeds this")
    parser.add_argument("--reasons", default="all", choices=("all", "flagged", "none"),
                        help="which rows get reasons")
    parser.add_argument("--reasons-method", default="paths", choices=("paths", "shap"),
                        help="credit each feature by the paths of the account's leaves "
                             "(default; about the cost of the score) or by TreeSHAP (30 to "
                             "60 times the cost)")
    parser.add_argument("--keep", default="",
                        help="input columns to pass through to the scores, comma-separated: "
                             "canonical account columns (e.g. screen_name,source,group) and "
                             "file,row (where the account was read)")
    parser.add_argument("--tracking-uri", help="MLflow tracking URI for registry/run models "
                        "(default: $MLFLOW_TRACKING_URI, else sqlite:///mlflow.db)")
    args = parser.parse_args(argv)
    args.keep = kept_columns(args.keep, parser)
    if Path(args.output).suffix.lower() not in (".csv", ".parquet"):
        parser.error(f"--output {args.output}: the scores file must end in .csv or .parquet")
    if args.chunksize < 1:
        parser.error("--chunksize must be at least 1")
    if args.workers < 0:
        parser.error("--workers must be 0 or more")
    for name in ("threshold_precision", "prior"):
        value = getattr(args, name)
        if value is not None and not 0 < value < 1:
            parser.error(f"--{name.replace('_', '-')} must lie strictly between 0 and 1")
    return args


def kept_columns(text: str, parser: argparse.ArgumentParser) -> list[str]:
    """The columns ``--keep`` names (comma-separated), checked: canonical account columns and
    ``file``, ``row`` (where the account was read), each once."""
    keep = [c.strip() for c in text.split(",") if c.strip()]
    allowed = [c for c in ACCOUNT_DTYPES if c != "account_id"] + ["file", "row"]
    unknown = [c for c in keep if c not in allowed]
    if unknown or len(set(keep)) != len(keep):
        what = f"unknown column(s) {unknown}" if unknown else "a column named twice"
        parser.error(f"--keep {text}: {what}; columns that can be kept: {', '.join(allowed)}")
    return keep


def load_model(spec: str, tracking_uri: str | None) -> Bundle:
    """A bundle from a directory, or from a registry/run model URI (downloaded by MLflow)."""
    if os.path.isdir(spec):
        return Bundle.load(spec)
    if not spec.startswith(("models:/", "runs:/")):
        raise BundleError(f"{spec}: not a bundle directory nor a models:/ or runs:/ URI")
    import mlflow  # only needed for registry and run URIs

    mlflow.set_tracking_uri(tracking_uri or os.environ.get("MLFLOW_TRACKING_URI")
                            or "sqlite:///mlflow.db")
    try:
        local = mlflow.artifacts.download_artifacts(artifact_uri=spec)
    except Exception as exc:
        hint = (" Train one on real data first (python train.py --config configs/real.yaml: "
                "its first version becomes the champion), or pass --model; `make run` "
                "registers the sample's toy model apart, as models:/botsieve-sample."
                if spec == DEFAULT_MODEL else "")
        raise BundleError(f"{spec}: cannot fetch the model: {exc}.{hint}") from exc
    return Bundle.load(Path(local) / "artifacts" / "bundle")


def memory_note() -> str:
    """Resident memory now and at its peak, and what Arrow holds."""
    import psutil

    now = psutil.Process().memory_info().rss / 2**20
    return (f"memory {now:.0f} MiB (peak {peak_rss_mib():.0f} MiB, Arrow "
            f"{pa.total_allocated_bytes() / 2**20:.0f} MiB)")


def peak_rss_mib() -> float:
    """This process's peak resident memory: the kernel's high-water mark of its own memory
    (``getrusage`` would also count what the parent held before this program was started)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM")) / 1024
    except (OSError, StopIteration):  # not Linux
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def close_workers(mapper: ProcessMapper) -> None:
    mapper.close()
    log.info("workers done: the largest peaked at %.0f MiB",
             resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)


def progress(total: int | None, desc: str):
    """A progress bar on a terminal (percentage and time left when ``total`` is known),
    plain log lines otherwise (the same figures)."""
    if sys.stderr.isatty():
        from tqdm import tqdm

        return tqdm(total=total, desc=desc, unit="acct")
    return _LogProgress(desc, total)


class _LogProgress:
    def __init__(self, desc: str, total: int | None = None) -> None:
        self.desc, self.total, self.n, self.t0 = desc, total, 0, time.perf_counter()

    def update(self, n: int) -> None:
        self.n += n
        rate = self.n / max(time.perf_counter() - self.t0, 1e-9)
        if self.total:
            log.info("%s: %d of %d accounts (%.0f%%, %.0f/s, about %.0f s left)", self.desc,
                     self.n, self.total, 100 * self.n / self.total, rate,
                     (self.total - self.n) / rate)
        else:
            log.info("%s: %d accounts (%.0f/s)", self.desc, self.n, rate)

    def close(self) -> None:
        pass


class ScoresWriter:
    """Writes scores chunk by chunk to the run's staged scores file (models.outputs lands it);
    a Parquet file carries ``metadata`` (JSON, key ``botsieve``) in its schema."""

    def __init__(self, path: Path, *, parquet: bool, metadata: dict, columns: list[str]
                 ) -> None:
        self.path = path
        self.columns = columns
        self.parquet = parquet
        self.metadata = {b"botsieve": json.dumps(metadata).encode()}
        self.writer = None
        self.first = True

    def write(self, frame: pd.DataFrame) -> None:
        if self.parquet:
            table = pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(
                self.metadata)
            if self.writer is None:  # dictionaries only where values repeat (the ids and
                # probabilities are mostly distinct: encoding them would cost 3/4 of the write)
                self.writer = pq.ParquetWriter(self.path, table.schema,
                                               use_dictionary=["reasons", "model_version"])
            self.writer.write_table(table)
        else:
            frame.to_csv(self.path, mode="w" if self.first else "a", header=self.first,
                         index=False)
        self.first = False

    def close(self) -> None:
        """Finish the file (a list with no account scored still gets the header)."""
        if self.parquet:
            if self.writer is None:
                self.write(pd.DataFrame({c: pd.Series(dtype="object") for c in self.columns}))
            self.writer.close()
            self.writer = None
        elif self.first:
            pd.DataFrame(columns=self.columns).to_csv(self.path, index=False)


class StagedAccounts:
    """Pass-1 output on local disk: the model's row features and key columns of every
    accepted account, in input order (Arrow IPC, read back batch by batch without a memory
    map, so memory does not grow with the input), so the input is parsed only once.

    Beside the features each row keeps its place: ``_seq`` (position in the staged file),
    ``_file`` (index into :attr:`files`; -1 for an account known only from its tweets) and
    ``_row`` (1-based data row), so that repeated account ids can be found on disk
    (:meth:`repeated`) and skipped in pass 2 with a reject naming their row.
    """

    PLACE = ("_seq", "_file", "_row")
    #: What the disk check for repeated ids reads (a Parquet file of its own, which DuckDB
    #: scans within its memory limit), written only when the fingerprints cannot prove that
    #: no id repeats.
    KEYS = ("account_id", "created_at", "source", *PLACE)

    def __init__(self, path: str, chunksize: int) -> None:
        self.path = path
        self.chunksize = chunksize
        self.sink: pa.OSFile | None = None
        self.writer: pa.ipc.RecordBatchFileWriter | None = None
        self.fingerprints = IdFingerprints()
        self.schema: pa.Schema | None = None
        self.files: list[str] = []
        self.rows = 0

    def write(self, staged: pd.DataFrame | pa.Table, file: str | None,
              rows: pd.Series | None) -> None:
        """Stage row-stage output (a frame, or the Arrow table of one) of accounts read from
        ``file`` at ``rows`` (None: accounts known only from their tweets)."""
        table = staged if isinstance(staged, pa.Table) else \
            pa.Table.from_pandas(staged, preserve_index=False)
        n = table.num_rows
        if file is not None and file not in self.files:
            self.files.append(file)
        table = (table.append_column("_seq", pa.array(np.arange(self.rows, self.rows + n)))
                 .append_column("_file", pa.array(np.full(
                     n, -1 if file is None else self.files.index(file), dtype="int32")))
                 .append_column("_row", pa.nulls(n, pa.int64()) if file is None else
                                pa.array(rows.to_numpy(dtype="int64"))))
        if self.writer is None:
            self.sink = pa.OSFile(self.path, "wb")
            self.schema = table.schema
            self.writer = pa.ipc.new_file(self.sink, self.schema)
        table = table.cast(self.schema)
        self.writer.write_table(table, max_chunksize=self.chunksize)
        self.fingerprints.add(table.column("account_id"))
        self.rows += n

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.sink.close()

    def repeated(self, tmp: str, mapper: ProcessMapper | None = None) -> str | None:
        """The staged rows whose account id was staged before (a Parquet file, see
        :func:`models.duplicates.find_repeated`), or None when no id repeats. The ids'
        fingerprints usually prove that in memory; otherwise DuckDB checks the ids on disk,
        in a worker process when there are workers, so that this process does not keep the
        memory DuckDB used."""
        if self.writer is None:
            return None
        if self.fingerprints.all_distinct():
            log.info("duplicate check: the %d ids are all different (their fingerprints "
                     "are)", self.rows)
            return None
        log.info("duplicate check: %s; checking the ids on disk",
                 "more ids than are fingerprinted in memory" if self.fingerprints.full else
                 "some ids repeat (or share a fingerprint)")
        keys = self._write_keys(os.path.join(tmp, "keys.parquet"))
        if mapper is not None:
            return mapper.run(find_repeated, keys, tmp)
        return find_repeated(keys, tmp)

    def _write_keys(self, path: str) -> str:
        """The :attr:`KEYS` columns of the staged rows as a Parquet file (uncompressed,
        dictionaries only for the source names), batch by batch. The staged file is mapped
        into memory, so only the key columns are read from it, and mapped anew for each
        batch, so the pages read do not stay in this process's memory."""
        def mapped():
            source = pa.memory_map(self.path)
            return source, pa.ipc.open_file(source)

        source, reader = mapped()
        with source:
            batches = reader.num_record_batches
            schema = reader.schema.remove_metadata()
        schema = pa.schema([schema.field(name) for name in self.KEYS])
        with pq.ParquetWriter(path, schema, compression="none",
                              use_dictionary=["source"]) as out:
            for i in range(batches):
                source, reader = mapped()
                with source:
                    out.write_table(pa.Table.from_batches(
                        [reader.get_batch(i).select(list(self.KEYS))]).cast(schema))
        return path

    def read(self, rows: int, skip: str | None = None, first: int | None = None,
             place: bool = False):
        """The staged rows again, in frames of ``rows`` rows (the first has ``first`` rows
        when given, the last may be shorter), without the rows listed in ``skip``
        (:meth:`repeated`) and the place columns (with ``_file`` and ``_row`` when
        ``place``)."""
        if self.writer is None:
            return
        skipped = _SeqCursor(skip)
        with pa.OSFile(self.path, "rb") as source:
            reader = pa.ipc.open_file(source)
            pending: list[pa.RecordBatch] = []
            n, size = 0, first or rows
            for i in range(reader.num_record_batches):
                batch = reader.get_batch(i)
                while len(batch):
                    take = batch.slice(0, size - n)
                    batch = batch.slice(len(take))
                    pending.append(take)
                    n += len(take)
                    if n == size:
                        yield self._frame(pending, skipped, place)
                        pending, n, size = [], 0, rows
            if pending:
                yield self._frame(pending, skipped, place)

    def _frame(self, batches: list[pa.RecordBatch], skipped: _SeqCursor, place: bool
               ) -> pd.DataFrame:
        table = pa.Table.from_batches(batches)
        seq = table.column("_seq").to_numpy()
        drop = skipped.take_until(int(seq[-1]))
        if len(drop):
            table = table.filter(pa.array(~np.isin(seq, drop)))
        # one block per column: the feature columns are used one by one, so pandas need
        # not copy them into one block first
        drop = ["_seq"] if place else list(self.PLACE)
        return table.drop_columns(drop).to_pandas(split_blocks=True)


class _SeqCursor:
    """Walks a ``_seq``-ordered Parquet file of rows to skip alongside the staged rows."""

    def __init__(self, path: str | None) -> None:
        self.batches = (pq.ParquetFile(path).iter_batches(columns=["_seq"], batch_size=65_536)
                        if path else iter(()))
        self.pending = np.empty(0, dtype="int64")

    def take_until(self, last: int) -> np.ndarray:
        """The skipped positions up to and including ``last``."""
        parts = [self.pending]
        while not len(parts[-1]) or parts[-1][-1] <= last:
            batch = next(self.batches, None)
            if batch is None:
                break
            parts.append(batch.column(0).to_numpy())
        seqs = np.concatenate(parts)
        cut = np.searchsorted(seqs, last, side="right")
        self.pending = seqs[cut:]
        return seqs[:cut]


class RejectsFile:
    """The rejects, appended to a CSV as they come (a large bad input costs no memory)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.n = 0
        pd.DataFrame(columns=list(REJECT_DTYPES)).to_csv(path, index=False)

    def write(self, frame: pd.DataFrame) -> None:
        if len(frame):
            frame[list(REJECT_DTYPES)].to_csv(self.path, mode="a", header=False, index=False)
            self.n += len(frame)


class ScoreSummary:
    """Count, mean, flagged count and quantiles of the scores: exact for up to a million
    scores, then from a fine histogram (to 1e-4), so the summary's memory is bounded for any
    number of accounts."""

    BINS = 10_000
    EXACT = 1_000_000

    def __init__(self) -> None:
        self.hist: np.ndarray | None = None
        self.kept: list[np.ndarray] = []
        self.n, self.total, self.flagged = 0, 0.0, 0

    def add(self, prob: np.ndarray, flagged: np.ndarray) -> None:
        self.n += len(prob)
        self.total += float(prob.sum())
        self.flagged += int(flagged.sum())
        if self.hist is None and self.n <= self.EXACT:
            self.kept.append(np.asarray(prob, dtype="float64"))
            return
        if self.hist is None:
            self.hist = np.zeros(self.BINS + 1, dtype="int64")
            prob = np.concatenate([*self.kept, prob])
            self.kept = []
        self.hist += np.bincount(np.rint(prob * self.BINS).astype("int64"),
                                 minlength=self.BINS + 1)

    def quantiles(self, qs: list[float]) -> list[float]:
        if self.hist is None:  # (one partial sort for all of them)
            return np.quantile(np.concatenate(self.kept), qs).tolist()
        cum = np.cumsum(self.hist)
        return [float(np.searchsorted(cum, q * self.n, side="left")) / self.BINS for q in qs]

    def quantile(self, q: float) -> float:
        return self.quantiles([q])[0]

    def describe(self) -> str:
        q = self.quantiles([0.1, 0.5, 0.9, 0.99])
        return (f"bot_probability: mean {self.total / self.n:.3f}, p10 {q[0]:.3f}, median "
                f"{q[1]:.3f}, p90 {q[2]:.3f}, p99 {q[3]:.3f}; is_bot: {self.flagged:,} "
                f"({self.flagged / self.n:.1%})")


def describe_bursts(bursts: pd.DataFrame) -> str:
    """One line on the list's creation bursts (the seed's signal, for the whole list): how many
    accounts were created in certain bursts, and the largest ones."""
    if not len(bursts):
        return ("creation bursts: none (no window of the list's creation days holds certainly "
                "four times what the months beside it and the organic reference expect)")
    top = bursts.sort_values("accounts", ascending=False).head(3)
    largest = "; ".join(f"{r.start} to {r.end}: {r.accounts:,} accounts (burst ratio up to "
                        f"{r.max_burst_ratio:.1f})" for r in top.itertuples())
    return (f"creation bursts: {int(bursts['accounts'].sum()):,} accounts "
            f"({bursts['share'].sum():.1%}) in {len(bursts)} burst(s); largest: {largest} "
            "(python -m models.cohort_report for the list's report)")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s",
                        datefmt="%H:%M:%S")
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    # The worker processes are forked first, before this process starts any work of its own.
    # They parse the CSV inputs in pass 1 and score in pass 2, unless LightGBM already ran in
    # this process (e.g. training earlier in the same Python session): its OpenMP threads do
    # not survive a fork, so the workers then only parse.
    import multiprocessing

    if args.workers and "fork" not in multiprocessing.get_all_start_methods():
        log.info("no fork on this system: CSV files are parsed and scored in this process")
        args.workers = 0
    score_in_workers = not openmp_started()
    # SIGTERM (a scheduler's stop, `kill`) and SIGHUP (a closed terminal) end the run as
    # Ctrl-C does: its temporary files are removed and its workers stopped on the way out
    handlers = {sig: signal.signal(sig, _stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
    mapper = ProcessMapper(args.workers) if args.workers else None
    try:
        return _score(args, mapper, score_in_workers)
    finally:
        if mapper is not None:
            mapper.close()
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


def _stop(signum: int, frame) -> None:
    raise SystemExit(128 + signum)


def _score(args: argparse.Namespace, mapper: ProcessMapper | None, score_in_workers: bool
           ) -> int:
    try:
        bundle = load_model(args.model, args.tracking_uri)
        opts = ReadOptions(mapping=args.mapping, chunksize=args.chunksize,
                           observed_at=pd.Timestamp(args.observed_at) if args.observed_at
                           else None, defer_duplicates=True, mapper=mapper,
                           columns=bundle.inputs | set(args.keep))
        threshold = bundle.threshold(args.threshold_precision, args.prior)
        prior = bundle.prior if args.prior is None else args.prior
    except (BundleError, SchemaError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    # the model's row stage, keeping the input columns passed through to the scores
    stager = dataclasses.replace(bundle.stager, keep=tuple(
        c for c in args.keep if c in ACCOUNT_DTYPES and c not in bundle.KEYS))
    if mapper is not None:
        # workers return the row features as Arrow tables, not the parsed accounts
        mapper.stage = dataclasses.replace(stager, as_arrow=True)
    log.info("model %s (%d features), decision threshold %s for precision %s at a prior of "
             "%s inauthentic", bundle.contract.get("model_version"), len(bundle.features),
             threshold, args.threshold_precision or bundle.default_precision, prior)

    writer = None
    try:
        inputs = expand_paths(args.inputs) + (expand_paths(args.posts) if args.posts else [])
        with Outputs(args.output, inputs) as outputs, outputs.tmp_dir(args.tmp_dir) as tmp:
            # -- pass 1: parse once; keep row features, learn the population -------------------
            population = CohortCounter()
            per_source: dict[str, CohortCounter] = {}
            staged = StagedAccounts(os.path.join(tmp, "staged.arrow"), args.chunksize)
            posts_files: list[str] = []
            rejects = RejectsFile(outputs.stage(outputs.rejects))
            started = time.perf_counter()

            def count(keys: pd.DataFrame, sign: int = 1) -> None:
                """Count accounts into the population (``sign=-1``: take them out)."""
                population.add(keys["created_at"], sign=sign)
                if bundle.population == "source":
                    for src, rows in keys.groupby("source", dropna=False):
                        per_source.setdefault(str(src), CohortCounter()).add(
                            rows["created_at"], sign=sign)

            bar = progress(None, "pass 1/2 (read, row features)")
            for part in iter_read(args.inputs, fmt=args.format, options=opts):
                for note in part.notes:
                    log.info("%s", note)
                rejects.write(part.rejects)
                if len(part.accounts):
                    count(part.accounts.select(["created_at", "source"]).to_pandas()
                          if isinstance(part.accounts, pa.Table) else part.accounts)
                    staged.write(part.accounts if part.staged else stager(part.accounts),
                                 part.account_file, part.account_rows)
                    pa.default_memory_pool().release_unused()
                    bar.update(len(part.accounts))
                if len(part.posts) and not args.posts:
                    path = os.path.join(tmp, f"posts-{len(posts_files):06d}.parquet")
                    part.posts.to_parquet(path, index=False)
                    posts_files.append(path)
            bar.close()
            staged.close()
            read_s = time.perf_counter() - started
            # an account id read before: skip it in pass 2, take it out of the population
            repeated = staged.repeated(tmp, mapper)
            if mapper is not None and not score_in_workers:
                log.info("scoring in this process: LightGBM ran here before the workers were "
                         "forked")
                close_workers(mapper)  # their memory goes back now
                mapper = None
            for batch in (pq.ParquetFile(repeated).iter_batches(batch_size=65_536)
                          if repeated else ()):
                rows = batch.to_pandas()
                count(rows, sign=-1)
                seen = rows[rows["_file"] >= 0]  # (a profile known only from tweets: no row)
                rejects.write(make_rejects(
                    "", seen["_row"], "account_id", "duplicate account observation"
                ).assign(file=pd.array([staged.files[i] for i in seen["_file"]],
                                       dtype="string")))
            cadence = None
            if args.posts:
                cadence = compute_cadence(args.posts)
            elif posts_files:
                cadence = compute_cadence(posts_files)
            log.info("pass 1: %d accounts read in %.1f s (reading %.1f s); cadence for %d "
                     "accounts; %s", staged.rows, time.perf_counter() - started, read_s,
                     0 if cadence is None else len(cadence), memory_note())
            started = time.perf_counter()

            # -- pass 2: finish the vectors and score, chunk by chunk --------------------------
            meta = scoring_metadata(bundle, model=args.model, threshold=threshold,
                                    precision=args.threshold_precision
                                    or bundle.default_precision, prior=prior,
                                    reasons=args.reasons, method=args.reasons_method)
            writer = ScoresWriter(outputs.stage(outputs.scores),
                                  parquet=outputs.scores.suffix.lower() == ".parquet",
                                  metadata=meta, columns=OUTPUT_COLUMNS + args.keep)
            summary = ScoreSummary()
            monitor = (DriftMonitor(bundle.contract["drift_reference"])
                       if "drift_reference" in bundle.contract else None)
            if args.reasons != "none":
                log.info("reasons (%s, for %s rows): %s", args.reasons_method, args.reasons,
                         "TreeSHAP costs 30 to 60 times the score and will take most of the "
                         "time; --reasons-method paths is about the cost of the score"
                         if args.reasons_method == "shap" else "about as much time again as "
                         "the scores themselves (--reasons none skips them)")
            bar = progress(staged.rows - (pq.ParquetFile(repeated).metadata.num_rows
                                          if repeated else 0), "pass 2/2 (scoring)")

            files = np.array([*staged.files, None], dtype=object)  # (_file -1: no file)

            def vectors(acc: pd.DataFrame) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
                """(account ids and the columns kept, finished feature vectors) of a staged
                batch (per source in mode source)."""
                kept = pd.DataFrame({"account_id": acc["account_id"]}, index=acc.index)
                for col in args.keep:
                    kept[col] = (files[acc["_file"].to_numpy()] if col == "file" else
                                 acc["_row"].astype("Int64") if col == "row" else acc[col])
                acc = acc.drop(columns=[c for c in ("_file", "_row", *stager.keep)
                                        if c in acc.columns])
                if bundle.population == "source":
                    parts = [(rows, per_source[str(src)])
                             for src, rows in acc.groupby("source", dropna=False, sort=False)]
                else:
                    parts = [(acc, population)]
                return [(kept.loc[rows.index], bundle.finish_features(
                    rows, cadence=cadence, population=counter)) for rows, counter in parts]

            step = SLICE_ROWS[args.reasons] if args.reasons_method == "shap" else \
                SLICE_ROWS["none"]

            def slices():
                """(account ids, feature vectors) of each slice of :data:`SLICE_ROWS`, with
                whether it ends its frame (a frame is written as one piece)."""
                # scoring workers get a first frame of one slice each: they start at once
                first = min(step * mapper.workers, args.chunksize) if mapper else None
                for frame in staged.read(args.chunksize, repeated, first=first,
                                         place=bool(args.keep)):
                    parts = vectors(frame)
                    del frame
                    while parts:  # every reference to a frame's data dropped before the next
                        ids, X = parts.pop(0)
                        if monitor is not None:
                            monitor.add(X)
                        for lo in range(0, len(X), step):
                            yield ids.iloc[lo:lo + step], X.iloc[lo:lo + step], \
                                not parts and lo + step >= len(X)
                        del ids, X

            def score_here():
                for ids, X, last in slices():
                    part = bundle.score_features(X, precision=args.threshold_precision,
                                                 prior=prior, reasons=args.reasons,
                                                 method=args.reasons_method)
                    del X  # (a view of the frame's vectors: not kept into the next frame)
                    yield (ids, last), part

            if mapper is None:
                scored = score_here()
            else:  # the workers score the slices (a copy of the model each), this process
                # prepares the next slices and writes the scores meanwhile
                bundle_copy = str(bundle.save(os.path.join(tmp, "bundle")))
                scored = mapper.imap(score_in_worker, (
                    ((bundle_copy, X, args.threshold_precision, prior, args.reasons,
                      args.reasons_method), (ids, last))
                    for ids, X, last in slices()))
            pieces: list[tuple[pd.Series, pd.DataFrame]] = []

            def flush() -> None:
                keys, parts = zip(*pieces, strict=True)
                pieces.clear()
                keys = pd.concat(keys, ignore_index=True) if len(keys) > 1 else keys[0]
                scores = bundle.scores_table(
                    keys["account_id"],
                    pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0])
                for col in args.keep:
                    scores[col] = keys[col].to_numpy()
                writer.write(scores[writer.columns])
                summary.add(scores["bot_probability"].to_numpy(), scores["is_bot"].to_numpy())
                bar.update(len(scores))
                pa.default_memory_pool().release_unused()  # keep the peak to one frame

            for (ids, last), part in scored:
                pieces.append((ids, part))
                if last:
                    flush()
            if pieces:
                flush()
            bar.close()
            if mapper is not None:
                close_workers(mapper)
            log.info("pass 2: %d accounts scored in %.1f s; %s", summary.n,
                     time.perf_counter() - started, memory_note())
            writer.close()
            if monitor is not None and monitor.n:
                drift_table = monitor.table()
                drift_table.to_csv(outputs.stage(outputs.drift), index=False)
                drifted = drift_table[drift_table["psi"] > args.drift_threshold]
                if len(drifted):
                    log.warning("drift: %d feature(s) with PSI > %.2f against the training "
                                "data: %s (table: %s)", len(drifted), args.drift_threshold,
                                ", ".join(f"{r.feature}={r.psi:.2f}"
                                          for r in drifted.itertuples()), outputs.drift)
            meta.update(accounts_scored=summary.n, flagged=summary.flagged,
                        rejected=rejects.n, inputs=inputs,
                        scored_at=pd.Timestamp.now(tz="UTC").isoformat(timespec="seconds"))
            outputs.stage(outputs.meta).write_text(json.dumps(meta, indent=1) + "\n",
                                                   encoding="utf-8")
            outputs.commit()
    except (SchemaError, BundleError, ValueError, BrokenProcessPool) as exc:
        print(f"error: {exc}", file=sys.stderr)  # (a worker killed, e.g. out of memory)
        return 2
    finally:
        if writer is not None and writer.writer is not None:
            writer.writer.close()  # (its file is gone already, with the run's other files)

    print(f"read {summary.n + rejects.n:,} rows: scored {summary.n:,} accounts, rejected "
          f"{rejects.n:,} (reasons in {outputs.rejects})")
    if summary.n:
        print(summary.describe())
        print(describe_bursts(bursts_of(population, bundle.builder.reference_)))
        flagged = summary.flagged / summary.n
        if flagged > FLAGGED_WARNING * prior:
            print(f"WARNING: {flagged:.1%} of this list is flagged, far above the {prior:.1%} "
                  f"of inauthentic accounts the decision assumes (--prior). Either the list "
                  "holds that many (then score it again with --prior near that share), or it "
                  "is unlike the data the model learned from and its flags mean little: "
                  "check the drift table.")
    print(f"scores: {args.output} (what they were scored with: {outputs.meta})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
