"""End-to-end scoring throughput: an accounts CSV in, a scores file out, through predict.py,
beside the raw LightGBM ``Booster.predict`` rate of the same model on the same feature matrix.

For each size (default 1M and 4M accounts) it writes a flat CSV of v1.1 user fields and runs
``predict.py`` in a child process, timing it and taking from its log its peak RSS (the
kernel's high-water mark). It builds the same feature matrix in this
process and times ``lightgbm.Booster.predict`` on it (the Python package, as a user would
call it) three times just before and three times just after each run. Beside them it times
the least any design spends on the input: Arrow's multi-threaded CSV reader decoding the file
(every column a string), and prints the ratio a run could reach if decoding and the raw
predict were all it did (n / (decode + n / raw rate), over the raw rate).

    python -m benchmarks.predict_bench [--model models:/botsieve@champion] [--sizes 1000000 4000000]
                                       [--reasons none] [--repeat N]

The model defaults to the registry champion of ./mlflow.db (train configs/real.yaml first).
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from benchmarks.common import parser_with_model
from benchmarks.row_features_bench import make_accounts
from predict import load_model

TWITTER_TIME = "%a %b %d %H:%M:%S +0000 %Y"
PREDICT = Path(__file__).resolve().parents[1] / "predict.py"


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


def peak(log: str) -> float:
    """Peak RSS (MiB) of predict.py, from the line it logs (its own high-water mark, which no
    sampling can miss)."""
    main = re.findall(r"pass 2: .* \(peak (\d+) MiB", log)
    return float(main[-1]) if main else float("nan")


def main() -> None:
    parser = parser_with_model(__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 4_000_000])
    parser.add_argument("--reasons", default="none", choices=("all", "flagged", "none"))
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs per size (the median ratio is printed when more than one)")
    args = parser.parse_args()
    import lightgbm as lgb

    bundle = load_model(args.model, args.tracking_uri)
    booster = lgb.Booster(model_str=bundle.booster.model_to_string())
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            src = os.path.join(tmp, f"accounts_{n}.csv")
            write_csv(src, n)
            out = os.path.join(tmp, f"scores_{n}.parquet")
            cmd = [sys.executable, str(PREDICT), "--model", args.model, "--output", out,
                   "--reasons", args.reasons,
                   *(["--tracking-uri", args.tracking_uri] if args.tracking_uri else []), src]
            X = bundle.features_of(make_accounts(min(n, 1_000_000)))
            ratios = []
            for _ in range(args.repeat):
                ratios.append(run_once(cmd, out, n, X, booster, args.reasons))
            if args.repeat > 1:
                print(f"{n:>10,} accounts, {args.repeat} runs: ratio median "
                      f"{statistics.median(ratios):.1%}, from {min(ratios):.1%} to "
                      f"{max(ratios):.1%}", flush=True)
            del X


def raw_rates(X: pd.DataFrame, booster, times: int = 3) -> list[float]:
    """``times`` timings of ``booster.predict(X)``, as rows per second."""
    rates = []
    for _ in range(times):
        t0 = time.perf_counter()
        booster.predict(X)
        rates.append(len(X) / (time.perf_counter() - t0))
    return rates


def read_strings(path: str):
    """``path`` decoded by Arrow's multi-threaded CSV reader, every column a string."""
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    names = pa_csv.open_csv(path).schema.names
    return pa_csv.read_csv(path, convert_options=pa_csv.ConvertOptions(
        column_types=dict.fromkeys(names, pa.string())))


def decode_seconds(path: str) -> float:
    """Seconds :func:`read_strings` takes to decode ``path``."""
    t0 = time.perf_counter()
    read_strings(path)
    return time.perf_counter() - t0


def run_once(cmd: list[str], out: str, n: int, X: pd.DataFrame, booster, reasons: str
             ) -> float:
    """One timed predict.py run between two sets of raw timings; prints both rates, returns
    their ratio. The machine's speed drifts from minute to minute: the raw rate is the median
    of three timings just before the run and three just after it."""
    before = raw_rates(X, booster)
    t0 = time.perf_counter()
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    e2e = time.perf_counter() - t0
    if done.returncode:
        raise RuntimeError(f"predict.py failed:\n{done.stderr[-3000:]}")
    mem = peak(done.stderr)
    src = cmd[-1]
    decode = min(decode_seconds(src) for _ in range(2))
    rows = len(pd.read_parquet(out, columns=["account_id"]))
    raw_rate = statistics.median(before + raw_rates(X, booster))
    e2e_rate = rows / e2e
    print(f"{n:>10,} accounts: predict.py end to end {e2e:6.1f} s = {e2e_rate:9,.0f}/s "
          f"(reasons: {reasons}); raw Booster.predict {raw_rate:11,.0f}/s; "
          f"ratio {e2e_rate / raw_rate:.1%}; peak RSS {mem:,.0f} MiB; decoding the CSV alone "
          f"{decode:.2f} s (ratio if decoding and predict were all: "
          f"{1 / (1 + decode * raw_rate / n):.1%})", flush=True)
    return e2e_rate / raw_rate


if __name__ == "__main__":
    main()
