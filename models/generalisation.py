"""Cross-group generalisation matrix: train on one group, score every group.

    python -m models.generalisation --config configs/real.yaml [--set section.key=value ...]
        [--params-from-run RUN_ID] [--metric roc_auc] [--folds 5] [--threads 1] [--out DIR]

A group is a bot family or a takedown release (the ``group`` column of the training table). For
every training group g and every scored group h the matrix holds how well a model trained on the
positives of g alone separates the positives of h from organic controls it has never seen:

* rows = trained on, columns = scored on;
* off the diagonal (h != g) the model is trained on all positives of g;
* on the diagonal (h == g) the positives of g are split into the same folds as the controls: the
  model is trained on the other folds and scores the held-out fold, so the diagonal is a held-out
  within-group estimate, not an in-sample one;
* the last row, "all others (leave-one-out)", is trained on the positives of every group except h
  and scores h: the counterpart of training's leave-one-group-out headline, to contrast with
  transfer from a single group.

Controls are split into ``--folds`` folds (seeded by the config's ``seed``, positives of each
group split the same way). For fold k the model trains on the controls of the other folds and
scores the controls of fold k, so no account is ever both trained on and scored; every cell is the
mean over the folds of the per-fold metric. ROC-AUC fills the matrix by default; the long table
keeps ROC-AUC, PR-AUC and recall at 90% precision for every cell (PR-AUC and recall depend on the
share of positives, which differs between the diagonal, the other cells and the leave-one-out row;
ROC-AUC does not).

Features are the training pipeline's: the features ``select_features`` keeps for the whole table,
stateful pieces (bigram model, creation reference) fitted on each model's own training rows, cohort
counts over the whole table. LightGBM parameters are fixed for every cell, never tuned per cell:
the best parameters of a training run (``--params-from-run``) or, by default, LightGBM-style
defaults inside the config's search ranges (``default_params``).

Models are small (one group's positives and most of the controls), so each trains on one thread
by default (``--threads``): under load, extra threads only wait for each other.

The run is logged to MLflow (tag ``kind=generalisation``, plus the training tags that apply):
``evaluation/generalisation.json`` and ``evaluation/generalisation.csv`` (long table),
``evaluation/generalisation_matrix.csv`` and ``plots/generalisation.png`` (heatmap). ``--out DIR``
writes the same files locally.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from features.schema import SchemaError
from models.config import Config, ConfigError, load_config
from models.dataset import (
    Dataset,
    fingerprint,
    load_dataset,
    make_builder,
    select_features,
    transform,
)
from models.evaluate import Fold, metrics, train_booster
from models.tracking import git_commit

log = logging.getLogger("botsieve.generalisation")

#: Metrics kept for every cell; the first fills the matrix by default.
CELL_METRICS = ("roc_auc", "pr_auc", "recall_at_p90")
#: Row label of the leave-one-out row (trained on every group except the scored one).
LEAVE_ONE_OUT = "all others (leave-one-out)"
METRIC_NAMES = {"roc_auc": "ROC-AUC", "pr_auc": "PR-AUC",
                "recall_at_p90": "recall at 90% precision"}
TABLE_COLUMNS = ["kind", "trained_on", "scored_on", "folds", "positives", "controls",
                 *CELL_METRICS, "roc_auc_std"]

#: Fixed parameters used when no training run is given, each clipped into the config's search
#: range (``tune`` section) so that they stay inside what training may choose.
DEFAULT_PARAMS = {"num_leaves": 31, "max_depth": 6, "learning_rate": 0.05,
                  "num_boost_round": 200, "min_child_samples": 20, "feature_fraction": 0.8,
                  "lambda_l2": 1.0}


# -- parameters ------------------------------------------------------------------------------

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


# -- splits ----------------------------------------------------------------------------------

def assign_folds(labels: np.ndarray, groups: np.ndarray, n_folds: int, seed: int) -> np.ndarray:
    """Fold number (0..n_folds-1) of every row, stratified by (group, label), seeded."""
    if n_folds < 2:
        raise ValueError(f"need at least 2 folds, got {n_folds}")
    rng = np.random.default_rng(seed)
    fold_of = np.empty(len(labels), dtype=int)
    strata = pd.DataFrame({"group": groups, "label": labels})
    for _, idx in sorted(strata.groupby(["group", "label"]).indices.items()):
        fold_of[idx] = rng.permutation(len(idx)) % n_folds
    return fold_of


def cell(labels: np.ndarray, groups: np.ndarray, fold_of: np.ndarray, k: int,
         train_on: Sequence[str], scored: str) -> Fold:
    """Rows to train on and to score for one cell and fold ``k``.

    Controls: fold ``k`` is scored, the other folds are trained on. Positives: those of the
    ``train_on`` groups are trained on; the positives of ``scored`` are scored, all of them when
    ``scored`` is not a training group, else only its fold ``k`` (left out of training).
    """
    control = labels == 0
    in_fold = fold_of == k
    positive_of_scored = (labels == 1) & (groups == scored)
    own = scored in set(train_on)
    train = (control & ~in_fold) | ((labels == 1) & np.isin(groups, list(train_on)))
    test = (control & in_fold) | (positive_of_scored & (in_fold if own else True))
    if own:
        train &= ~(positive_of_scored & in_fold)
    return Fold(scored, np.flatnonzero(train), np.flatnonzero(test))


# -- the matrix ------------------------------------------------------------------------------

@dataclass
class Setting:
    """What every cell shares: the table, the pipeline, fixed parameters, the folds."""

    data: Dataset
    config: Config
    features: list[str]
    params: dict
    fold_of: np.ndarray
    num_threads: int = 1


def fit_scores(s: Setting, train: np.ndarray) -> np.ndarray:
    """Raw scores of every row by a model trained on the ``train`` rows (training pipeline:
    stateful features fitted on those rows, cohort counts over the whole table)."""
    builder = make_builder(s.config.features).fit(s.data.accounts.iloc[train])
    X = transform(builder, s.data, s.config.features, names=s.features)
    booster = train_booster(X.iloc[train], s.data.labels[train], s.params, seed=s.config.seed,
                            num_threads=s.num_threads)
    return booster.predict(X)


def plan(groups: list[str]) -> list[tuple[str, str, list[str], list[str]]]:
    """(kind, row label, training groups, scored groups) of every matrix row."""
    rows = [("transfer", g, [g], list(groups)) for g in groups]
    rows += [("leave_one_out", LEAVE_ONE_OUT, [o for o in groups if o != h], [h])
             for h in groups]
    return rows


def evaluate_row(s: Setting, train_on: list[str], scored: list[str]) -> dict[str, list[dict]]:
    """Per-fold metrics of one training set against each scored group. One model per distinct
    training rows and fold (the off-diagonal cells of a row share theirs)."""
    labels, groups = s.data.labels, s.data.groups
    per_group: dict[str, list[dict]] = {h: [] for h in scored}
    for k in range(int(s.fold_of.max()) + 1):
        models: dict[bytes, np.ndarray] = {}
        for h in scored:
            fold = cell(labels, groups, s.fold_of, k, train_on, h)
            key = fold.train.tobytes()
            if key not in models:
                models[key] = fit_scores(s, fold.train)
            y = labels[fold.test]
            per_group[h].append({"positives": int(y.sum()), "controls": int((y == 0).sum()),
                                 **metrics(y, models[key][fold.test])})
    return per_group


def summarise_cell(kind: str, trained_on: str, scored_on: str, folds: list[dict]) -> dict:
    """One row of the long table: means over the folds (NaN folds, e.g. a fold without
    positives, are left out and not counted in ``folds``)."""
    frame = pd.DataFrame(folds)
    finite = frame[np.isfinite(frame["roc_auc"])]
    out = {"kind": kind, "trained_on": trained_on, "scored_on": scored_on,
           "folds": len(finite), "positives": float(frame["positives"].mean()),
           "controls": float(frame["controls"].mean())}
    for m in CELL_METRICS:
        out[m] = float(finite[m].mean()) if len(finite) else float("nan")
    out["roc_auc_std"] = float(finite["roc_auc"].std(ddof=0)) if len(finite) else float("nan")
    return out


def generalisation_table(s: Setting) -> pd.DataFrame:
    """The long table: one row per (kind, trained_on, scored_on) cell."""
    rows = []
    for kind, label, train_on, scored in plan(positive_groups(s.data)):
        t0 = time.perf_counter()
        per_group = evaluate_row(s, train_on, scored)
        rows += [summarise_cell(kind, label, h, folds) for h, folds in per_group.items()]
        log.info("%s %s: %.1f s", kind, label if kind == "transfer" else scored[0],
                 time.perf_counter() - t0)
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


def positive_groups(data: Dataset) -> list[str]:
    """Groups that hold positives, in the order they first appear in the table (the config's
    order of sources): the matrix's rows and columns."""
    return list(dict.fromkeys(data.groups[data.labels == 1]))


