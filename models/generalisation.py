"""Generalisation: leave-one-collection-out against the peer, and what each collection adds.

    python -m models.generalisation --config configs/real.yaml [--set section.key=value ...]
        [--params-from-run RUN_ID] [--no-ablation] [--out DIR]

The measure of the model is how it scores collections it never saw (:mod:`models.evaluate`):

- **leave-one-collection-out** (the headline, and training's tuning objective): each collection
  scored by a model trained on all the others; a takedown release against organic accounts its
  model never saw, shown in the release's format. Every row has the peer beside it (the
  BotometerLite-style random forest of :mod:`models.peer`, same folds, same rows), and for a
  release its recall at the threshold that reaches 90% precision at the deployment prior
  (read off the pooled out-of-fold curve of the other collections, the model's and the
  peer's own);
- **leave-one-group-out** (bot family, release; controls spread at random) and random
  stratified K-fold beside it, for contrast;
- **what each collection adds** (``--ablation``, on by default here, not in training): for each
  training collection, every other collection's leave-one-collection-out score with and without
  it in training. A collection whose classes were collected at different times or with other
  fields can teach its collection rather than bots; a column that raises the others' scores
  when the collection is left out says so.

Training (``train.py``) runs the first two with its best parameters. This command runs them
with the best parameters of a training run (``--params-from-run``) or with fixed defaults inside
the config's search ranges, and logs a run tagged ``kind=generalisation``: the tables
(``evaluation/loco.csv``, ``evaluation/per_group.json``, ``evaluation/ablation.csv``) and metrics
with the names training logs.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from features.schema import SchemaError
from models.bundle import operating_curve, threshold_at
from models.config import Config, ConfigError, load_config
from models.dataset import Dataset, fingerprint, load_dataset, select_features
from models.evaluate import (
    METRICS,
    PreparedFolds,
    collection_folds,
    grouped_folds,
    random_folds,
    summarise,
)
from models.tracking import git_commit

log = logging.getLogger("botsieve.generalisation")

#: Fixed parameters used when no training run is given, each clipped into the config's search
#: range (``tune`` section) so that they stay inside what training may choose.
DEFAULT_PARAMS = {"num_leaves": 31, "max_depth": 6, "learning_rate": 0.05,
                  "num_boost_round": 200, "min_child_samples": 20, "feature_fraction": 0.5,
                  "feature_fraction_bynode": 0.5, "bagging_fraction": 0.7, "lambda_l2": 1.0}
#: The precision at which a left-out release's recall is reported.
RELEASE_PRECISION = 0.9


def default_params(config: Config) -> dict:
    """``DEFAULT_PARAMS``, each clipped into the config's search range."""
    out = {}
    for name, value in DEFAULT_PARAMS.items():
        low, high = getattr(config.tune, name)
        out[name] = type(value)(min(max(value, low), high))
    return out


