"""Spark local mode against predict.py on the same accounts: throughput of each, end to end.

Writes ``--size`` synthetic accounts (the flat v1.1 CSV of benchmarks/predict_bench.py) as
``--files`` files, scores them with ``predict.py`` (one process, with Arrow's, DuckDB's and
LightGBM's threads) and with ``spark_predict.py`` (a local Spark on every core, started by the
run and counted in its time),
and prints each one's wall time and accounts per second, and whether their scores agree.

    python -m benchmarks.spark_bench [--model models:/botsieve@champion] [--size 1000000]
                                     [--files 4] [--reasons none] [--tracking-uri URI]

Spark reads a task per file, so one large file is read on one core; ``--files 1`` shows that.
On one machine Spark pays for its JVM, its shuffles and moving every row between the JVM and
Python through Arrow; it is expected to be slower than predict.py there. Its point is a cluster:
the same code on a hundred machines.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.common import parser_with_model
from benchmarks.predict_bench import write_csv

ROOT = Path(__file__).resolve().parents[1]


def timed(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          env={**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true"})
    if done.returncode:
        raise RuntimeError(f"{cmd[1]} failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - t0


def main() -> None:
    parser = parser_with_model(__doc__)
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--reasons", default="none", choices=("all", "flagged", "none"))
    args = parser.parse_args()
    common = ["--model", args.model, "--reasons", args.reasons]
    if args.tracking_uri:
        common += ["--tracking-uri", args.tracking_uri]
    with tempfile.TemporaryDirectory() as tmp:
        inputs = []
        per_file = -(-args.size // args.files)
        for i in range(args.files):
            path = os.path.join(tmp, f"accounts_{i}.csv")
            write_csv(path, min(per_file, args.size - i * per_file))
            inputs.append(path)
        # (distinct ids across the files: write_csv numbers each file's ids from 0)
        for i, path in enumerate(inputs[1:], 1):
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
            frame["id"] = (frame["id"].astype("int64") + i * per_file).astype(str)
            frame.to_csv(path, index=False)
        local = os.path.join(tmp, "predict.parquet")
        spark = os.path.join(tmp, "spark.parquet")
        t_local = timed([sys.executable, str(ROOT / "predict.py"), "--output", local, *common,
                         *inputs])
        t_spark = timed([sys.executable, str(ROOT / "spark_predict.py"), "--output", spark,
                         *common, *inputs])
        a = pd.read_parquet(local, columns=["account_id", "raw_score"])
        b = pd.read_parquet(spark, columns=["account_id", "raw_score"])
        both = a.merge(b, on="account_id", validate="1:1")
        diff = float(np.abs(both["raw_score_x"] - both["raw_score_y"]).max())
    n = len(a)
    print(f"{n:,} accounts in {args.files} file(s), reasons {args.reasons}, "
          f"{os.cpu_count()} cores:")
    print(f"  predict.py             {t_local:7.1f} s = {n / t_local:9,.0f} accounts/s")
    print(f"  spark_predict.py local {t_spark:7.1f} s = {n / t_spark:9,.0f} accounts/s "
          f"({t_spark / t_local:.1f}x predict.py's time)")
    print(f"  scores: {len(both):,} of {n:,} accounts in both, largest raw-score difference "
          f"{diff:.1e}")


if __name__ == "__main__":
    main()