def matrix(table: pd.DataFrame, metric: str = "roc_auc") -> pd.DataFrame:
    """Wide matrix of one metric: rows = trained on (groups, then the leave-one-out row),
    columns = scored on."""
    groups = list(dict.fromkeys(table.loc[table["kind"] == "transfer", "trained_on"]))
    wide = table.pivot(index="trained_on", columns="scored_on", values=metric)
    wide = wide.reindex(index=[*groups, LEAVE_ONE_OUT], columns=groups)
    wide.index.name, wide.columns.name = "trained_on", "scored_on"
    return wide


def transfer_summary(wide: pd.DataFrame) -> pd.DataFrame:
    """Per training group: the diagonal and the mean over the other groups."""
    groups = list(wide.columns)
    rows = []
    for g in groups:
        others = wide.loc[g, [h for h in groups if h != g]]
        rows.append({"trained_on": g, "own_group_held_out": wide.loc[g, g],
                     "mean_other_groups": float(others.mean()),
                     "min_other_groups": float(others.min())})
    return pd.DataFrame(rows)


def summary_metrics(table: pd.DataFrame) -> dict[str, float]:
    """Means over cells: off the diagonal, on the diagonal, and the leave-one-out row."""
    transfer = table[table["kind"] == "transfer"]
    own = transfer["trained_on"] == transfer["scored_on"]
    parts = {"transfer": transfer[~own], "own_group": transfer[own],
             "leave_one_out": table[table["kind"] == "leave_one_out"]}
    return {f"{name}_mean_{m}": float(part[m].mean())
            for name, part in parts.items() for m in CELL_METRICS}


