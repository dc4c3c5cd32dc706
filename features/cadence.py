"""Cadence family: how an account posts, computed out of core with DuckDB.

One GROUP BY over the posts (files or an in-memory frame) gives, per account (times in UTC):

- ``posts_count``: posts (with or without a time).
- ``posts_per_active_day``: timed posts / distinct UTC days with a post.
- ``gap_median_s``, ``gap_mean_s``, ``gap_std_s``: statistics of the gaps in seconds between
  consecutive posts (population standard deviation); ``gap_cv = std / mean``.
- ``burstiness = (std - mean) / (std + mean)`` of the gaps (Goh & Barabasi 2008): -1 for a
  clock-regular poster, about 0 for a Poisson one, towards 1 for bursts.
- ``busiest_hour_share``: share of timed posts in the account's busiest hour of the day.
- ``hour_entropy_bits``, ``weekday_entropy_bits``: Shannon entropy (log 2) of the hour-of-day and
  day-of-week of its posts (max log2(24) = 4.58 and log2(7) = 2.81).
- ``retweet_share``, ``reply_share``, ``quote_share``: shares among posts where the flag is known.
- ``distinct_clients``, ``top_client_share``: clients used, share of the most used one.
- ``active_span_days``: days from first to last post.

Accounts without posts are absent from the result (their cadence is NA in the feature frame);
gap statistics need two timed posts and are NA otherwise.

Inputs: canonical posts as a DataFrame or Parquet/CSV files, or the Twitter IO tweets CSV layout
(``tweetid``, ``userid``, ``tweet_time``...), given as paths or globs.
"""

from __future__ import annotations

import glob
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from features.schema import SchemaError
from features.sources import scan

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

log = logging.getLogger(__name__)

CADENCE_COLUMNS = (
    "posts_count",
    "posts_per_active_day",
    "gap_median_s",
    "gap_mean_s",
    "gap_std_s",
    "gap_cv",
    "burstiness",
    "busiest_hour_share",
    "hour_entropy_bits",
    "weekday_entropy_bits",
    "retweet_share",
    "reply_share",
    "quote_share",
    "distinct_clients",
    "top_client_share",
    "active_span_days",
)

#: The one GROUP BY. ``{posts}`` is a relation with columns account_id, created_at (TIMESTAMP,
#: UTC), is_retweet, is_reply, is_quote (BOOLEAN) and client (VARCHAR).
CADENCE_SQL = """
WITH agg AS (
    SELECT
        account_id,
        count(*) AS posts_count,
        count(created_at) AS timed,
        count(DISTINCT CAST(created_at AS DATE)) AS active_days,
        list_sort(list(epoch(created_at)) FILTER (WHERE created_at IS NOT NULL)) AS ts,
        list_max(map_values(histogram(hour(created_at)))) AS busiest_hour_posts,
        entropy(hour(created_at)) AS hour_entropy_bits,
        entropy(dayofweek(created_at)) AS weekday_entropy_bits,
        avg(CAST(is_retweet AS DOUBLE)) AS retweet_share,
        avg(CAST(is_reply AS DOUBLE)) AS reply_share,
        avg(CAST(is_quote AS DOUBLE)) AS quote_share,
        count(DISTINCT client) AS distinct_clients,
        list_max(map_values(histogram(client))) / count(client) AS top_client_share
    FROM {posts}
    GROUP BY account_id
), gaps AS (
    SELECT *, list_transform(range(1, len(ts)), lambda i: ts[i + 1] - ts[i]) AS g FROM agg
), stats AS (
    SELECT *,
        list_aggregate(g, 'median') AS gap_median_s,
        list_aggregate(g, 'avg') AS gap_mean_s,
        list_aggregate(g, 'stddev_pop') AS gap_std_s
    FROM gaps
)
SELECT
    account_id,
    posts_count,
    CASE WHEN active_days > 0 THEN timed / active_days END AS posts_per_active_day,
    gap_median_s,
    gap_mean_s,
    gap_std_s,
    CASE WHEN gap_mean_s > 0 THEN gap_std_s / gap_mean_s END AS gap_cv,
    CASE WHEN gap_std_s + gap_mean_s > 0
         THEN (gap_std_s - gap_mean_s) / (gap_std_s + gap_mean_s) END AS burstiness,
    CASE WHEN timed > 0 THEN busiest_hour_posts / timed END AS busiest_hour_share,
    CASE WHEN timed > 0 THEN greatest(hour_entropy_bits, 0) END AS hour_entropy_bits,
    CASE WHEN timed > 0 THEN greatest(weekday_entropy_bits, 0) END AS weekday_entropy_bits,
    retweet_share,
    reply_share,
    quote_share,
    CASE WHEN distinct_clients > 0 THEN distinct_clients END AS distinct_clients,
    top_client_share,
    CASE WHEN timed > 0 THEN (ts[-1] - ts[1]) / 86400.0 END AS active_span_days
FROM stats
"""

