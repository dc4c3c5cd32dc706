"""Cadence step vs a hand-written single DuckDB GROUP BY over the same posts file.

Generates N posts for M accounts as a Parquet file of canonical posts (default 10,000,000 posts,
200,000 accounts), then, each in its own process, times:

- project: ``features.compute_cadence(path)``, all 16 cadence features per account;
- hand query: the same 16 features written by hand as one ``SELECT ... GROUP BY account_id``
  over the same file, fetched into pandas;
- count query: ``count(*) GROUP BY account_id``, the floor of any per-account pass, for scale.

Prints both times, their ratio and each process's peak RSS.

    python benchmarks/cadence_bench.py [--posts 10000000] [--accounts 200000]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from benchmarks.common import run_child

#: The same 16 features, written by hand as one GROUP BY straight over the file: what an analyst
#: would write without botsieve. The project's step must cost at most 1.2x this.
HAND_QUERY = """
SELECT * EXCLUDE (ts, g),
       list_aggregate(g, 'median') AS gap_median_s,
       list_aggregate(g, 'avg') AS gap_mean_s,
       list_aggregate(g, 'stddev_pop') AS gap_std_s,
       gap_std_s / gap_mean_s AS gap_cv,
       (gap_std_s - gap_mean_s) / (gap_std_s + gap_mean_s) AS burstiness
FROM (
    SELECT *, list_transform(range(1, len(ts)), lambda i: ts[i + 1] - ts[i]) AS g
    FROM (
        SELECT account_id,
               count(*) AS posts_count,
               count(created_at) / count(DISTINCT CAST(created_at AS DATE))
                   AS posts_per_active_day,
               list_max(map_values(histogram(hour(created_at)))) / count(created_at)
                   AS busiest_hour_share,
               entropy(hour(created_at)) AS hour_entropy_bits,
               entropy(dayofweek(created_at)) AS weekday_entropy_bits,
               avg(is_retweet::DOUBLE) AS retweet_share,
               avg(is_reply::DOUBLE) AS reply_share,
               avg(is_quote::DOUBLE) AS quote_share,
               count(DISTINCT client) AS distinct_clients,
               list_max(map_values(histogram(client))) / count(client) AS top_client_share,
               (max(epoch(created_at)) - min(epoch(created_at))) / 86400 AS active_span_days,
               list(epoch(created_at) ORDER BY created_at) AS ts
        FROM read_parquet('{path}')
        GROUP BY account_id
    )
)
"""

#: The simplest useful per-account query, for scale: counts only.
COUNT_QUERY = "SELECT account_id, count(*) FROM read_parquet('{path}') GROUP BY account_id"


def make_posts(path: str, n_posts: int, n_accounts: int, seed: int = 0) -> None:
    """Write canonical posts: bursty bots and diurnal humans, random order, in row groups."""
    rng = np.random.default_rng(seed)
    writer = None
    step = 1_000_000
    start = np.datetime64("2020-01-01T00:00:00", "us").astype("int64")
    clients = np.array(["Twitter Web App", "Twitter for Android", "Twitter for iPhone",
                        "TweetDeck", "dlvr.it"])
    for lo in range(0, n_posts, step):
        n = min(step, n_posts - lo)
        acc = rng.zipf(1.3, n) % n_accounts
        t = start + rng.integers(0, 365 * 86_400, n) * 1_000_000
        table = pa.table({
            "account_id": pa.array(acc.astype(str)),
            "post_id": pa.array(np.arange(lo, lo + n).astype(str)),
            "created_at": pa.array(t, type=pa.timestamp("us", tz="UTC")),
            "is_retweet": pa.array(rng.random(n) < 0.4),
            "is_reply": pa.array(rng.random(n) < 0.2),
            "is_quote": pa.array(rng.random(n) < 0.05),
            "client": pa.array(clients[rng.integers(0, len(clients), n)]),
            "lang": pa.array(np.full(n, "en")),
        })
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
    writer.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=10_000_000)
    parser.add_argument("--accounts", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "posts.parquet")
        t0 = time.perf_counter()
        make_posts(path, args.posts, args.accounts)
        print(f"generated {args.posts:,} posts for up to {args.accounts:,} accounts in "
              f"{time.perf_counter() - t0:.1f}s ({os.path.getsize(path) / 2**20:.0f} MiB Parquet)")
        project_code = (
            "from features.cadence import compute_cadence\n"
            "t = time.perf_counter()\n"
            f"frame = compute_cadence({path!r})\n"
            "RESULT = {'seconds': time.perf_counter() - t, 'rows': len(frame)}\n"
        )
        def query_code(sql: str) -> str:
            return ("import duckdb\n"
                    "con = duckdb.connect()\n"
                    "con.execute(\"SET TimeZone = 'UTC'\")\n"
                    "con.execute('SET enable_progress_bar = false')\n"
                    "t = time.perf_counter()\n"
                    f"frame = con.execute({sql.format(path=path)!r}).df()\n"
                    "RESULT = {'seconds': time.perf_counter() - t, 'rows': len(frame)}\n")

        best = {}
        for name, code in (("count query", query_code(COUNT_QUERY)),
                           ("hand query", query_code(HAND_QUERY)),
                           ("project cadence", project_code)):
            runs = [run_child(code) for _ in range(args.repeats)]
            best[name] = min(runs, key=lambda r: r["seconds"])
            r = best[name]
            print(f"{name:16s} {r['seconds']:7.2f} s  {r['rows']:,} accounts  "
                  f"peak RSS {r['peak_rss_mib']:.0f} MiB  (best of {args.repeats})")
        ratio = best["project cadence"]["seconds"] / best["hand query"]["seconds"]
        print(f"ratio project/hand: {ratio:.2f}x (target <= 1.2x); project peak RSS "
              f"{best['project cadence']['peak_rss_mib']:.0f} MiB (target < 1024 MiB)")


if __name__ == "__main__":
    main()
