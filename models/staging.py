"""Pass 1's output on local disk for predict.py: the model's row features and key columns of
every accepted account, read back in frames for pass 2, with the repeated ids found on disk."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from models.duplicates import find_repeated

log = logging.getLogger("botsieve.predict")


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

    def __init__(self, path: str, chunksize: int) -> None:
        self.path = path
        self.chunksize = chunksize
        self.sink: pa.OSFile | None = None
        self.writer: pa.ipc.RecordBatchFileWriter | None = None
        self.schema: pa.Schema | None = None
        self.files: list[str] = []
        self.rows = 0

    def write(self, staged: pd.DataFrame, file: str | None, rows: pd.Series | None) -> None:
        """Stage row-stage output of accounts read from ``file`` at ``rows`` (None: accounts
        known only from their tweets)."""
        table = pa.Table.from_pandas(staged, preserve_index=False)
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
        self.rows += n

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.sink.close()

    def repeated(self, tmp: str) -> str | None:
        """The staged rows whose account id was staged before (a Parquet file, see
        :func:`models.duplicates.find_repeated`), or None when no id repeats."""
        if self.writer is None:
            return None
        return find_repeated(self.path, tmp)

    def read(self, rows: int, skip: str | None = None, place: bool = False):
        """The staged rows again, in frames of ``rows`` rows (the last may be shorter),
        without the rows listed in ``skip`` (:meth:`repeated`) and the place columns (with
        ``_file`` and ``_row`` when ``place``)."""
        if self.writer is None:
            return
        skipped = _SeqCursor(skip)
        with pa.OSFile(self.path, "rb") as source:
            reader = pa.ipc.open_file(source)
            pending: list[pa.RecordBatch] = []
            n = 0
            for i in range(reader.num_record_batches):
                batch = reader.get_batch(i)
                while len(batch):
                    take = batch.slice(0, rows - n)
                    batch = batch.slice(len(take))
                    pending.append(take)
                    n += len(take)
                    if n == rows:
                        yield self._frame(pending, skipped, place)
                        pending, n = [], 0
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
