"""What scoring a list costs at the least, step by step, beside the raw LightGBM predict.

Times, on ``n`` synthetic accounts (the flat CSV of :mod:`benchmarks.predict_bench`), the steps
no design of predict.py can skip: decoding the CSV (Arrow's multi-threaded reader, every
column a string), parsing the creation times (the readers' parser), the model's features of
the parsed accounts (``Bundle.features_of``), ``Booster.predict`` and writing the scores as
Parquet; each the best of three runs. It prints the end-to-end time a run at a given share of
the raw predict rate would have to keep to, and the best share these steps alone allow.

    python -m benchmarks.scoring_floor --model MODEL [--n 1000000] [--share 0.8]
"""

from __future__ import annotations

import os
import tempfile
import time

import lightgbm as lgb
import pyarrow as pa
import pyarrow.parquet as pq

from benchmarks.common import parser_with_model
from benchmarks.predict_bench import read_strings, write_csv
from benchmarks.row_features_bench import make_accounts
from features.sources.values import TWITTER_TIME, RowErrors, timestamp
from predict import load_model


def best(step, times: int = 3) -> tuple[float, object]:
    """The shortest of ``times`` runs of ``step()`` in seconds, and its result."""
    spent, result = [], None
    for _ in range(times):
        t0 = time.perf_counter()
        result = step()
        spent.append(time.perf_counter() - t0)
    return min(spent), result


def main() -> None:
    parser = parser_with_model(__doc__)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--share", type=float, default=0.8,
                        help="the share of the raw predict rate a run is asked to reach")
    args = parser.parse_args()
    bundle = load_model(args.model, args.tracking_uri)
    booster = lgb.Booster(model_str=bundle.booster.model_to_string())
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "accounts.csv")
        write_csv(src, args.n)
        steps = {}
        steps["decode the CSV"], table = best(lambda: read_strings(src))
        created = table.column("created_at").to_pandas()
        errors = RowErrors(created.index)
        steps["parse the creation times"], _ = best(lambda: timestamp(
            created, "created_at", errors, formats=(TWITTER_TIME,)))
        accounts = make_accounts(args.n)
        steps["features of the parsed accounts"], X = best(lambda: bundle.features_of(accounts),
                                                           times=1)
        predict, scores = best(lambda: booster.predict(X))
        out = pa.table({"account_id": table.column("id"), "bot_probability": scores})
        steps["write the scores"], _ = best(lambda: pq.write_table(out, os.path.join(
            tmp, "scores.parquet")))
    print(f"{args.n:,} accounts; Booster.predict {predict:.2f} s = {args.n / predict:,.0f}/s")
    for name, seconds in steps.items():
        print(f"  {name}: {seconds:.2f} s")
    total = predict + sum(steps.values())
    least = predict + steps["decode the CSV"] + steps["parse the creation times"]
    print(f"{args.share:.0%} of the raw rate means {predict / args.share:.2f} s end to end; "
          f"predict and these steps take {total:.2f} s: at best {predict / total:.0%} of the "
          f"raw rate (predict, decoding and the times alone: at best {predict / least:.0%})")


if __name__ == "__main__":
    main()
