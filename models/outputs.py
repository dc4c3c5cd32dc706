"""A scoring run's output files: staged beside their final names, landed together, never over
an input, one run at a time, and no leftovers from a run that was killed.

A run writes files that belong together: the scores (``OUT.csv`` or ``OUT.parquet``), their
rejects (``OUT.rejects.csv``), what they were scored with (``OUT.meta.json``: model version,
decision threshold, prior, counts) and, when the model carries a drift reference, the drift
table (``OUT.drift.csv``). Each is written to a hidden temporary file in the output folder
(``.OUT.csv.botsieve-PID-XXXX.tmp``) and renamed into place only when the whole run has
succeeded, rejects and drift first and the scores last; an old drift table that this run does
not replace is removed, so the folder never shows a new scores file beside an old run's
rejects or drift. A failed or interrupted run removes its temporary files; one killed outright
(SIGKILL, out of memory) leaves them behind under its process id, and the next run in the same
folder removes those whose process is gone. A lock file (``.OUT.csv.lock``, held with
``flock`` while the run lasts and removed at its end) keeps a second run from writing the same
output at the same time.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import shutil
import tempfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from features.schema import REJECT_DTYPES

log = logging.getLogger(__name__)

#: What a run's temporary files and folders are called: the run's process id is in the name.
TMP_MARK = "botsieve-{pid}-"
_STALE = re.compile(r"botsieve-(\d+)-")


class OutputError(ValueError):
    """An output that cannot be written: over an input, locked by another run, not a folder."""


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists (a process of another user counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clear_stale(folder: Path) -> list[Path]:
    """Remove the temporary files and folders that killed runs left in ``folder`` (their
    process is gone); returns what was removed."""
    removed = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    for entry in entries:
        match = _STALE.search(entry.name)
        if not entry.name.startswith(".") or match is None:
            continue
        pid = int(match.group(1))
        if pid == os.getpid() or pid_alive(pid):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed.append(entry)
    if removed:
        log.info("removed %d file(s) left by killed runs in %s: %s", len(removed), folder,
                 ", ".join(p.name for p in removed))
    return removed


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


class Outputs:
    """The files of one scoring run. Use as a context manager: entering checks the paths,
    takes the lock and clears stale files; :meth:`commit` lands the files; leaving without a
    commit removes every temporary file."""

    def __init__(self, scores: str | os.PathLike, inputs: list[str]) -> None:
        self.scores = Path(scores)
        stem = self.scores.with_suffix("")
        self.rejects = stem.with_name(stem.name + ".rejects.csv")
        self.drift = stem.with_name(stem.name + ".drift.csv")
        self.meta = stem.with_name(stem.name + ".meta.json")
        self.folder = self.scores.parent
        self.inputs = [Path(p) for p in inputs]
        self._staged: dict[Path, Path] = {}
        self._lock: int | None = None
        self._lock_path = self.folder / f".{self.scores.name}.lock"

    # -- entering ----------------------------------------------------------------------------

    def __enter__(self) -> Outputs:
        for out in (self.scores, self.rejects, self.drift, self.meta):
            for given in self.inputs:
                if out.resolve() == given.resolve() or _same_file(out, given):
                    what = "scores" if out == self.scores else out.name.split(".")[-2]
                    raise OutputError(
                        f"{out}: the {what} file of --output {self.scores} is the input "
                        f"{given}; choose another --output (inputs are never written)")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"--output {self.scores}: cannot make its folder {self.folder}: "
                              f"{exc.strerror or exc}") from exc
        if not self.folder.is_dir():
            raise OutputError(f"--output {self.scores}: {self.folder} is not a folder")
        for out in (self.scores, self.rejects, self.drift, self.meta):
            if out.is_dir():
                raise OutputError(f"{out}: is a folder, not a file the run can write")
        self._take_lock()
        clear_stale(self.folder)
        return self

    def _take_lock(self) -> None:
        try:
            fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise OutputError(f"--output {self.scores}: cannot write in {self.folder}: "
                              f"{exc.strerror or exc}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise OutputError(f"--output {self.scores}: another botsieve run (process "
                              f"{holder}) is writing it; wait for it or choose another "
                              "--output") from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._lock = fd

    # -- staging -----------------------------------------------------------------------------

    def stage(self, final: Path) -> Path:
        """A new temporary file for ``final`` (one of :attr:`scores`, :attr:`rejects`,
        :attr:`drift`), in the output folder, readable as the final file will be."""
        fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.{TMP_MARK.format(pid=os.getpid())}",
                                   suffix=".tmp", dir=self.folder)
        os.close(fd)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a scores file is shared
        self._staged[final] = Path(tmp)
        return Path(tmp)

    def tmp_dir(self, parent: str | None) -> tempfile.TemporaryDirectory:
        """A temporary folder for the run's staged data (``parent``: default the output
        folder), named so that the next run clears it if this one is killed."""
        where = Path(parent) if parent else self.folder
        try:
            where.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"--tmp-dir {where}: cannot make this folder: "
                              f"{exc.strerror or exc}") from exc
        if not where.is_dir():
            raise OutputError(f"--tmp-dir {where}: not a folder")
        if where != self.folder:
            clear_stale(where)
        return tempfile.TemporaryDirectory(
            prefix=f".{TMP_MARK.format(pid=os.getpid())}", dir=where)

    # -- landing -----------------------------------------------------------------------------

    def commit(self) -> None:
        """Rename every staged file into place (scores last) and remove an old drift table
        this run did not replace."""
        if any(f not in self._staged for f in (self.scores, self.rejects, self.meta)):
            raise RuntimeError("commit before the scores, rejects and metadata were staged")
        if self.drift not in self._staged:
            self.drift.unlink(missing_ok=True)
        for final in sorted(self._staged, key=lambda p: p == self.scores):
            os.replace(self._staged[final], final)
        self._staged.clear()

    def __exit__(self, *exc) -> None:
        for tmp in self._staged.values():
            tmp.unlink(missing_ok=True)
        self._staged.clear()
        if self._lock is not None:
            self._lock_path.unlink(missing_ok=True)
            os.close(self._lock)
            self._lock = None


#: How the scores file's ``reasons`` are written (also in its metadata).
REASONS_UNIT = ("each reason: feature, its value, (low|high) where it falls among the training "
                "accounts (below their 25th / above their 75th percentile), and its credit in "
                "log-odds of the raw model score (the score before calibration)")


def scoring_metadata(bundle, *, model: str, threshold: float | None, precision: float,
                     prior: float, reasons: str, method: str) -> dict:
    """What a scores file was made with: the model (its URI as given, version, SHA-256, the
    config and data it was trained on), the decision (threshold on the raw score, the precision
    and prior it is for) and the reasons' method and unit."""
    training = bundle.contract.get("training") or {}
    return {
        "model": model, "model_version": bundle.contract.get("model_version"),
        "model_sha256": bundle.contract.get("model_sha256"),
        "trained_on": {k: training[k] for k in ("config_name", "data_fingerprint", "run_id")
                       if k in training},
        "decision_threshold_raw_score": threshold, "target_precision": precision,
        "prior": prior, "flags_nothing": threshold is None,
        "reasons": reasons, "reasons_method": method,
        "reasons_unit": REASONS_UNIT if reasons != "none" else None,
    }


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
