"""Train a botsieve model: config in, registered model out.

    python train.py [--config configs/default.yaml] [--set section.key=value ...] [--promote]

Reads top to bottom: configuration, data, features and the format-leak guard, the
leave-one-collection-out folds, Optuna tuning on them, the evaluation of the best parameters
beside the peer, the final model calibrated out of fold at the deployment prior, MLflow logging
and registration. Every default lives in models/config.py; the logging in models/tracking.py.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import sys
import time

import mlflow
from mlflow import MlflowClient

from features.schema import SchemaError
from models import fit, tracking
from models import summary as summary_of
from models.config import Config, ConfigError, load_config
from models.dataset import fingerprint, load_dataset, select_features
from models.generalisation import evaluate, prepare_loco, summary_metrics
from models.tune import TrialLogger, tune

log = logging.getLogger("botsieve.train")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default="configs/default.yaml", help="YAML config")
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        metavar="SECTION.KEY=VALUE", help="override a config value (repeatable)")
    parser.add_argument("--promote", action="store_true",
                        help="give the new version the `champion` alias")
    return parser.parse_args(argv)


def search_fingerprint(config: Config) -> str:
    """Hash of the config parts that change what a trial measures (features, folds, metric,
    search space, seed): a changed config starts a new study instead of reusing old trials."""
    parts = {k: config.model_dump(mode="json")[k] for k in ("features", "cv", "tune", "seed")}
    parts["tune"] = {k: v for k, v in parts["tune"].items()
                     if k not in ("n_trials", "timeout_s", "storage", "study_name")}
    text = json.dumps(parts, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s",
                        datefmt="%H:%M:%S")
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    started = time.perf_counter()
    try:
        config = load_config(args.config, args.overrides)
        # -- data: sources -> one labeled table, with collections and field profiles --------
        data = load_dataset(config)
        # -- features: the presence rule on the augmented table, the leakage audit ----------
        selection = select_features(data, config.features)
        # -- folds, fixed once: leave-one-collection-out, the objective and the headline ----
        loco = prepare_loco(data, config)
    except (ConfigError, SchemaError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for note in data.notes:
        log.info("%s", note)
    data_fp = fingerprint(data.accounts, data.cadence)
    log.info("training table: %d accounts (%d inauthentic, %d organic) in collections %s; "
             "%d features: %s", len(data.labels), int(data.labels.sum()),
             int((data.labels == 0).sum()), ", ".join(dict.fromkeys(data.collections)),
             len(selection.names), ", ".join(selection.names))
    timings = {"prepare_s": time.perf_counter() - started}

    mlflow.set_tracking_uri(config.tracking.resolved_uri())
    mlflow.set_experiment(config.tracking.experiment)
    study_name = config.tune.study_name or f"{config.name}-{data_fp}-{search_fingerprint(config)}"
    with mlflow.start_run(run_name=f"{config.name}-{data_fp[:8]}") as run:
        mlflow.set_tags(tracking.training_tags(config, data, selection.names, data_fp,
                                               study_name))
        mlflow.log_dict(config.model_dump(mode="json"), "config.json")

        # -- tuning: Optuna on the leave-one-collection-out objective ------------------------
        t0 = time.perf_counter()
        trials = TrialLogger(run.info.run_id, run.info.experiment_id)
        study = tune(config, loco, study_name, trials)
        best = dict(study.best_params)
        timings["tune_s"] = time.perf_counter() - t0
        log.info("best trial %d: %s %s %.4f with %s", study.best_trial.number,
                 config.cv.aggregate, config.cv.metric, study.best_value, best)

        # -- evaluation of the best parameters, the peer beside it ---------------------------
        t0 = time.perf_counter()
        ev = evaluate(data, config, best, loco=loco)

        # -- final model: all rows; calibration and thresholds out of fold, at the prior -----
        bundle = fit.fit_bundle(data, config, selection.names, best, ev,
                                model_version=f"{config.model.registered_name}-run-"
                                              f"{run.info.run_id[:12]}",
                                training={"data_fingerprint": data_fp, "rows": len(data.labels),
                                          "positives": int(data.labels.sum()),
                                          "collections": list(dict.fromkeys(data.collections)),
                                          "config_name": config.name,
                                          "run_id": run.info.run_id})
        bundle_dir = fit.save(bundle, config, run.info.run_id)
        holdout = fit.holdout_scores(config, bundle, set(data.accounts["account_id"]))
        timings["final_s"] = time.perf_counter() - t0

        # -- MLflow: metrics, tables, plots, the registered model ----------------------------
        t0 = time.perf_counter()
        summary = {**summary_metrics(ev), **holdout, "n_features": len(selection.names),
                   "n_trials": len(study.trials)}
        for key, spec in bundle.contract["thresholds"].items():
            summary[f"recall_at_threshold_p{key}"] = spec["recall"]
        mlflow.log_params({**{f"best_{k}": v for k, v in best.items()},
                           "n_rows": len(data.labels), "prior": config.model.prior,
                           "calibration": config.model.calibration})
        tracking.log_evaluation(summary, ev, selection, data.rejects)
        tracking.log_plots(ev, bundle, data)
        client = MlflowClient()
        champion = summary_of.current_champion(client, config.model.registered_name)
        version, aliases = tracking.log_and_register(bundle_dir, config, run, args.promote)
        table = summary_of.table(ev, champion)
        summary_text = summary_of.markdown(
            table, champion=champion, name=config.model.registered_name, version=version,
            aliases=aliases, thresholds=bundle.contract["thresholds"], prior=config.model.prior,
            config_path=args.config, tracking_uri=config.tracking.resolved_uri())
        mlflow.set_tag("mlflow.note.content", summary_text)  # the run page's description
        mlflow.log_table(table, "evaluation/summary.json")
        mlflow.log_figure(summary_of.bar_chart(table, version, champion), "plots/per_group.png")
        timings["mlflow_logging_s"] = time.perf_counter() - t0 + trials.seconds
        timings["total_s"] = time.perf_counter() - started
        mlflow.log_metrics({f"time_{k}": v for k, v in timings.items()})

    print(json.dumps({k: round(v, 4) for k, v in summary.items()
                      if k in ("loco_roc_auc", "loco_mixed_roc_auc", "peer_loco_roc_auc",
                               "loco_min_lead_roc_auc", "cv_grouped_roc_auc",
                               "cv_random_roc_auc") or k.startswith("holdout")}))
    print("\n" + summary_text)
    print(f"registered model: models:/{config.model.registered_name}/{version} (aliases: "
          f"{', '.join(aliases) or 'none'})")
    print(f"bundle: {bundle_dir}")
    print(f"MLflow UI: mlflow ui --backend-store-uri {config.tracking.resolved_uri()} "
          "--host 127.0.0.1   (or: make ui)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
