"""MLflow: what every training run records, so that runs compare in the UI.

One parent run per ``train.py`` invocation (tag ``kind=training``) holds the config, the data
fingerprint, the metrics under the same names in every run (``loco_*`` headline, ``peer_loco_*``
beside it, ``cv_grouped_*``, ``cv_random_*``, ``recall_at_threshold_p*``, ``time_*``), the
tables and plots, and the bundle; the bundle is also logged as a pyfunc model and registered.
Each Optuna trial is a nested run (:class:`models.tune.TrialLogger`).
"""

from __future__ import annotations

import json
import logging
import subprocess
import time
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
from mlflow import MlflowClient
from mlflow.models import ModelSignature
from mlflow.types.schema import ParamSchema, ParamSpec

from features.registry import BY_NAME
from models import cohort_report, plots
from models.bundle import Bundle, apply_calibrator

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
PIP_REQUIREMENTS = ["lightgbm>=4.3", "pandas>=3.0", "numpy>=1.26", "scikit-learn>=1.4",
                    "duckdb>=1.3", "pyarrow>=14", "pydantic>=2.5", "pyyaml>=6.0", "ijson>=3.2"]

#: The saved runs-table view every training run keeps on its experiment (MLflow's "shared view":
#: an experiment tag the UI reads), so the UI opens on what runs are compared by:
#: ``/#/experiments/<id>/runs?viewStateShareKey=loco-roc-auc``.
RUNS_VIEW_KEY = "loco-roc-auc"
RUNS_VIEW_METRICS = ("loco_roc_auc", "peer_loco_roc_auc", "loco_mixed_roc_auc",
                     "loco_min_lead_roc_auc", "cv_grouped_roc_auc", "cv_random_roc_auc")


def git_commit() -> str:
    """The commit of the code, or 'unknown' outside a git checkout."""
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                              check=True, cwd=Path(__file__).parent).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def training_tags(config, data, features: list[str], data_fp: str, study_name: str) -> dict:
    """The tags of a training run."""
    return {
        "kind": "training", "config_name": config.name, "data_fingerprint": data_fp,
        "git_commit": git_commit(),
        "groups": ",".join(sorted(set(data.groups[data.labels == 1]))),
        "collections": ",".join(dict.fromkeys(data.collections)),
        "sources": ",".join(s.name for s in config.sources),
        "feature_families": ",".join(sorted({BY_NAME[f].family for f in features})),
        "study_name": study_name,
    }


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
    view = {"name": "Leave-one-collection-out ROC-AUC", "createdAt": now, "updatedAt": now,
            "state": json.dumps(state)}
    client.set_experiment_tag(experiment_id, f"mlflow.sharedViewState.{RUNS_VIEW_KEY}",
                              json.dumps(view))


def log_evaluation(summary: dict[str, float], ev, selection, rejects: pd.DataFrame) -> None:
    """Metrics and tables of the evaluation, in the active run."""
    from models.generalisation import log_tables

    mlflow.log_metrics({k: v for k, v in summary.items() if np.isfinite(v)})
    for row in ev.loco.itertuples():
        mlflow.log_metric(f"collection_roc_auc_{row.collection}", row.roc_auc)
    if ev.grouped is not None:
        for name, v in zip(ev.grouped["fold"], ev.grouped["roc_auc"], strict=True):
            mlflow.log_metric(f"group_roc_auc_{name}", v)
    log_tables(ev, None)
    mlflow.log_table(selection.audit, "evaluation/leakage_audit.json")
    mlflow.log_table(selection.dropped, "evaluation/features_not_used.json")
    if len(rejects):
        mlflow.log_table(rejects, "data/rejects.json")


def log_plots(ev, bundle: Bundle, data) -> None:
    """ROC/PR (out of fold, botsieve and the peer), calibration, importance, cohorts."""
    y = ev.loco_y
    curves = {"botsieve (leave-one-collection-out)": ev.loco_scores}
    if ev.peer_scores is not None:
        curves["peer: BotometerLite-style forest"] = ev.peer_scores
    roc, pr = plots.roc_pr(y, curves)
    mlflow.log_figure(roc, "plots/roc.png")
    mlflow.log_figure(pr, "plots/pr.png")
    calibrated = apply_calibrator(bundle.contract["calibrator"], ev.loco_scores)
    mlflow.log_figure(plots.calibration(y, ev.loco_scores, calibrated), "plots/calibration.png")
    gain = bundle.booster.feature_importance(importance_type="gain")
    mlflow.log_figure(plots.importance(bundle.features, gain), "plots/importance.png")
    mlflow.log_figure(plots.cohort_histogram(data.accounts), "plots/cohort_histogram.png")
    reference = bundle.builder.reference_
    for group in sorted(set(data.groups[data.labels == 1])):  # bursts of each release / family
        created = data.accounts.loc[(data.groups == group) & (data.labels == 1), "created_at"]
        bursts = cohort_report.detect_bursts(created, reference)
        mlflow.log_table(bursts, f"cohorts/{group}.json")
        mlflow.log_figure(cohort_report.plot(created, reference, bursts, group),
                          f"cohorts/{group}.png")


def log_and_register(bundle_dir: Path, config, run, promote: bool) -> tuple[str, list[str]]:
    """Log the bundle and the pyfunc model, register it, set its aliases (``challenger``;
    ``champion`` too when there is none yet or with ``promote``), save the runs view.
    Returns (version, the new version's own aliases)."""
    mlflow.log_artifacts(str(bundle_dir), "bundle")  # also inside the pyfunc model
    # predict(..., params={"precision": 0.99, "prior": 0.01}): MLflow passes on only the
    # params a signature declares (the input is any frame of canonical accounts)
    signature = ModelSignature(inputs=None, params=ParamSchema(
        [ParamSpec("precision", "double", None), ParamSpec("prior", "double", None)]))
    info = mlflow.pyfunc.log_model(
        name="model", python_model=str(HERE / "pyfunc_entry.py"), signature=signature,
        artifacts={"bundle": str(bundle_dir)}, pip_requirements=PIP_REQUIREMENTS,
        code_paths=[str(HERE.parent / "features"), str(HERE)],
        registered_model_name=config.model.registered_name,
    )
    client = MlflowClient()
    version = str(info.registered_model_version)
    name = config.model.registered_name
    client.set_registered_model_alias(name, "challenger", version)
    if promote or "champion" not in client.get_registered_model(name).aliases:
        client.set_registered_model_alias(name, "champion", version)
    try:
        save_runs_view(client, run.info.experiment_id)
    except mlflow.exceptions.MlflowException as exc:  # e.g. no write access to the experiment
        log.warning("could not save the runs view on the experiment: %s", exc)
    aliases = client.get_registered_model(name).aliases
    return version, sorted(a for a, v in aliases.items() if str(v) == version)