def _number(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        return float(text)


def params_from_run(run_id: str) -> tuple[dict, dict[str, str]]:
    """The ``best_*`` parameters of a training run (as numbers) and the run's tags."""
    run = MlflowClient().get_run(run_id)
    params = {k[len("best_"):]: _number(v) for k, v in run.data.params.items()
              if k.startswith("best_")}
    if "num_boost_round" not in params:
        raise ValueError(f"run {run_id} has no best_* LightGBM parameters (not a training run?)")
    return params, dict(run.data.tags)


# -- the evaluation ----------------------------------------------------------------------------

@dataclass
class Evaluation:
    """The scores of one parameter set.

    ``loco``: one row per left-out collection (botsieve and the peer side by side);
    ``loco_y``/``loco_scores``/``peer_scores``: the pooled out-of-fold labels and raw scores
    (calibration and thresholds come from these); ``grouped``, ``random``: per-fold tables.
    """

    loco: pd.DataFrame
    loco_y: np.ndarray
    loco_scores: np.ndarray
    peer_scores: np.ndarray | None
    grouped: pd.DataFrame | None
    random: pd.DataFrame | None


def prepare_loco(data: Dataset, config: Config) -> PreparedFolds:
    """The leave-one-collection-out folds, with the peer's frames when the peer is on."""
    folds = collection_folds(data, config.cv.control_folds, config.seed)
    return PreparedFolds(data, folds, config, peer=config.peer.enabled)


def evaluate(data: Dataset, config: Config, params: dict, *,
             loco: PreparedFolds | None = None, grouped: bool = True,
             random: bool = True) -> Evaluation:
    """Leave-one-collection-out with the peer (``loco``: folds already prepared, e.g. for
    tuning), then leave-one-group-out and random K-fold unless turned off."""
    loco = loco or prepare_loco(data, config)
    threads = config.model.num_threads
    table, scores = loco.run(params, seed=config.seed, num_threads=threads)
    y, pooled = loco.pooled(scores)
    peer_table, peer_scores, peer_pooled = None, None, None
    if config.peer.enabled:
        peer_table, peer_scores = loco.run_peer(n_estimators=config.peer.n_estimators,
                                                seed=config.seed, num_threads=threads)
        peer_pooled = loco.pooled(peer_scores)[1]
    side = loco_table(loco, table, scores, y, pooled, peer_table, peer_scores, peer_pooled,
                      config.model.prior)
    group_table = random_table = None
    if not data.trainable.all():  # the secondary scores are about the training data only
        data = data.subset(np.flatnonzero(data.trainable))
    if grouped:
        folds = PreparedFolds(data, grouped_folds(data, config.seed), config)
        group_table = folds.run(params, seed=config.seed, num_threads=threads)[0]
    if random:
        folds = PreparedFolds(data, random_folds(data.labels, config.cv.random_folds,
                                                 config.seed), config)
        random_table = folds.run(params, seed=config.seed, num_threads=threads)[0]
    return Evaluation(side, y, pooled, peer_pooled, group_table, random_table)


def loco_table(loco: PreparedFolds, table: pd.DataFrame, scores: list[np.ndarray],
               y: np.ndarray, pooled: np.ndarray, peer_table: pd.DataFrame | None,
               peer_scores: list[np.ndarray] | None, peer_pooled: np.ndarray | None,
               prior: float) -> pd.DataFrame:
    """One row per left-out collection: botsieve's and the peer's metrics side by side, and
    for a takedown release the recall at each model's 90%-precision threshold at ``prior``,
    read off the pooled out-of-fold curve of the other folds (NaN where none reaches it)."""
    sizes = np.cumsum([0, *(len(f.test) for f in loco.folds)])
    rows = []
    for i, fold in enumerate(loco.folds):
        yf = loco.labels[fold.test]
        release = fold.test_profile is not None
        row = {"collection": fold.name, "kind": "release" if release else "mixed",
               "positives": int(yf.sum()), "negatives": int((yf == 0).sum()),
               **{m: table.loc[i, m] for m in ("roc_auc", "pr_auc", "recall_at_p90")}}
        others = np.r_[0:sizes[i], sizes[i + 1]:sizes[-1]]
        row["recall_at_threshold"] = (_recall(scores[i], yf, y[others], pooled[others], prior)
                                      if release else np.nan)
        if peer_table is not None:
            row.update({f"peer_{m}": peer_table.loc[i, m] for m in ("roc_auc", "pr_auc")})
            row["peer_recall_at_threshold"] = (
                _recall(peer_scores[i], yf, y[others], peer_pooled[others], prior)
                if release else np.nan)
            row["roc_auc_lead"] = row["roc_auc"] - row["peer_roc_auc"]
        rows.append(row)
    return pd.DataFrame(rows)


def _recall(scores: np.ndarray, y: np.ndarray, y_other: np.ndarray, other: np.ndarray,
            prior: float) -> float:
    """Share of the positives of a fold at or above the threshold that reaches
    :data:`RELEASE_PRECISION` at ``prior`` on the other folds' scores; NaN where none does."""
    threshold = threshold_at(operating_curve(other, y_other), RELEASE_PRECISION,
                             prior)["threshold"]
    if threshold is None:
        return float("nan")
    return float((scores[y == 1] >= threshold).mean())


def summary_metrics(ev: Evaluation) -> dict[str, float]:
    """The metrics every training and generalisation run logs under the same names:
    ``loco_<metric>`` (mean over collections), ``loco_mixed_*`` and ``loco_release_*``
    (means over the mixed collections and over the releases), ``loco_worst_roc_auc``,
    ``loco_<collection>_<metric>``; the peer's as ``peer_loco_*``; ``loco_min_lead_roc_auc``
    (botsieve minus peer, worst collection); ``cv_grouped_*`` and ``cv_random_*``."""
    t = ev.loco
    out: dict[str, float] = {}
    for who, prefix in (("", "loco"), ("peer_", "peer_loco")):
        if f"{who}roc_auc" not in t:
            continue
        for m in ("roc_auc", "pr_auc"):
            out[f"{prefix}_{m}"] = float(t[f"{who}{m}"].mean())
            for kind in ("mixed", "release"):
                part = t.loc[t["kind"] == kind, f"{who}{m}"]
                if len(part):
                    out[f"{prefix}_{kind}_{m}"] = float(part.mean())
        out[f"{prefix}_worst_roc_auc"] = float(t[f"{who}roc_auc"].min())
        for r in t.itertuples():
            out[f"{prefix}_{r.collection}_roc_auc"] = float(getattr(r, f"{who}roc_auc"))
            if r.kind == "release":
                out[f"{prefix}_{r.collection}_recall_at_threshold"] = float(
                    getattr(r, f"{who}recall_at_threshold"))
    if "roc_auc_lead" in t:
        out["loco_min_lead_roc_auc"] = float(t["roc_auc_lead"].min())
    if ev.grouped is not None:
        out.update(summarise(ev.grouped, "cv_grouped"))
    if ev.random is not None:
        out.update(summarise(ev.random, "cv_random"))
    return out


# -- what each collection adds -----------------------------------------------------------------

def ablation(data: Dataset, config: Config, params: dict, base: pd.DataFrame
             ) -> pd.DataFrame:
    """Leave-one-collection-out ROC-AUC of every collection (rows) trained on all other
    collections (column ``all``, from ``base``) and on all but one training collection (a
    column per collection left out of training too). Rows: collections; NaN where the row is
    the collection taken out."""
    out = pd.DataFrame({"all": base.set_index("collection")["roc_auc"]})
    for taken in dict.fromkeys(data.collections):
        rest = data.subset(np.flatnonzero(data.collections != taken))
        t0 = time.perf_counter()
        try:
            folds = collection_folds(rest, config.cv.control_folds, config.seed)
        except ValueError as exc:  # e.g. no organic accounts left for the releases
            log.warning("without %s: %s", taken, exc)
            continue
        prepared = PreparedFolds(rest, folds, config)
        table = prepared.run(params, seed=config.seed, num_threads=config.model.num_threads)[0]
        out[f"without {taken}"] = table.set_index("fold")["roc_auc"]
        log.info("without %s: %.1f s", taken, time.perf_counter() - t0)
    return out


def helps(table: pd.DataFrame) -> pd.DataFrame:
    """Per training collection: the mean leave-one-collection-out ROC-AUC of the other
    collections with it and without it in training (``adds`` > 0: it helps), over the
    collections scored both ways (without cresci-2017, say, no organic account can be shown
    as a release's, so the releases are not scored: ``scored`` says how many were)."""
    rows = []
    for col in table.columns[1:]:
        taken = col[len("without "):]
        both = (table.index != taken) & table[col].notna() & table["all"].notna()
        with_it = float(table.loc[both, "all"].mean()) if both.any() else float("nan")
        without = float(table.loc[both, col].mean()) if both.any() else float("nan")
        rows.append({"collection": taken, "scored": int(both.sum()),
                     "others_with_it": with_it, "others_without_it": without,
                     "adds": with_it - without})
    return pd.DataFrame(rows)


# -- command line ------------------------------------------------------------------------------

def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m models.generalisation", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default="configs/default.yaml", help="YAML config")
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        metavar="SECTION.KEY=VALUE", help="override a config value (repeatable)")
    parser.add_argument("--params-from-run", metavar="RUN_ID",
                        help="use the best parameters of this training run (default: fixed "
                             "defaults inside the config's search ranges)")
    parser.add_argument("--no-ablation", action="store_true",
                        help="skip what each collection adds (one more model per collection "
                             "and fold)")
    parser.add_argument("--out", help="also write the tables to this folder")
    return parser.parse_args(argv)


