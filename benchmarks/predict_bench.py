"""End-to-end scoring throughput: an accounts CSV in, a scores file out, through predict.py,
beside the raw LightGBM ``Booster.predict`` rate of the same model on the same feature matrix.

For each size (default 1M and 4M accounts) it writes a flat CSV of v1.1 user fields, runs
``predict.py`` in a child process (timing it and reading its peak RSS), then, in this process,
builds the same feature matrix and times ``Booster.predict`` on it.

    python -m benchmarks.predict_bench [--model models:/botsieve@champion] [--sizes 1000000 4000000]
                                       [--reasons none]

The model defaults to the registry champion of ./mlflow.db (train configs/real.yaml first).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

import pandas as pd

from benchmarks.row_features_bench import make_accounts
from predict import load_model

TWITTER_TIME = "%a %b %d %H:%M:%S +0000 %Y"
#: predict.py's main in a child process that reports its own peak RSS (KiB) as its last line
CHILD = ("import resource, sys, predict; code = predict.main(sys.argv[1:]); "
         "print('peak_rss_kib', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss); "
         "sys.exit(code)")


def write_csv(path: str, n: int) -> None:
    """A flat v1.1-style CSV of ``n`` synthetic accounts (written in 500k-row pieces)."""
    first = True
    for lo in range(0, n, 500_000):
        acc = make_accounts(min(500_000, n - lo), seed=lo)
        frame = pd.DataFrame({
            "id": (acc["account_id"].astype("int64") + lo).astype(str),
            "screen_name": acc["screen_name"], "name": acc["screen_name"],
            "description": acc["description"], "location": acc["location"], "url": acc["url"],
            "followers_count": acc["followers_count"], "friends_count": acc["following_count"],
            "statuses_count": acc["statuses_count"], "favourites_count": acc["favourites_count"],
            "listed_count": acc["listed_count"],
            "created_at": acc["created_at"].dt.strftime(TWITTER_TIME),
            "default_profile": acc["default_profile"].map({True: "1", False: ""}),
            "default_profile_image": acc["default_profile_image"].map({True: "1", False: ""}),
            "crawled_at": "2024-06-01 00:00:00",
        })
        frame.to_csv(path, mode="w" if first else "a", header=first, index=False)
        first = False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="models:/botsieve@champion")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 4_000_000])
    parser.add_argument("--reasons", default="none", choices=("all", "flagged", "none"))
    args = parser.parse_args()
    bundle = load_model(args.model, None)
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            src = os.path.join(tmp, f"accounts_{n}.csv")
            write_csv(src, n)
            out = os.path.join(tmp, f"scores_{n}.parquet")
            cmd = [sys.executable, "-c", CHILD, "--model", args.model, "--output", out,
                   "--reasons", args.reasons, src]
            t0 = time.perf_counter()
            done = subprocess.run(cmd, check=True, capture_output=True, text=True)
            e2e = time.perf_counter() - t0
            peak = int(done.stdout.strip().splitlines()[-1].split()[-1])
            rows = len(pd.read_parquet(out, columns=["account_id"]))
            X = bundle.features_of(make_accounts(min(n, 1_000_000)))
            rates = []
            for _ in range(3):  # the machine's speed drifts: the median of three timings
                t0 = time.perf_counter()
                bundle.booster.predict(X)
                rates.append(len(X) / (time.perf_counter() - t0))
            raw_rate = sorted(rates)[1]
            e2e_rate = rows / e2e
            print(f"{n:>10,} accounts: predict.py end to end {e2e:6.1f} s = {e2e_rate:9,.0f}/s "
                  f"(reasons: {args.reasons}); raw Booster.predict {raw_rate:11,.0f}/s; "
                  f"ratio {e2e_rate / raw_rate:.1%}; predict.py peak RSS "
                  f"{peak / 1024:.0f} MiB")
            del X


if __name__ == "__main__":
    main()
