"""Would compiled trees score faster? lleaves (LLVM) and treelite against LightGBM's own predict,
on a real-data model: the largest score difference on real accounts and rows per second.

    .venv/bin/pip install -e '.[compiled]'     # lleaves and treelite: weighed here, not used
                                               # (lleaves 1.3 needs llvmlite < 0.45)
    python -m benchmarks.compiled_trees_bench [--model models:/botsieve@champion] [--rows 1000000]

The scores compared are the raw scores (what the decision thresholds cut): LightGBM's
``Booster.predict(raw_score=True)`` against each compiled model, on the feature vectors of the
cresci-2017 accounts in ../shared/data (when present) and of ``--rows`` synthetic accounts; the
rates are the median of three timings of each on the synthetic matrix, all cores. lleaves
compiles to the raw score (``raw_score=True``; by default it applies the sigmoid).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.common import parser_with_model
from benchmarks.row_features_bench import make_accounts
from predict import load_model

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "cresci-2017"


def rate(fn, X: np.ndarray, times: int = 3) -> float:
    out = []
    for _ in range(times):
        t0 = time.perf_counter()
        fn(X)
        out.append(len(X) / (time.perf_counter() - t0))
    return statistics.median(out)


def main() -> None:
    parser = parser_with_model(__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    import lightgbm as lgb

    bundle = load_model(args.model, args.tracking_uri)
    text = bundle.booster.model_to_string()
    booster = lgb.Booster(model_str=text)
    X = bundle.features_of(make_accounts(args.rows)).to_numpy(dtype="float64")
    sets = {"synthetic": X}
    if SHARED.is_dir():
        from features.sources import read_files

        accounts = read_files([str(p) for p in sorted(SHARED.glob("*.csv"))
                               if "crowdflower" not in p.name]).accounts
        sets["cresci-2017"] = bundle.features_of(accounts).to_numpy(dtype="float64")
    print(f"model: {bundle.contract.get('model_version')}, {booster.num_trees()} trees, "
          f"{X.shape[1]} features; {os.cpu_count()} cores")
    lgb_predict = lambda M: booster.predict(M, raw_score=True)  # noqa: E731
    print(f"  lightgbm Booster.predict      {rate(lgb_predict, X):11,.0f} rows/s")
    with tempfile.TemporaryDirectory() as tmp:
        model_file = os.path.join(tmp, "model.txt")
        Path(model_file).write_text(text, encoding="utf-8")
        candidates = {}
        try:
            import lleaves

            t0 = time.perf_counter()
            compiled = lleaves.Model(model_file=model_file)
            compiled.compile(cache=os.path.join(tmp, "lleaves.so"), raw_score=True)
            candidates["lleaves"] = (compiled.predict, time.perf_counter() - t0)
        except ImportError:
            print("  lleaves: not installed (pip install -e '.[compiled]')")
        try:
            import treelite
            import treelite.gtil

            t0 = time.perf_counter()
            tl = treelite.frontend.load_lightgbm_model(model_file)
            candidates["treelite (gtil)"] = (
                lambda M: treelite.gtil.predict(tl, M, pred_margin=True).reshape(len(M)),
                time.perf_counter() - t0)
        except ImportError:
            print("  treelite: not installed (pip install -e '.[compiled]')")
        for name, (fn, build_s) in candidates.items():
            diffs = {k: float(np.max(np.abs(fn(M) - lgb_predict(M)))) for k, M in sets.items()}
            print(f"  {name:<29} {rate(fn, X):11,.0f} rows/s (built in {build_s:.1f} s); "
                  "largest raw-score difference: "
                  + ", ".join(f"{k} {v:.1e}" for k, v in diffs.items()))


if __name__ == "__main__":
    main()
