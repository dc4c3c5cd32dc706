"""Row features throughput: profile + name features (the row stage) on N synthetic accounts.

Also times the full ``transform`` (row + cohort features over the whole population, no posts).
Target: row features over 500,000 accounts per second on 2 cores.

    python benchmarks/row_features_bench.py [--accounts 1000000]
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import pandas as pd

from features import FeatureBuilder
from features.schema import conform_accounts


def make_accounts(n: int, seed: int = 0) -> pd.DataFrame:
    """Canonical accounts with realistic value shapes (names, texts, counts, dates)."""
    rng = np.random.default_rng(seed)
    stems = np.array(["anna", "news", "john_doe", "MariaG", "crypto", "thai", "user", "bot"])
    names = stems[rng.integers(0, len(stems), n)].astype(object) + rng.integers(
        0, 10**6, n).astype(str)
    created = pd.Timestamp("2008-01-01", tz="UTC") + pd.to_timedelta(
        rng.integers(0, 16 * 365 * 86_400, n), unit="s")
    frame = pd.DataFrame({
        "account_id": np.arange(n).astype(str),
        "screen_name": names,
        "ids_hashed": rng.random(n) < 0.2,
        "description": np.where(rng.random(n) < 0.5, "", "views are my own"),
        "location": np.where(rng.random(n) < 0.6, "", "Bangkok"),
        "url": np.where(rng.random(n) < 0.8, "", "https://t.co/x"),
        "created_at": created,
        "observed_at": pd.Timestamp("2024-06-01", tz="UTC"),
        "followers_count": rng.lognormal(4, 2, n).astype(np.int64),
        "following_count": rng.lognormal(5, 1.5, n).astype(np.int64),
        "statuses_count": rng.lognormal(6, 2, n).astype(np.int64),
        "favourites_count": rng.lognormal(5, 2, n).astype(np.int64),
        "listed_count": rng.poisson(2, n),
        "default_profile": rng.random(n) < 0.3,
        "default_profile_image": rng.random(n) < 0.05,
        "verified": rng.random(n) < 0.01,
        "protected": rng.random(n) < 0.05,
        "label": (rng.random(n) < 0.5).astype(int),
    })
    return conform_accounts(frame, file="synthetic").frame


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    acc = make_accounts(args.accounts)
    builder = FeatureBuilder().fit(acc.iloc[:50_000])
    for name, fn in (("row features", lambda: builder.row_features(acc)),
                     ("row + cohort", lambda: builder.transform(acc))):
        times = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            frame = fn()
            times.append(time.perf_counter() - t0)
        best = min(times)
        print(f"{name:14s} {len(acc):,} accounts x {frame.shape[1]} features: {best:.2f} s "
              f"= {len(acc) / best:,.0f} accounts/s (best of {args.repeats})")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MiB; target: row features > 500,000 accounts/s")


if __name__ == "__main__":
    main()
