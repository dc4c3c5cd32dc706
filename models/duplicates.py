"""Repeated account ids in a scored input, found on disk by one DuckDB query over the staged
rows (no memory per account: DuckDB spills what does not fit in its limit)."""

from __future__ import annotations

import os


def find_repeated(staged: str, tmp: str, memory_limit: str = "64MB") -> str | None:
    """The rows of the staged file ``staged`` (Arrow IPC with ``account_id``, ``_seq``,
    ``_file``, ``_row``, ``created_at``, ``source`` among its columns) whose account id
    appears on an earlier row. The first observation of an id is kept, except that a user
    object (``_file >= 0``) wins over a profile known only from tweets (``_file = -1``).

    DuckDB scans the file through an Arrow dataset (only those columns) and groups the ids
    within ``memory_limit``, spilling the
    rest to ``tmp`` (measured: DuckDB adds 91, 98 and 100 MiB for 1M, 4M and 8M accounts;
    a higher limit is faster but grows further before it levels off). Returns a
    Parquet file in ``tmp`` of the rows to skip (``_seq``, ``_file``, ``_row``,
    ``created_at``, ``source``), in ``_seq`` order, or None when no id repeats.
    """
    import duckdb
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    out = os.path.join(tmp, "repeated.parquet")
    con = duckdb.connect()
    try:
        con.execute(f"SET memory_limit = '{memory_limit}'")
        con.execute("SET temp_directory = ?", [os.path.join(tmp, "duckdb")])
        con.execute("SET preserve_insertion_order = false")
        con.register("staged", ds.dataset(staged, format="arrow"))
        con.execute(f"""
            COPY (
              WITH repeated AS (
                SELECT account_id FROM staged GROUP BY account_id HAVING count(*) > 1),
              ranked AS (
                SELECT s._seq, s._file, s._row, s.created_at, s.source,
                       row_number() OVER (PARTITION BY s.account_id
                                          ORDER BY s._file < 0, s._seq) AS rank
                FROM staged s SEMI JOIN repeated r ON s.account_id = r.account_id)
              SELECT _seq, _file, _row, created_at, source FROM ranked WHERE rank > 1
              ORDER BY _seq
            ) TO {_literal(out)} (FORMAT parquet)""")
    finally:
        con.close()
    return out if pq.ParquetFile(out).metadata.num_rows else None


def _literal(path: str) -> str:
    """A file name as an SQL string literal."""
    return "'" + path.replace("'", "''") + "'"
