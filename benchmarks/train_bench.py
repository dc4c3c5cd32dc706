"""Training time for configs/real.yaml (default 50 Optuna trials, each one model per left-out
collection on the augmented table) and the share spent logging
to MLflow. Runs train.py in a fresh folder (fresh study, fresh MLflow store) and reads the
timings train.py logs as metrics (time_total_s, time_tune_s, time_mlflow_logging_s, ...).
train.py times every MLflow call it makes, the nested trial runs included.

    python benchmarks/train_bench.py [--trials 50]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--config", default=str(ROOT / "configs" / "real.yaml"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, str(ROOT / "train.py"), "--config", args.config,
                        "--set", f"tune.n_trials={args.trials}",
                        "--set", f"tune.storage=sqlite:///{tmp}/optuna.db",
                        "--set", f"tracking.uri=sqlite:///{tmp}/mlflow.db",
                        "--set", f"output_dir={tmp}/out"],
                       cwd=tmp, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall = time.perf_counter() - t0
        import mlflow
        from mlflow import MlflowClient

        mlflow.set_tracking_uri(f"sqlite:///{tmp}/mlflow.db")
        client = MlflowClient()
        exp = client.get_experiment_by_name("botsieve")
        run = client.search_runs([exp.experiment_id], "tags.kind = 'training'")[0]
        m = run.data.metrics
        trials = client.search_runs([exp.experiment_id],
                                    f"tags.mlflow.parentRunId = '{run.info.run_id}'")
        logging_s = m["time_mlflow_logging_s"]
        print(f"configs/real.yaml, {args.trials} trials, {os.cpu_count()} cores: "
              f"wall {wall:.0f} s (train.py total {m['time_total_s']:.0f} s: prepare "
              f"{m['time_prepare_s']:.0f} s, tune {m['time_tune_s']:.0f} s, final "
              f"{m['time_final_s']:.0f} s)")
        print(f"MLflow logging (parent run, {len(trials)} nested trial runs, model and "
              f"registry), timed inside train.py: {logging_s:.1f} s = "
              f"{100 * logging_s / m['time_total_s']:.1f}% of train.py (target < 5%)")
        print(f"leave-one-collection-out ROC-AUC {m['loco_roc_auc']:.3f} (peer "
              f"{m['peer_loco_roc_auc']:.3f}), grouped {m['cv_grouped_roc_auc']:.3f}, "
              f"random-split {m['cv_random_roc_auc']:.3f}")


if __name__ == "__main__":
    main()
