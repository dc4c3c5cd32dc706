"""predict.py's two passes over a list of accounts.

Pass 1 (:func:`read_pass`) parses the inputs once: every accepted account's row features and
keys go to a staged file on disk, its creation day is counted into the population, the posts
found are kept for the cadence step, and an id read before is found (its later rows are
rejects and leave the population). Pass 2 (:func:`score_pass`) reads the staged rows back a
frame at a time, finishes their vectors with the population's cohort counts and the cadence,
and scores them in slices (LightGBM's own threads), writing each frame's scores as one piece.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from queue import Full, Queue

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from features.cadence import compute_cadence
from features.cohort import CohortCounter
from features.schema import ACCOUNT_DTYPES, DUPLICATE_REASON, make_rejects
from features.sources import ReadOptions, iter_read
from models.bundle import Bundle, RowStager
from models.outputs import RejectsFile, ScoresWriter
from models.run_report import ScoreSummary, memory_note, progress
from models.staging import StagedAccounts

log = logging.getLogger("botsieve.predict")

#: Accounts per scoring call: small enough that the progress bar moves and a slice's reasons
#: stay small in memory, large enough that a call's overhead is noise. TreeSHAP reasons
#: (``--reasons-method shap``) cost about 50 times more per account, so their slices are smaller.
SLICE_ROWS = {"none": 20_000, "flagged": 2_000, "all": 1_000}


@dataclass
class Run:
    """What both passes share: the model, its row stage (keeping the ``keep`` columns), the
    run's temporary folder and the frame size."""

    bundle: Bundle
    stager: RowStager
    keep: list[str]
    tmp: str
    chunksize: int


@dataclass
class Population:
    """What pass 1 learned about the whole list."""

    staged: StagedAccounts
    by_source: bool  # one cohort population per source (the model's population mode)
    counter: CohortCounter = field(default_factory=CohortCounter)
    per_source: dict[str, CohortCounter] = field(default_factory=dict)
    repeated: str | None = None  # the staged rows to skip (ids read before), or None
    cadence: pd.DataFrame | None = None

    def count(self, keys: pd.DataFrame, sign: int = 1) -> None:
        """Count accounts into the population (``sign=-1``: take them out)."""
        self.counter.add(keys["created_at"], sign=sign)
        if self.by_source:
            for src, rows in keys.groupby("source", dropna=False):
                self.per_source.setdefault(str(src), CohortCounter()).add(
                    rows["created_at"], sign=sign)

    @property
    def to_score(self) -> int:
        """How many staged rows pass 2 scores."""
        skipped = pq.ParquetFile(self.repeated).metadata.num_rows if self.repeated else 0
        return self.staged.rows - skipped


def read_pass(run: Run, inputs: list[str], fmt: str, opts: ReadOptions,
              posts: list[str] | None, rejects: RejectsFile) -> Population:
    """Pass 1 (module docstring); the rejects of reading and of repeated ids go to
    ``rejects``; cadence comes from ``posts`` files when given, else from the inputs' posts."""
    started = time.perf_counter()
    pop = Population(StagedAccounts(os.path.join(run.tmp, "staged.arrow"), run.chunksize),
                     by_source=run.bundle.population == "source")
    posts_files: list[str] = []
    bar = progress(None, "pass 1/2 (read, row features)")
    for part in ahead(iter_read(inputs, fmt=fmt, options=opts)):
        for note in part.notes:
            log.info("%s", note)
        rejects.write(part.rejects)
        if len(part.accounts):
            pop.count(part.accounts)
            pop.staged.write(run.stager(part.accounts), part.account_file, part.account_rows)
            pa.default_memory_pool().release_unused()
            bar.update(len(part.accounts))
        if len(part.posts) and not posts:
            path = os.path.join(run.tmp, f"posts-{len(posts_files):06d}.parquet")
            part.posts.to_parquet(path, index=False)
            posts_files.append(path)
    bar.close()
    pop.staged.close()
    read_s = time.perf_counter() - started
    # an account id read before: skipped in pass 2, taken out of the population
    pop.repeated = pop.staged.repeated(run.tmp)
    for batch in (pq.ParquetFile(pop.repeated).iter_batches(batch_size=65_536)
                  if pop.repeated else ()):
        rows = batch.to_pandas()
        pop.count(rows, sign=-1)
        seen = rows[rows["_file"] >= 0]  # (a profile known only from tweets: no row)
        rejects.write(make_rejects(
            "", seen["_row"], "account_id", DUPLICATE_REASON
        ).assign(file=pd.array([pop.staged.files[i] for i in seen["_file"]], dtype="string")))
    if posts or posts_files:
        pop.cadence = compute_cadence(posts or posts_files)
    log.info("pass 1: %d accounts read in %.1f s (reading %.1f s); cadence for %d accounts; %s",
             pop.staged.rows, time.perf_counter() - started, read_s,
             0 if pop.cadence is None else len(pop.cadence), memory_note())
    return pop


