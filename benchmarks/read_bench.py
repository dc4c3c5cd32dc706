"""Where pass 1's time goes on a flat CSV, for the ingestion redesign: DuckDB's parallel
``read_csv`` (every column as text, the engine the redesign would read with) against the flat
CSV reader as it is (parse and checks in this process, no worker processes), the reader's
projection written as one DuckDB query over that scan instead (texts cleaned, counts and flags
checked with an error column each, times by ``try_strptime``: the design the redesign weighed),
and the model's row stage on the same accounts.

    python -m benchmarks.read_bench [--model BUNDLE_OR_URI] [--rows 1000000]
"""

from __future__ import annotations

import os
import tempfile
import time

from benchmarks.common import parser_with_model
from benchmarks.predict_bench import write_csv
from features.sources import iter_read
from predict import load_model


def main() -> None:
    parser = parser_with_model(__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    import duckdb

    bundle = load_model(args.model, args.tracking_uri)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "accounts.csv")
        write_csv(path, args.rows)
        t0 = time.perf_counter()
        con = duckdb.connect()
        n = sum(b.num_rows for b in con.sql(
            f"SELECT * FROM read_csv('{path}', all_varchar = true, header = true)"
        ).to_arrow_reader(200_000))
        duck_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        sql = f"SELECT {', '.join(_projection())} FROM read_csv('{path}', all_varchar = true)"
        k = sum(b.num_rows for b in con.sql(sql).to_arrow_reader(200_000))
        sql_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        stage_s, m = 0.0, 0
        for part in iter_read([path], fmt="flat_csv"):
            if len(part.accounts):
                t1 = time.perf_counter()
                bundle.row_stage(part.accounts)
                stage_s += time.perf_counter() - t1
                m += len(part.accounts)
        reader_s = time.perf_counter() - t0 - stage_s
    print(f"{n:,} accounts, {os.cpu_count()} cores:")
    print(f"  DuckDB read_csv, all text          {duck_s:5.2f} s = {n / duck_s:11,.0f}/s")
    print(f"  flat CSV reader, parsed, checked   {reader_s:5.2f} s = {m / reader_s:11,.0f}/s")
    print(f"  the same as one DuckDB query       {sql_s:5.2f} s = {k / sql_s:11,.0f}/s")
    print(f"  row stage (the model's features)   {stage_s:5.2f} s = {m / stage_s:11,.0f}/s")


def _projection() -> list[str]:
    """The flat CSV reader's projection of the benchmark's columns, in SQL."""
    missing = "('', 'NULL', 'null', 'None', 'NaN', 'nan')"

    def clean(c: str) -> str:
        return f"CASE WHEN trim({c}) IN {missing} THEN NULL ELSE trim({c}) END"

    out = [f"{clean(c)} AS {c}" for c in ("id", "screen_name", "name", "description",
                                          "location", "url")]
    for c in ("followers_count", "friends_count", "statuses_count", "favourites_count",
              "listed_count"):
        v = clean(c)
        out += [f"TRY_CAST(regexp_extract({v}, '^[+-]?[0-9]+') AS BIGINT) AS {c}",
                f"CASE WHEN {v} IS NOT NULL AND NOT regexp_full_match({v}, "
                f"'[+-]?[0-9]+(\\.0*)?') THEN 'not a whole number: ' || {v} END AS {c}_error"]
    for c in ("default_profile", "default_profile_image"):
        out.append(f"CASE WHEN trim({c}) IN ('1', 'true', 'True') THEN true WHEN trim({c}) IN "
                   f"('', '0', 'false', 'False') THEN false END AS {c}")
    out.append(f"try_strptime({clean('created_at')}, '%a %b %d %H:%M:%S %z %Y') AS created_at")
    out.append(f"try_strptime({clean('crawled_at')}, '%Y-%m-%d %H:%M:%S') AS crawled_at")
    return out


if __name__ == "__main__":
    main()