# -- figure ----------------------------------------------------------------------------------

def heatmap(wide: pd.DataFrame, metric: str = "roc_auc") -> Figure:
    """Annotated heatmap: rows = trained on, columns = scored on, diagonal cells outlined
    (held-out split of the group's own positives), leave-one-out row below a rule. For ROC-AUC
    the colour scale runs from 0.5 (chance) to 1; cells below chance (the model ranks that
    group's accounts as more organic than the controls) get a colour of their own."""
    n_rows, n_cols = wide.shape
    fig = Figure(figsize=(0.85 * n_cols + 3.5, 0.55 * n_rows + 2.6))
    ax = fig.subplots()
    low = 0.5 if metric == "roc_auc" else 0.0
    values = wide.to_numpy(dtype=float)
    cmap = colormaps["viridis"].with_extremes(bad="lightgrey", under="lightcoral")
    image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=low, vmax=1.0,
                      aspect="auto")
    for i in range(n_rows):
        for j in range(n_cols):
            v = values[i, j]
            dark = np.isfinite(v) and low <= v and (v - low) / (1.0 - low) < 0.6
            ax.text(j, i, "n/a" if not np.isfinite(v) else f"{v:.2f}", ha="center",
                    va="center", fontsize=8, color="white" if dark else "black")
    for j, g in enumerate(wide.columns):
        if g in wide.index:
            i = list(wide.index).index(g)
            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, ec="black", lw=2))
    if LEAVE_ONE_OUT in wide.index:
        ax.axhline(list(wide.index).index(LEAVE_ONE_OUT) - 0.5, color="white", lw=3)
    ax.set_xticks(range(n_cols), list(wide.columns), rotation=40, ha="right")
    ax.set_yticks(range(n_rows), list(wide.index))
    name = METRIC_NAMES[metric]
    ax.set(xlabel="scored on (positives of the group vs held-out controls)",
           ylabel="trained on (positives + other control folds)")
    below = ", red: below chance" if low > 0 else ""
    ax.set_title(f"Cross-group generalisation: {name}\noutlined: held-out split of the "
                 f"group's own positives{below}", fontsize=10)
    fig.colorbar(image, ax=ax, label=name, fraction=0.04, pad=0.02,
                 extend="min" if low > 0 else "neither")
    fig.tight_layout()
    return fig


# -- command line ----------------------------------------------------------------------------