#: The IO tweets layout, parsed as the io_archive reader parses it (times: minute, second or ISO
#: 8601; flags: true/false/1/0...; a column the files lack gives NULL, never False).
_IO_SELECT = """
SELECT
    userid AS account_id,
    coalesce(try_strptime(tweet_time, ['%Y-%m-%d %H:%M', '%Y-%m-%d %H:%M:%S']),
             CAST(try_cast(tweet_time AS TIMESTAMPTZ) AS TIMESTAMP)) AS created_at,
    CASE WHEN lower(trim(is_retweet)) IN ('1', 'true', 't', 'yes', 'y') THEN true
         WHEN lower(trim(is_retweet)) IN ('0', 'false', 'f', 'no', 'n') THEN false END
        AS is_retweet,
    {is_reply} AS is_reply,
    {is_quote} AS is_quote,
    nullif(tweet_client_name, '') AS client,
    tweet_time AS raw_time,
    filename
FROM read_csv({files}, header = true, all_varchar = true, filename = true, union_by_name = true)
"""


def connect(*, threads: int | None = None, memory_limit: str | None = None
            ) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with UTC session time (hours and days are UTC)."""
    import duckdb  # loaded on first use: scoring without posts never needs it

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    con.execute("SET preserve_insertion_order = false")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'")
    return con


def _files(posts: str | Path | list) -> list[str]:
    items = [posts] if isinstance(posts, (str, Path)) else list(posts)
    out: list[str] = []
    for item in map(str, items):
        found = sorted(glob.glob(item)) if any(c in item for c in "*?[") else [item]
        if not found or not all(Path(f).is_file() for f in found):
            raise SchemaError(f"{item}: no posts file found")
        out.extend(found)
    return out


def _relation(con: duckdb.DuckDBPyConnection, posts, columns: set[str] | None = None) -> str:
    """Register the posts as view ``posts`` and return its name. ``columns``: the header
    columns of every posts file of the run, when ``posts`` is some of them (a cluster task
    reads one file): an IO flag column another file has and this one lacks is then False
    here, as it is when DuckDB reads all the files together."""
    if isinstance(posts, pd.DataFrame):
        missing = [c for c in ("account_id", "created_at") if c not in posts.columns]
        if missing:
            raise SchemaError(f"posts frame lacks column(s) {missing}")
        frame = posts.copy()
        for col in ("is_retweet", "is_reply", "is_quote", "client"):
            if col not in frame.columns:
                frame[col] = pd.NA
        frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True).dt.tz_localize(None)
        frame = frame[["account_id", "created_at", "is_retweet", "is_reply", "is_quote",
                       "client"]].astype({"account_id": "string", "client": "string",
                                          "is_retweet": "boolean", "is_reply": "boolean",
                                          "is_quote": "boolean"})
        con.register("posts_frame", frame)
        con.execute("CREATE OR REPLACE TEMP VIEW posts AS SELECT * FROM posts_frame")
        return "posts"
    files = _files(posts)
    quoted = "[" + ", ".join("'" + f.replace("'", "''") + "'" for f in files) + "]"
    if all(f.lower().endswith(".parquet") for f in files):
        con.execute(f"""CREATE OR REPLACE TEMP VIEW posts AS
            SELECT CAST(account_id AS VARCHAR) AS account_id,
                   CAST(created_at AS TIMESTAMP) AS created_at,
                   is_retweet, is_reply, is_quote, CAST(client AS VARCHAR) AS client
            FROM read_parquet({quoted}, union_by_name = true)""")
        return "posts"
    headers = {f: set(scan.csv_header(f)) for f in files}
    if all({"tweetid", "userid", "tweet_time"} <= h for h in headers.values()):
        here = set.union(*headers.values())
        columns = here if columns is None else columns | here
        for col in ("is_retweet", "tweet_client_name"):
            if col not in here:
                raise SchemaError(f"posts files {files[:3]}: no column {col}")

        def filled(col: str) -> str:
            if col not in columns:
                return "CAST(NULL AS BOOLEAN)"
            return f"coalesce({col}, '') <> ''" if col in here else "false"

        select = _IO_SELECT.format(files=quoted, is_reply=filled("in_reply_to_tweetid"),
                                   is_quote=filled("quoted_tweet_tweetid"))
        con.execute(f"CREATE OR REPLACE TEMP VIEW posts_raw AS {select}")
        bad = con.execute("""SELECT count(*), any_value(filename), any_value(raw_time)
                             FROM posts_raw WHERE created_at IS NULL
                             AND coalesce(raw_time, '') <> ''""").fetchone()
        if bad[0]:
            log.warning("%d posts have an unparseable tweet_time (e.g. %r in %s); their times "
                        "are left out of the cadence features", bad[0], bad[2], bad[1])
        con.execute("CREATE OR REPLACE TEMP VIEW posts AS SELECT account_id, created_at, "
                    "is_retweet, is_reply, is_quote, client FROM posts_raw")
        return "posts"
    if all({"account_id", "post_id", "created_at"} <= h for h in headers.values()):
        con.execute(f"""CREATE OR REPLACE TEMP VIEW posts AS
            SELECT account_id, CAST(created_at AS TIMESTAMPTZ)::TIMESTAMP AS created_at,
                   is_retweet, is_reply, is_quote, client
            FROM read_csv({quoted}, header = true, union_by_name = true,
                          types = {{'account_id': 'VARCHAR', 'is_retweet': 'BOOLEAN',
                                   'is_reply': 'BOOLEAN', 'is_quote': 'BOOLEAN',
                                   'client': 'VARCHAR', 'created_at': 'VARCHAR'}})""")
        return "posts"
    raise SchemaError(
        f"posts files {files[:3]}: expected canonical posts (account_id, post_id, created_at) or "
        "the IO tweets layout (tweetid, userid, tweet_time)"
    )


#: DuckDB's memory limit for the cadence step; beyond it DuckDB spills to disk.
DEFAULT_MEMORY_LIMIT = "512MB"


def canonical_posts(files: list[str], columns: set[str] | None = None,
                    batch_rows: int = 200_000) -> Iterator[pa.RecordBatch]:
    """The posts of ``files`` as the cadence step reads them (account_id, created_at in UTC,
    is_retweet, is_reply, is_quote, client), streamed in batches of ``batch_rows``, for a
    cluster task that reads some of a run's posts files (``columns``: see :func:`_relation`)."""
    import duckdb

    con = connect(threads=1, memory_limit=DEFAULT_MEMORY_LIMIT)
    try:
        rel = _relation(con, files, columns)
        yield from con.sql(f"SELECT account_id, created_at, is_retweet, is_reply, is_quote, "
                           f"client FROM {rel}").to_arrow_reader(batch_rows)
    except duckdb.Error as exc:
        raise SchemaError(f"{', '.join(files)}: cannot read the posts: {exc}") from exc
    finally:
        con.close()


def compute_cadence(posts, *, threads: int | None = None,
                    memory_limit: str | None = DEFAULT_MEMORY_LIMIT) -> pd.DataFrame:
    """Cadence features per account from posts.

    Parameters
    ----------
    posts : DataFrame of canonical posts, or a path, glob or list of paths (canonical Parquet or
        CSV posts, or IO tweets CSVs).
    threads, memory_limit : DuckDB settings (defaults: DuckDB's).

    Returns
    -------
    DataFrame, shape (n_accounts_with_posts, 16)
        Indexed by ``account_id``; columns :data:`CADENCE_COLUMNS` (float64, NaN where undefined).
    """
    import duckdb

    con = connect(threads=threads, memory_limit=memory_limit)
    try:
        rel = _relation(con, posts)
        frame = con.execute(CADENCE_SQL.format(posts=rel)).df()
    except duckdb.Error as exc:
        raise SchemaError(f"cannot compute cadence from the posts: {exc}") from exc
    finally:
        con.close()
    frame["account_id"] = frame["account_id"].astype("string")
    frame = frame.set_index("account_id")
    return frame[list(CADENCE_COLUMNS)].astype("float64")