def ahead(items: Iterator, depth: int = 2) -> Iterator:
    """``items`` computed in a helper thread up to ``depth`` items ahead of the caller: the
    readers' Arrow and pandas work on the next chunks runs while this thread stages the last
    (both release the interpreter lock for most of their time). An error in the helper is
    raised here, where its item would have been."""
    queue: Queue = Queue(maxsize=depth)
    stop = threading.Event()

    def put(entry: tuple) -> bool:
        """Hand ``entry`` over unless the caller stopped; False when it did."""
        while not stop.is_set():
            try:
                queue.put(entry, timeout=0.1)
                return True
            except Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put((True, item)):
                    return
            put((False, None))
        except BaseException as exc:  # noqa: BLE001 (raised again in the caller)
            put((False, exc))

    thread = threading.Thread(target=produce, daemon=True)
    thread.start()
    try:
        while True:
            more, item = queue.get()
            if not more:
                if item is not None:
                    raise item
                return
            yield item
    finally:
        stop.set()
        thread.join()


@dataclass(frozen=True)
class Decision:
    """How pass 2 decides and explains: the precision target (None: the model's first), the
    prior, which rows get reasons and how they are computed."""

    precision: float | None
    prior: float
    reasons: str
    method: str


def score_pass(run: Run, pop: Population, decision: Decision, writer: ScoresWriter,
               summary: ScoreSummary, monitor=None) -> None:
    """Pass 2 (module docstring): every staged row not skipped is scored and written, counted
    into ``summary`` and (when given) the drift ``monitor``."""
    started = time.perf_counter()
    if decision.reasons != "none":
        log.info("reasons (%s, for %s rows): %s", decision.method, decision.reasons,
                 "TreeSHAP costs 30 to 60 times the score and will take most of the time; "
                 "--reasons-method paths is about the cost of the score"
                 if decision.method == "shap" else "about as much time again as the scores "
                 "themselves (--reasons none skips them)")
    bar = progress(pop.to_score, "pass 2/2 (scoring)")
    pieces: list[tuple[pd.DataFrame, pd.DataFrame]] = []
    for (keys, last), part in _scored(run, pop, decision, monitor):
        pieces.append((keys, part))
        if last:  # a frame is written as one piece
            n = _write(run, pieces, writer, summary)
            bar.update(n)
            pieces.clear()
    if pieces:
        bar.update(_write(run, pieces, writer, summary))
    bar.close()
    log.info("pass 2: %d accounts scored in %.1f s; %s", summary.n,
             time.perf_counter() - started, memory_note())


def _vectors(run: Run, pop: Population, frame: pd.DataFrame, files: np.ndarray
             ) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
    """(account ids and the columns kept, finished feature vectors) of a staged frame (per
    source when the model's populations are)."""
    kept = pd.DataFrame({"account_id": frame["account_id"]}, index=frame.index)
    for col in run.keep:  # (typed even when a frame holds only missing values)
        kept[col] = (pd.array(files[frame["_file"].to_numpy()], dtype="string")
                     if col == "file" else frame["_row"].astype("Int64") if col == "row"
                     else frame[f"keep.{col}"].astype(ACCOUNT_DTYPES[col]))
    frame = frame.drop(columns=[c for c in ("_file", "_row", *(f"keep.{c}" for c in
                                                               run.stager.keep))
                                if c in frame.columns])
    populations = pop.per_source if pop.by_source else {"": pop.counter}
    return [(kept.loc[index], X) for index, X in run.bundle.finish_in_populations(
        frame, cadence=pop.cadence, populations=populations)]


def _slices(run: Run, pop: Population, step: int, monitor) -> Iterator[tuple]:
    """(keys, feature vectors, whether the slice ends its frame) of each slice of ``step``
    rows."""
    files = np.array([*pop.staged.files, None], dtype=object)  # (_file -1: no file)
    for frame in pop.staged.read(run.chunksize, pop.repeated, place=bool(run.keep)):
        parts = _vectors(run, pop, frame, files)
        del frame
        while parts:  # every reference to a frame's data dropped before the next
            keys, X = parts.pop(0)
            if monitor is not None:
                monitor.add(X)
            for lo in range(0, len(X), step):
                yield keys.iloc[lo:lo + step], X.iloc[lo:lo + step], \
                    not parts and lo + step >= len(X)
            del keys, X


def _scored(run: Run, pop: Population, d: Decision, monitor) -> Iterator[tuple]:
    """((keys, ends its frame), scored slice) in order."""
    step = SLICE_ROWS[d.reasons] if d.method == "shap" else SLICE_ROWS["none"]
    for keys, X, last in _slices(run, pop, step, monitor):
        part = run.bundle.score_features(X, precision=d.precision, prior=d.prior,
                                         reasons=d.reasons, method=d.method)
        del X  # (a view of the frame's vectors: not kept into the next frame)
        yield (keys, last), part


def _write(run: Run, pieces: list[tuple[pd.DataFrame, pd.DataFrame]], writer: ScoresWriter,
           summary: ScoreSummary) -> int:
    """Write a frame's scored slices as one piece; returns its number of rows."""
    keys, parts = zip(*pieces, strict=True)
    keys = pd.concat(keys, ignore_index=True) if len(keys) > 1 else keys[0]
    scores = run.bundle.scores_table(
        keys["account_id"], pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0])
    for col in run.keep:
        scores[col] = keys[col].array
    writer.write(scores[writer.columns])
    summary.add(scores["bot_probability"].to_numpy(), scores["is_bot"].to_numpy())
    pa.default_memory_pool().release_unused()  # keep the peak to one frame
    return len(scores)
