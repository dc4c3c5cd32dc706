"""Train a botsieve model: config in, registered model out.

    python train.py [--config configs/default.yaml] [--set section.key=value ...] [--promote]

Reads top to bottom: configuration, data, features and the format-leak guard, grouped
evaluation folds, Optuna tuning, final model with calibration and thresholds, the model bundle,
MLflow logging and registration. Every default lives in models/config.py.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import sys
import time
from pathlib import Path

import mlflow
import numpy as np
from mlflow import MlflowClient

from features.registry import BY_NAME
from features.schema import SchemaError
from models import cohort_report, drift, plots
from models.bundle import (
    BUNDLE_VERSION,
    Bundle,
    apply_calibrator,
    fit_calibrator,
    package_versions,
    thresholds_at_precision,
)
from models.config import Config, ConfigError, load_config
from models.dataset import (
    fingerprint,
    load_dataset,
    make_builder,
    select_features,
    transform,
)
from models.evaluate import (
    PreparedFolds,
    grouped_folds,
    metrics,
    random_folds,
    summarise,
    train_booster,
)
from models.tracking import git_commit
from models.tune import TrialLogger, tune

log = logging.getLogger("botsieve.train")
HERE = Path(__file__).resolve().parent

PIP_REQUIREMENTS = ["lightgbm>=4.3", "pandas>=3.0", "numpy>=1.26", "scikit-learn>=1.4",
                    "duckdb>=1.3", "pyarrow>=14", "pydantic>=2.5", "pyyaml>=6.0", "ijson>=3.2"]


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


#: The saved runs-table view every training run keeps on its experiment (MLflow's "shared view":
#: an experiment tag the UI reads), so the UI opens on what runs are compared by:
#: ``/#/experiments/<id>/runs?viewStateShareKey=grouped-roc-auc``.
RUNS_VIEW_KEY = "grouped-roc-auc"
RUNS_VIEW_METRICS = ("cv_grouped_roc_auc", "cv_grouped_pr_auc", "cv_grouped_recall_at_p90",
                     "cv_random_roc_auc")


def save_runs_view(client: MlflowClient, experiment_id: str) -> None:
    """Training runs only, newest first, with the model version and the headline metrics."""
    metrics = [f"metrics.`{m}`" for m in RUNS_VIEW_METRICS]
    state = {
        "searchFilter": "tags.kind = 'training'",
        "orderByKey": "attributes.start_time", "orderByAsc": False,
        "selectedColumns": ["attributes.`Models`", *metrics, "tags.`config_name`"],
        "columnOrder": ["attributes.`Models`", *metrics],
        "columnWidths": dict.fromkeys(metrics, 160),
    }
    now = int(time.time() * 1000)
    view = {"name": "Grouped ROC-AUC", "createdAt": now, "updatedAt": now,
            "state": json.dumps(state)}
    client.set_experiment_tag(experiment_id, f"mlflow.sharedViewState.{RUNS_VIEW_KEY}",
                              json.dumps(view))


def holdout_scores(config: Config, bundle: Bundle, train_ids: set[str]) -> dict[str, float]:
    """Score the held-out sources together with the final model (they form the scored
    population): metrics over all of them (``holdout_<metric>``), and per source the mean
    probability and the share flagged at the first stored precision."""
    sources = [s for s in config.sources if s.role == "holdout"]
    if not sources:
        return {}
    data = load_dataset(config, role="holdout")
    shared = set(data.accounts["account_id"].astype(str)) & train_ids
    if shared:
        raise ValueError(f"{len(shared)} held-out accounts are also training accounts, e.g. "
                         f"{sorted(shared)[:3]}: a holdout must be disjoint from training")
    scores = bundle.score(data.accounts, cadence=data.cadence)
    out = {f"holdout_{k}": v for k, v in
           metrics(data.labels, scores["bot_probability"].to_numpy()).items()}
    for source in sources:
        mine = (data.accounts["source"] == source.name).to_numpy()
        out[f"holdout_{source.name}_mean_probability"] = float(
            scores.loc[mine, "bot_probability"].mean())
        out[f"holdout_{source.name}_flagged_share"] = float(scores.loc[mine, "is_bot"].mean())
    return out


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s",
                        datefmt="%H:%M:%S")
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    try:
        config = load_config(args.config, args.overrides)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    timings: dict[str, float] = {}

    # -- data: sources -> one labeled table (format tells normalised) ------------------------
    try:
        data = load_dataset(config)
    except (SchemaError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for note in data.notes:
        log.info("%s", note)
    if len(data.rejects):
        log.warning("%d input rows rejected (written to rejects.csv in the run)", len(data.rejects))
    data_fp = fingerprint(data.accounts, data.cadence)
    groups = sorted(set(data.groups[data.labels == 1]))
    log.info("training table: %d accounts (%d inauthentic in %d groups, %d organic), data %s",
             len(data.labels), int(data.labels.sum()), len(groups),
             int((data.labels == 0).sum()), data_fp)

    # -- features: guard and leakage audit ---------------------------------------------------
    selection = select_features(data, config.features)
    features = selection.names
    log.info("%d features used: %s", len(features), ", ".join(features))

    # -- folds, fixed once: grouped (headline) and random (contrast) --------------------------
    grouped = PreparedFolds(data, grouped_folds(data.labels, data.groups, config.seed), config,
                            features)
    randomised = PreparedFolds(data, random_folds(data.labels, config.cv.random_folds,
                                                  config.seed), config, features)
    timings["prepare_s"] = time.perf_counter() - started

    mlflow.set_tracking_uri(config.tracking.resolved_uri())
    mlflow.set_experiment(config.tracking.experiment)
    study_name = config.tune.study_name or f"{config.name}-{data_fp}-{search_fingerprint(config)}"
    logging_s = 0.0
    with mlflow.start_run(run_name=f"{config.name}-{data_fp[:8]}") as run:
        t0 = time.perf_counter()
        mlflow.set_tags({
            "kind": "training", "config_name": config.name, "data_fingerprint": data_fp,
            "git_commit": git_commit(), "groups": ",".join(groups),
            "sources": ",".join(s.name for s in config.sources),
            "feature_families": ",".join(sorted({BY_NAME[f].family for f in features})),
            "study_name": study_name,
        })
        mlflow.log_dict(config.model_dump(mode="json"), "config.json")
        logging_s += time.perf_counter() - t0

        # -- tuning -------------------------------------------------------------------------
        t0 = time.perf_counter()
        trial_logger = TrialLogger(run.info.run_id, run.info.experiment_id)
        study = tune(config, grouped, study_name, trial_logger)
        timings["tune_s"] = time.perf_counter() - t0
        best = dict(study.best_params)
        log.info("best trial %d: grouped %s %.4f with %s", study.best_trial.number,
                 config.cv.metric, study.best_value, best)

        # -- evaluation of the best parameters ----------------------------------------------
        t0 = time.perf_counter()
        per_group, oof = grouped.run(best, seed=config.seed, num_threads=config.model.num_threads)
        per_random, oof_random = randomised.run(best, seed=config.seed,
                                                num_threads=config.model.num_threads)
        y = data.labels

        # -- final model: all rows, calibrated on grouped out-of-fold scores ----------------
        builder = make_builder(config.features).fit(data.accounts)
        X = transform(builder, data, config.features, names=features)
        booster = train_booster(X, y, best, seed=config.seed,
                                num_threads=config.model.num_threads)
        calibrator = fit_calibrator(oof, y, config.model.calibration)
        calibrated = apply_calibrator(calibrator, oof)
        thresholds = thresholds_at_precision(oof, y, config.model.target_precisions, calibrator)
        timings["final_s"] = time.perf_counter() - t0

        model_version = f"{config.model.registered_name}-run-{run.info.run_id[:12]}"
        bundle = Bundle(booster, builder, {
            "bundle_version": BUNDLE_VERSION,
            "model_version": model_version,
            "feature_names": features,
            "feature_state": builder.to_dict(),
            "population": config.features.population,
            "created_at_to_day": bool(data.accounts["created_at_day_only"].all()),
            "calibrator": calibrator,
            "thresholds": thresholds,
            "drift_reference": drift.reference(X),
            "params": best,
            "versions": package_versions(),
            "training": {"data_fingerprint": data_fp, "rows": len(y),
                         "positives": int(y.sum()), "groups": groups,
                         "config_name": config.name, "run_id": run.info.run_id},
        })
        out_dir = Path(config.output_dir) / run.info.run_id
        bundle_dir = bundle.save(out_dir / "bundle")
        holdout = holdout_scores(config, bundle, set(data.accounts["account_id"].astype(str)))

        # -- MLflow: metrics, tables, plots, model ------------------------------------------
        t0 = time.perf_counter()
        summary = {**summarise(per_group, "cv_grouped"), **summarise(per_random, "cv_random"),
                   **{f"cv_grouped_pooled_{k}": v for k, v in metrics(y, oof).items()},
                   **holdout, "n_features": len(features), "n_trials": len(study.trials)}
        for key, spec in thresholds.items():
            summary[f"recall_at_threshold_p{key}"] = spec["recall"]
        mlflow.log_params({f"best_{k}": v for k, v in best.items()})
        mlflow.log_params({"n_rows": len(y), "n_groups": len(groups),
                           "calibration": config.model.calibration})
        mlflow.log_metrics({k: v for k, v in summary.items() if np.isfinite(v)})
        for name, v in zip(per_group["fold"], per_group["roc_auc"], strict=True):
            mlflow.log_metric(f"group_roc_auc_{name}", v)
        mlflow.log_table(per_group, "evaluation/per_group.json")
        mlflow.log_table(per_random, "evaluation/per_random_fold.json")
        mlflow.log_table(selection.audit, "evaluation/leakage_audit.json")
        mlflow.log_table(selection.dropped, "evaluation/features_not_used.json")
        if len(data.rejects):
            mlflow.log_table(data.rejects, "data/rejects.json")
        roc, pr = plots.roc_pr(y, {"grouped (leave-one-group-out)": oof,
                                   "random stratified K-fold": oof_random})
        mlflow.log_figure(roc, "plots/roc.png")
        mlflow.log_figure(pr, "plots/pr.png")
        mlflow.log_figure(plots.calibration(y, oof, calibrated), "plots/calibration.png")
        gain = booster.feature_importance(importance_type="gain")
        mlflow.log_figure(plots.importance(features, gain), "plots/importance.png")
        mlflow.log_figure(plots.cohort_histogram(data.accounts), "plots/cohort_histogram.png")
        mlflow.log_artifacts(str(bundle_dir), "bundle")  # also inside the pyfunc model
        for group in groups:  # creation bursts of each release / family vs the reference
            created = data.accounts.loc[(data.groups == group) & (y == 1), "created_at"]
            bursts = cohort_report.detect_bursts(created, builder.reference_)
            mlflow.log_table(bursts, f"cohorts/{group}.json")
            mlflow.log_figure(cohort_report.plot(created, builder.reference_, bursts, group),
                              f"cohorts/{group}.png")
        info = mlflow.pyfunc.log_model(
            name="model", python_model=str(HERE / "models" / "pyfunc_entry.py"),
            artifacts={"bundle": str(bundle_dir)}, pip_requirements=PIP_REQUIREMENTS,
            code_paths=[str(HERE / "features"), str(HERE / "models")],
            registered_model_name=config.model.registered_name,
        )
        client = MlflowClient()
        version = str(info.registered_model_version)
        name = config.model.registered_name
        client.set_registered_model_alias(name, "challenger", version)
        aliases = client.get_registered_model(name).aliases
        if args.promote or "champion" not in aliases:
            client.set_registered_model_alias(name, "champion", version)
        try:
            save_runs_view(client, run.info.experiment_id)
        except mlflow.exceptions.MlflowException as exc:  # e.g. no write access to the experiment
            log.warning("could not save the runs view on the experiment: %s", exc)
        logging_s += time.perf_counter() - t0
        timings["total_s"] = time.perf_counter() - started
        timings["mlflow_logging_s"] = logging_s + trial_logger.seconds
        mlflow.log_metrics({f"time_{k}": v for k, v in timings.items()})

    per_group_text = per_group[["fold", "positives", "n_test", "roc_auc", "pr_auc",
                                "recall_at_p90"]].to_string(index=False, float_format="%.3f")
    print(f"\nleave-one-group-out (headline):\n{per_group_text}")
    print(json.dumps({k: round(v, 4) for k, v in summary.items()
                      if k.startswith(("cv_grouped_roc", "cv_random_roc", "holdout"))}))
    print(f"\nregistered model: models:/{name}/{version} "
          f"(aliases: {', '.join(sorted(client.get_registered_model(name).aliases))})")
    print(f"bundle: {bundle_dir}")
    print(f"MLflow UI: mlflow ui --backend-store-uri {config.tracking.resolved_uri()} "
          "--host 127.0.0.1   (or: make ui)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