def print_tables(ev: Evaluation, extra: pd.DataFrame | None) -> None:
    """The tables as they appear in the README."""
    pd.set_option("display.width", 160)
    print("\nleave-one-collection-out (each collection scored by a model that never saw it):")
    print(ev.loco.to_string(index=False, float_format="%.3f"))
    if ev.grouped is not None:
        print("\nleave-one-group-out (bot family / release; controls spread at random):")
        cols = ["fold", "positives", "n_test", "roc_auc", "pr_auc", "recall_at_p90"]
        print(ev.grouped[cols].to_string(index=False, float_format="%.3f"))
    if extra is not None:
        print("\nwhat each collection adds: leave-one-collection-out ROC-AUC (rows) trained "
              "with all collections and without one (columns)")
        print(extra.to_string(float_format="%.3f", na_rep="-"))
        print()
        print(helps(extra).to_string(index=False, float_format="%.3f"))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s",
                        datefmt="%H:%M:%S")
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    started = time.perf_counter()
    try:
        config = load_config(args.config, args.overrides)
        mlflow.set_tracking_uri(config.tracking.resolved_uri())
        if args.params_from_run:
            params, run_tags = params_from_run(args.params_from_run)
            params_source = f"run:{args.params_from_run}"
        else:
            params, run_tags, params_source = default_params(config), {}, "defaults"
        data = load_dataset(config)
        features = select_features(data, config.features).names
        ev = evaluate(data, config, params)
    except (ConfigError, SchemaError, ValueError, MlflowException) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    data_fp = fingerprint(data.accounts, data.cadence)
    if run_tags.get("data_fingerprint") not in (None, data_fp):
        log.warning("run %s was trained on data %s, these tables are %s: its parameters were "
                    "tuned on other data", args.params_from_run, run_tags["data_fingerprint"],
                    data_fp)
    extra = None if args.no_ablation else ablation(data, config, params, ev.loco)
    summary = summary_metrics(ev)
    elapsed = time.perf_counter() - started

    mlflow.set_experiment(config.tracking.experiment)
    with mlflow.start_run(run_name=f"generalisation-{config.name}-{data_fp[:8]}") as run:
        mlflow.set_tags({
            "kind": "generalisation", "config_name": config.name, "data_fingerprint": data_fp,
            "git_commit": git_commit(), "params_source": params_source,
            "collections": ",".join(dict.fromkeys(data.collections)),
            "sources": ",".join(s.name for s in config.sources),
        })
        mlflow.log_dict(config.model_dump(mode="json"), "config.json")
        mlflow.log_params({**{f"lgb_{k}": v for k, v in params.items()},
                           "n_features": len(features), "n_rows": len(data.labels)})
        mlflow.log_metrics({**{k: v for k, v in summary.items() if np.isfinite(v)},
                            "time_total_s": elapsed})
        log_tables(ev, extra)
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        ev.loco.to_csv(out / "loco.csv", index=False)
        if ev.grouped is not None:
            ev.grouped.to_csv(out / "grouped.csv", index=False)
        if extra is not None:
            extra.to_csv(out / "ablation.csv")
    print_tables(ev, extra)
    print("\n" + ", ".join(f"{k} {summary[k]:.3f}" for k in
                           ("loco_roc_auc", "loco_mixed_roc_auc", "peer_loco_roc_auc",
                            "peer_loco_mixed_roc_auc", "loco_min_lead_roc_auc")
                           if k in summary))
    print(f"run {run.info.run_id} ({config.tracking.resolved_uri()}), {elapsed:.0f} s"
          + (f"; files in {args.out}" if args.out else ""))
    return 0


def log_tables(ev: Evaluation, extra: pd.DataFrame | None) -> None:
    """The evaluation's tables as artifacts of the active MLflow run."""
    mlflow.log_table(ev.loco, "evaluation/loco.json")
    mlflow.log_text(ev.loco.to_csv(index=False), "evaluation/loco.csv")
    if ev.grouped is not None:
        mlflow.log_table(ev.grouped, "evaluation/per_group.json")
    if ev.random is not None:
        mlflow.log_table(ev.random, "evaluation/per_random_fold.json")
    if extra is not None:
        mlflow.log_text(extra.to_csv(), "evaluation/ablation.csv")
        mlflow.log_table(helps(extra), "evaluation/collection_adds.json")


__all__ = ["METRICS", "Evaluation", "ablation", "evaluate", "helps", "summary_metrics"]

if __name__ == "__main__":
    sys.exit(main())
