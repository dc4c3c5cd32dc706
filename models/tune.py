"""Optuna search over LightGBM parameters; the objective is the grouped-CV metric.

The study lives in an RDB (sqlite by default) under a name tied to the config and the training
data, so a killed run resumes with its finished trials: ``tune`` runs only the trials still
missing to reach ``n_trials`` (complete + pruned). TPE is seeded; the median pruner stops a trial
whose running mean over the folds falls below the median of earlier trials at the same fold.
Every trial is logged as a nested MLflow run (pruned trials tagged ``trial_state=PRUNED``).
"""

from __future__ import annotations

import logging

import mlflow
import optuna

from models.config import Config
from models.evaluate import PreparedFolds, objective_value, summarise

log = logging.getLogger(__name__)

DONE = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)


def suggest(trial: optuna.Trial, config: Config) -> dict:
    """The search space (ranges from the config)."""
    t = config.tune
    return {
        "num_leaves": trial.suggest_int("num_leaves", *t.num_leaves),
        "learning_rate": trial.suggest_float("learning_rate", *t.learning_rate, log=True),
        "num_boost_round": trial.suggest_int("num_boost_round", *t.num_boost_round),
        "min_child_samples": trial.suggest_int("min_child_samples", *t.min_child_samples),
        "feature_fraction": trial.suggest_float("feature_fraction", *t.feature_fraction),
        "lambda_l2": trial.suggest_float("lambda_l2", *t.lambda_l2, log=True),
    }


def open_study(config: Config, study_name: str) -> optuna.Study:
    """Create or resume the study."""
    pruner = (optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=1)
              if config.tune.pruner == "median" else optuna.pruners.NopPruner())
    return optuna.create_study(
        study_name=study_name, storage=config.tune.storage, direction="maximize",
        sampler=optuna.samplers.TPESampler(seed=config.seed), pruner=pruner,
        load_if_exists=True,
    )


def tune(config: Config, folds: PreparedFolds, study_name: str) -> optuna.Study:
    """Run the missing trials of the study; each trial is a nested MLflow run."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = open_study(config, study_name)
    done = sum(t.state in DONE for t in study.trials)
    remaining = max(config.tune.n_trials - done, 0)
    log.info("study %s: %d finished trials, running %d more", study_name, done, remaining)
    metric = config.cv.metric

    def objective(trial: optuna.Trial) -> float:
        params = suggest(trial, config)
        with mlflow.start_run(run_name=f"trial-{trial.number}", nested=True):
            mlflow.set_tags({"kind": "trial", "trial_number": trial.number})
            mlflow.log_params(params)

            def on_fold(i: int, running: float) -> None:
                mlflow.log_metric(f"running_cv_grouped_{metric}", running, step=i)
                trial.report(running, i)
                if trial.should_prune():
                    raise optuna.TrialPruned(f"pruned after fold {i + 1}")

            try:
                table, _ = folds.run(params, seed=config.seed,
                                     num_threads=config.model.num_threads, on_fold=on_fold,
                                     objective=metric)
            except optuna.TrialPruned:
                mlflow.set_tag("trial_state", "PRUNED")
                raise
            mlflow.set_tag("trial_state", "COMPLETE")
            mlflow.log_metrics(summarise(table, "cv_grouped"))
            return objective_value(table, metric)

    if remaining:
        study.optimize(objective, n_trials=remaining, timeout=config.tune.timeout_s,
                       catch=())
    return study