def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m models.generalisation", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default="configs/default.yaml", help="YAML config")
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        metavar="SECTION.KEY=VALUE", help="override a config value (repeatable)")
    parser.add_argument("--params-from-run", metavar="RUN_ID",
                        help="use the best parameters of this training run (default: fixed "
                             "defaults inside the config's search ranges)")
    parser.add_argument("--metric", default="roc_auc", choices=CELL_METRICS,
                        help="metric of the matrix and the heatmap")
    parser.add_argument("--folds", type=int, default=5, help="control folds (default 5)")
    parser.add_argument("--threads", type=int, default=1,
                        help="LightGBM threads per model (default 1: the models are small)")
    parser.add_argument("--out", help="also write the tables and the heatmap to this folder")
    return parser.parse_args(argv)


def print_matrix(wide: pd.DataFrame, metric: str) -> None:
    """The matrix with numbered columns (the row of the same number is the same group)."""
    shown = wide.copy()
    numbers = {g: str(i + 1) for i, g in enumerate(wide.columns)}
    shown.columns = [numbers[g] for g in wide.columns]
    shown.index = [f"{numbers[g]:>2} {g}" if g in numbers else f"   {g}" for g in wide.index]
    print(f"\n{metric}: rows = trained on, columns = scored on (diagonal: held-out split)")
    print(shown.to_string(float_format="%.3f", na_rep="n/a"))
    print()
    print(transfer_summary(wide).to_string(index=False, float_format="%.3f"))


def write_outputs(out: Path, table: pd.DataFrame, wide: pd.DataFrame, fig: Figure) -> None:
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "generalisation.csv", index=False)
    wide.to_csv(out / "generalisation_matrix.csv")
    fig.savefig(out / "generalisation.png", dpi=110)


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
        groups = positive_groups(data)
        if len(groups) < 2:
            raise ValueError(f"a generalisation matrix needs at least two positive groups, "
                             f"found {groups}")
        fold_of = assign_folds(data.labels, data.groups, args.folds, config.seed)
    except (ConfigError, SchemaError, ValueError, MlflowException) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    data_fp = fingerprint(data.accounts, data.cadence)
    if run_tags.get("data_fingerprint") not in (None, data_fp):
        log.warning("run %s was trained on data %s, this table is %s: its parameters were "
                    "tuned on other data", args.params_from_run, run_tags["data_fingerprint"],
                    data_fp)
    features = select_features(data, config.features).names
    log.info("%d accounts, %d groups, %d features, %d folds, params (%s): %s", len(data.labels),
             len(groups), len(features), args.folds, params_source, params)

    table = generalisation_table(Setting(data, config, features, params, fold_of,
                                         args.threads))
    wide = matrix(table, args.metric)
    fig = heatmap(wide, args.metric)
    summary = summary_metrics(table)
    elapsed = time.perf_counter() - started

    mlflow.set_experiment(config.tracking.experiment)
    with mlflow.start_run(run_name=f"generalisation-{config.name}-{data_fp[:8]}") as run:
        mlflow.set_tags({
            "kind": "generalisation", "config_name": config.name, "data_fingerprint": data_fp,
            "git_commit": git_commit(), "groups": ",".join(sorted(groups)),
            "sources": ",".join(s.name for s in config.sources), "params_source": params_source,
        })
        mlflow.log_dict(config.model_dump(mode="json"), "config.json")
        mlflow.log_params({**{f"lgb_{k}": v for k, v in params.items()}, "folds": args.folds,
                           "metric": args.metric, "n_features": len(features),
                           "n_rows": len(data.labels), "n_groups": len(groups)})
        mlflow.log_metrics({**{k: v for k, v in summary.items() if np.isfinite(v)},
                            "time_total_s": elapsed})
        mlflow.log_table(table, "evaluation/generalisation.json")
        mlflow.log_text(table.to_csv(index=False), "evaluation/generalisation.csv")
        mlflow.log_text(wide.to_csv(), "evaluation/generalisation_matrix.csv")
        mlflow.log_figure(fig, "plots/generalisation.png")
    if args.out:
        write_outputs(Path(args.out), table, wide, fig)

    print_matrix(wide, args.metric)
    print("\nmeans: " + ", ".join(f"{k} {v:.3f}" for k, v in summary.items()
                                  if k.endswith(args.metric)))
    print(f"run {run.info.run_id} ({config.tracking.resolved_uri()}), {elapsed:.0f} s"
          + (f"; files in {args.out}" if args.out else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
