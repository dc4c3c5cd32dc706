"""Optuna search over LightGBM parameters; the objective is the leave-one-collection-out metric
(``cv.metric`` of each left-out collection, aggregated by ``cv.aggregate``: the mean over the
collections, or the worst one).

The study lives in an RDB (sqlite by default) under a name tied to the config and the training
data, so a killed run resumes with its finished trials: ``tune`` runs only the trials still
missing to reach ``n_trials`` (complete + pruned). TPE is seeded; the median pruner stops a trial
whose running mean over the folds falls below the median of earlier trials at the same fold.
Every trial is logged as a nested MLflow run (pruned trials tagged ``trial_state=PRUNED``) with
its parameters, the running objective after each fold and, when complete, the grouped metrics.
"""

from __future__ import annotations

import logging
import math
import time

import optuna
from mlflow import MlflowClient
from mlflow.entities import Metric, Param

from models.config import Config
from models.evaluate import PreparedFolds, objective_value, summarise

log = logging.getLogger(__name__)

DONE = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)


def suggest(trial: optuna.Trial, config: Config) -> dict:
    """The search space (ranges from the config)."""
    t = config.tune
    return {
        "num_leaves": trial.suggest_int("num_leaves", *t.num_leaves),
        "max_depth": trial.suggest_int("max_depth", *t.max_depth),
        "learning_rate": trial.suggest_float("learning_rate", *t.learning_rate, log=True),
        "num_boost_round": trial.suggest_int("num_boost_round", *t.num_boost_round),
        "min_child_samples": trial.suggest_int("min_child_samples", *t.min_child_samples),
        "feature_fraction": trial.suggest_float("feature_fraction", *t.feature_fraction),
        "feature_fraction_bynode": trial.suggest_float("feature_fraction_bynode",
                                                       *t.feature_fraction_bynode),
        "bagging_fraction": trial.suggest_float("bagging_fraction", *t.bagging_fraction),
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


class TrialLogger:
    """Logs each trial as a nested MLflow run in three calls (create, one batch, terminate),
    and keeps the time those calls take."""

    def __init__(self, parent_run_id: str, experiment_id: str) -> None:
        self.client = MlflowClient()
        self.parent, self.experiment = parent_run_id, experiment_id
        self.seconds = 0.0

    def log(self, number: int, params: dict, running: list[float], summary: dict[str, float],
            state: str) -> None:
        """Record one finished (or pruned) trial."""
        t0 = time.perf_counter()
        run = self.client.create_run(self.experiment, run_name=f"trial-{number}", tags={
            "mlflow.parentRunId": self.parent, "kind": "trial", "trial_number": str(number),
            "trial_state": state})
        now = int(time.time() * 1000)
        metrics = [Metric("running_objective", v, now, step) for step, v in enumerate(running)]
        metrics += [Metric(k, v, now, 0) for k, v in summary.items() if math.isfinite(v)]
        self.client.log_batch(run.info.run_id, metrics=metrics,
                              params=[Param(k, str(v)) for k, v in params.items()])
        self.client.set_terminated(run.info.run_id, "FINISHED")
        self.seconds += time.perf_counter() - t0


def tune(config: Config, folds: PreparedFolds, study_name: str, logger: TrialLogger
         ) -> optuna.Study:
    """Run the missing trials of the study; each trial is logged as a nested MLflow run."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = open_study(config, study_name)
    done = sum(t.state in DONE for t in study.trials)
    remaining = max(config.tune.n_trials - done, 0)
    log.info("study %s: %d finished trials, running %d more", study_name, done, remaining)
    metric, aggregate = config.cv.metric, config.cv.aggregate

    def objective(trial: optuna.Trial) -> float:
        params = suggest(trial, config)
        running: list[float] = []

        def on_fold(i: int, value: float) -> None:
            running.append(value)
            trial.report(value, i)
            if trial.should_prune():
                raise optuna.TrialPruned(f"pruned after fold {i + 1}")

        try:
            table, _ = folds.run(params, seed=config.seed, num_threads=config.model.num_threads,
                                 on_fold=on_fold, objective=metric, aggregate=aggregate)
        except optuna.TrialPruned:
            logger.log(trial.number, params, running, {}, "PRUNED")
            raise
        summary = summarise(table, "loco")
        summary.update({f"loco_{name}_{metric}": v
                        for name, v in zip(table["fold"], table[metric], strict=True)})
        logger.log(trial.number, params, running, summary, "COMPLETE")
        return objective_value(table, metric, aggregate)

    started = time.perf_counter()

    def progress(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        """One line per finished trial: n/N, its value, the best so far, time left."""
        n = trial.number - done + 1 if trial.number >= done else 1
        per_trial = (time.perf_counter() - started) / n
        finished = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
        best = f"{study.best_value:.4f}" if finished else "none yet"
        value = f"{trial.value:.4f}" if trial.value is not None else trial.state.name.lower()
        log.info("trial %d/%d: %s (best %s); about %.0f s left", n, remaining, value, best,
                 per_trial * (remaining - n))

    if remaining:
        study.optimize(objective, n_trials=remaining, timeout=config.tune.timeout_s,
                       catch=(), callbacks=[progress])
    return study
