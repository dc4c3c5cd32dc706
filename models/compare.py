"""Compare model versions on the same labeled files: one table, the winner marked, and an optional
promotion of the winner to ``champion``.

    python -m models.compare --config CONFIG.yaml [--set SECTION.KEY=VALUE ...]
                             [--name botsieve] [--versions 1 3 | --all | MODEL ...]
                             [--metric roc_auc] [--min-delta 0] [--unseen-only]
                             [--tracking-uri URI] [--output TABLE.csv] [--log-run]
                             [--promote [--allow-in-sample]]

Models: registered versions of ``--name`` (``--versions``, or ``--all``), or model specs as
predict.py takes them (``models:/NAME/V``, ``models:/NAME@alias``, ``runs:/RUN_ID/model``, a
bundle directory). Without any, the versions that hold an alias (champion, challenger, ...).

Labeled files: the sources of a training config (every role), labels as in training. Each source
with positives is an evaluation set: a source that holds both labels on its own, a positives-only
source (a takedown release) together with every organic-only source as its negatives. A last set,
``all``, pools every source. Each model scores all sources together once (one scored population,
as predict.py scores its inputs) and the scores are sliced per set.

Table: one row per (evaluation set, model): n_pos, n_neg, ROC-AUC, PR-AUC and recall at 90%
precision of the raw model score (the score the stored decision thresholds cut; isotonic
calibration ties scores), Brier score of the calibrated ``bot_probability`` (at the model's
out-of-fold mix, not its deployment prior); the winner per set by
``--metric`` (ties: every best model is marked); the version's aliases. PR-AUC and recall at 90%
precision depend on each set's share of positives: compare them between models, not between sets.

In-sample: rows where a model scores accounts it was trained on are marked and warned about:
their metrics measure fit, not generalisation. The training sources come from the config logged
with the model's run: one that reads the same files as an evaluated source is that source's
accounts, any other is read again and matched by account id (by source name when its files
cannot be read).
``--unseen-only`` drops from every set the accounts that any compared model was trained on, so all
models are scored on the same unseen rows.

``--promote`` moves ``champion`` to the winner of the ``all`` set only when it beats the current
champion (added to the comparison when not listed) on every evaluation set by more than
``--min-delta`` and no row of either is in-sample (unless ``--allow-in-sample``); otherwise it
says why not and leaves the aliases as they are. Exit code 0 either way, 2 on errors.
``--log-run`` records the comparison as an MLflow run (tag ``kind=comparison``) with the table.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from features.schema import SchemaError
from models.bundle import Bundle, BundleError
from models.compared import (
    CompareError,
    ModelRef,
    Seen,
    aliases_of,
    load_bundle,
    resolve_models,
    store_exists,
    training_rows,
    unique_labels,
)
from models.config import Config, ConfigError, load_config
from models.dataset import Dataset, load_dataset
from models.evaluate import metrics

log = logging.getLogger("botsieve.compare")

#: Metrics of the table; the first three rank the raw score, Brier scores bot_probability.
RANKING_METRICS = ("roc_auc", "pr_auc", "recall_at_p90")
TABLE_METRICS = (*RANKING_METRICS, "brier")
LOWER_IS_BETTER = frozenset({"brier"})
POOLED = "all"
COLUMNS = ["set", "negatives", "model", "version", "aliases", "run_id", "n_pos", "n_neg",
           *TABLE_METRICS, "seen_pos", "seen_neg", "in_sample", "winner"]


@dataclass(frozen=True)
class EvalSet:
    """An evaluation set: its name, its rows (mask over the scored table) and its negatives."""

    name: str
    rows: np.ndarray
    negatives: str


# ---------------------------------------------------------------------------------------------
# Arguments


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m models.compare", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", nargs="*", metavar="MODEL",
                        help="models:/ or runs:/ URI or bundle directory")
    parser.add_argument("--config", required=True, help="YAML config whose sources are scored")
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        metavar="SECTION.KEY=VALUE", help="override a config value (repeatable)")
    parser.add_argument("--name", help="registered model name (default: the config's)")
    parser.add_argument("--versions", nargs="+", type=int, metavar="V",
                        help="registered versions to compare")
    parser.add_argument("--all", action="store_true", help="every registered version")
    parser.add_argument("--metric", default="roc_auc", choices=TABLE_METRICS,
                        help="metric that picks the winner (default: roc_auc)")
    parser.add_argument("--min-delta", type=float, default=0.0,
                        help="--promote: least improvement over the champion on every set")
    parser.add_argument("--unseen-only", action="store_true",
                        help="drop accounts any compared model was trained on")
    parser.add_argument("--tracking-uri", help="MLflow tracking URI (default: the config's, "
                        "else $MLFLOW_TRACKING_URI, else sqlite:///mlflow.db)")
    parser.add_argument("--output", help="write the table as CSV")
    parser.add_argument("--log-run", action="store_true",
                        help="log the comparison as an MLflow run with the table")
    parser.add_argument("--promote", action="store_true",
                        help="move `champion` to the winner when it beats the champion "
                             "on every set")
    parser.add_argument("--allow-in-sample", action="store_true",
                        help="--promote even when rows of the winner or champion are in-sample")
    args = parser.parse_args(argv)
    if sum(map(bool, (args.models, args.versions, args.all))) > 1:
        parser.error("give models, --versions or --all, not more than one")
    if args.allow_in_sample and not args.promote:
        parser.error("--allow-in-sample goes with --promote")
    return args


# ---------------------------------------------------------------------------------------------
# Data and evaluation sets


def load_labeled(config: Config) -> Dataset:
    """Every source of the config, whatever its role, read as one labeled table."""
    sources = [s.model_copy(update={"role": "train"}) for s in config.sources]
    data = load_dataset(config.model_copy(update={"sources": sources}), role="train")
    counts = data.accounts["source"].astype(str).value_counts()
    empty = [s.name for s in config.sources if counts.get(s.name, 0) == 0]
    if empty:
        raise CompareError(f"source(s) {', '.join(empty)}: no usable accounts (the files hold "
                           f"none, or every row was rejected: {len(data.rejects)} rejects)")
    return data


def evaluation_sets(accounts: pd.DataFrame, order: list[str]) -> list[EvalSet]:
    """Per source with positives one set (a positives-only source with every organic-only source
    as its negatives), then the pooled set over everything."""
    source = accounts["source"].astype(str).to_numpy()
    y = accounts["label"].astype(int).to_numpy()
    labels = {name: set(np.unique(y[source == name]).tolist()) for name in order}
    organic = [name for name in order if labels[name] == {0}]
    controls = np.isin(source, organic)
    sets = []
    for name in order:
        if labels[name] == {1}:
            if not organic:
                raise CompareError(f"source {name} holds only positives and the config has no "
                                   "organic-only (label 0) source to score them against")
            sets.append(EvalSet(name, (source == name) | controls, ", ".join(organic)))
        elif labels[name] == {0, 1}:
            sets.append(EvalSet(name, source == name, "its own"))
    if not sets:
        raise CompareError("no source holds positives (label 1): nothing to evaluate")
    pooled = POOLED if POOLED not in order else f"{POOLED}_sources"
    sets.append(EvalSet(pooled, np.ones(len(accounts), bool), "all sources"))
    return sets


def model_scores(bundle: Bundle, data: Dataset) -> tuple[np.ndarray, np.ndarray]:
    """Raw model score and calibrated bot_probability of every account (one population), the
    probability at the model's out-of-fold mix: at its deployment prior (a few percent) it
    would be judged by how far each set's mix is from that prior, not by the model."""
    mix = bundle.contract["calibrator"]["train_prior"]
    return bundle.predict(bundle.features_of(data.accounts, cadence=data.cadence), prior=mix)


# ---------------------------------------------------------------------------------------------
# The table


def set_metrics(y: np.ndarray, raw: np.ndarray, prob: np.ndarray) -> dict[str, float]:
    """Ranking metrics of the raw score, Brier of the calibrated probability."""
    ranking = metrics(y, raw)
    return {**{k: ranking[k] for k in RANKING_METRICS}, "brier": metrics(y, prob)["brier"]}


def build_table(refs: list[ModelRef], scores: list[tuple[np.ndarray, np.ndarray]],
                seen: list[Seen], sets: list[EvalSet], y: np.ndarray,
                keep: np.ndarray) -> pd.DataFrame:
    """One row per (evaluation set, model) over the kept rows of each set."""
    rows = []
    for es in sets:
        mask = es.rows & keep
        pos, neg = mask & (y == 1), mask & (y == 0)
        for ref, (raw, prob), s in zip(refs, scores, seen, strict=True):
            row = {"set": es.name, "negatives": es.negatives, "model": ref.label,
                   "version": ref.version, "aliases": ",".join(ref.aliases),
                   "run_id": ref.run_id, "n_pos": int(pos.sum()), "n_neg": int(neg.sum()),
                   **set_metrics(y[mask], raw[mask], prob[mask])}
            if s.rows is None:
                row.update(seen_pos=None, seen_neg=None, in_sample=None)
            else:
                sp, sn = int((pos & s.rows).sum()), int((neg & s.rows).sum())
                row.update(seen_pos=sp, seen_neg=sn, in_sample=sp + sn > 0)
            rows.append(row)
    table = pd.DataFrame(rows, columns=COLUMNS[:-1])
    table["version"] = table["version"].astype("Int64")
    for col in ("seen_pos", "seen_neg"):
        table[col] = table[col].astype("Int64")
    table["in_sample"] = table["in_sample"].astype("boolean")
    return table


def mark_winners(table: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Add ``winner``: per set, every model with the best finite ``metric`` (ties all marked)."""
    sign = -1.0 if metric in LOWER_IS_BETTER else 1.0
    out = table.copy()
    out["winner"] = False
    for _, rows in out.groupby("set", sort=False):
        values = sign * rows[metric].astype(float)
        if values.notna().any():
            best = values.max()
            out.loc[rows.index[np.isclose(values, best, rtol=0, atol=1e-12)], "winner"] = True
    return out


def negatives_note(sets: list[EvalSet]) -> list[str]:
    """One line per distinct set of negatives used by positives-only sources."""
    by_negatives: dict[str, list[str]] = {}
    for es in sets[:-1]:
        if es.negatives != "its own":
            by_negatives.setdefault(es.negatives, []).append(es.name)
    if len(by_negatives) == 1:
        return [f"negatives of every positives-only set: {next(iter(by_negatives))}"]
    return [f"negatives of {', '.join(names)}: {negatives}"
            for negatives, names in by_negatives.items()]


def describe(ref: ModelRef, bundle: Bundle, seen: Seen) -> str:
    """What a compared model is: its URI, training config and run, how overlap was found."""
    training = bundle.contract.get("training") or {}
    run = (training.get("run_id") or ref.run_id or "?")[:8]
    return (f"{ref.label}: {ref.uri}, trained on config {training.get('config_name', '?')} "
            f"(run {run}); training accounts found {seen.how}")


def render(table: pd.DataFrame) -> str:
    """The table as text: metrics to 4 decimals, the winner starred, in-sample rows noted."""
    view = table[["set", "model", "aliases", "n_pos", "n_neg", *TABLE_METRICS]].copy()
    view["aliases"] = view["aliases"].replace("", "-")
    view.insert(3, "best", np.where(table["winner"], "*", ""))
    notes = []
    for r in table.itertuples():
        if pd.isna(r.in_sample):
            notes.append("training data unknown")
        elif r.in_sample:
            notes.append(f"IN-SAMPLE ({r.seen_pos}/{r.n_pos} pos, {r.seen_neg}/{r.n_neg} neg "
                         "trained on)")
        else:
            notes.append("")
    if any(notes):
        view["note"] = notes
    return view.to_string(index=False, na_rep="nan",
                          formatters=dict.fromkeys(TABLE_METRICS, "{:.4f}".format))


# ---------------------------------------------------------------------------------------------
# Promotion


def decide_promotion(table: pd.DataFrame, metric: str, champion: str | None, *,
                     min_delta: float = 0.0, allow_in_sample: bool = False,
                     pooled: str = POOLED) -> tuple[str | None, list[str]]:
    """The model to make champion (or None) and why, from a table with ``winner`` marked.

    The candidate is the single winner of the pooled set. It is promoted when it is not the
    champion already, no row of it or of the champion is in-sample (unless allowed), and on every
    set with both classes it beats the champion by more than ``min_delta``."""
    sign = -1.0 if metric in LOWER_IS_BETTER else 1.0
    best = table[(table["set"] == pooled) & table["winner"]]["model"].tolist()
    if len(best) != 1:
        why = f"a tie between {', '.join(best)}" if best else "no finite score"
        return None, [f"no single winner on the pooled set {pooled!r} ({why})"]
    winner = best[0]
    if champion == winner:
        return None, [f"the champion {winner} is the winner: champion stays"]
    pair = table[table["model"].isin([winner, champion])]
    if not allow_in_sample and pair["in_sample"].fillna(True).astype(bool).any():
        sets = list(dict.fromkeys(pair.loc[pair["in_sample"].fillna(True).astype(bool),
                                           "set"]))
        where = (f"on {len(sets)} of {pair['set'].nunique()} sets" if len(sets) > 3
                 else f"on {', '.join(sets)}")
        return None, [f"rows of {winner} or the champion {champion} are in-sample "
                      f"or of unknown training data {where}; rerun with --unseen-only, or give "
                      "--allow-in-sample"]
    if champion is None:
        return winner, [f"no current champion: {winner}, the winner, becomes champion"]
    mine = table[table["model"] == winner].set_index("set")[metric].astype(float)
    theirs = table[table["model"] == champion].set_index("set")[metric].astype(float)
    lost, skipped = [], []
    for name in mine.index:
        if np.isnan(mine[name]) or np.isnan(theirs[name]):
            skipped.append(name)
        elif sign * (mine[name] - theirs[name]) <= min_delta:
            lost.append(f"{name} ({mine[name]:.4f} vs {theirs[name]:.4f})")
    notes = [f"sets without both classes, not compared: {', '.join(skipped)}"] if skipped else []
    if len(skipped) == len(mine):
        return None, [*notes, "no set to compare the winner and the champion on"]
    if lost:
        need = f"better by more than {min_delta:g}" if min_delta else "strictly better"
        return None, [*notes, f"{winner} does not beat the champion {champion} on every set "
                              f"({metric} {need}): {'; '.join(lost)}"]
    return winner, [*notes, f"{winner} beats the champion {champion} on {metric} on every set"]


# ---------------------------------------------------------------------------------------------
# MLflow record


def log_comparison(table: pd.DataFrame, text: str, config: Config, metric: str,
                   promoted: str | None) -> str:
    """Record the comparison as an MLflow run (kind=comparison); returns its run id."""
    import mlflow

    mlflow.set_experiment(config.tracking.experiment)
    with mlflow.start_run(run_name=f"compare-{config.name}") as run:
        mlflow.set_tags({"kind": "comparison", "config_name": config.name, "metric": metric,
                         "models": ",".join(table["model"].unique()),
                         "sources": ",".join(s.name for s in config.sources),
                         "promoted": promoted or ""})
        mlflow.log_table(table, "comparison/table.json")
        mlflow.log_text(table.to_csv(index=False), "comparison/table.csv")
        mlflow.log_text(text, "comparison/summary.txt")
        values = {}
        for r in table.to_dict("records"):
            for m in TABLE_METRICS:
                if np.isfinite(r[m]):
                    values[re.sub(r"[^\w./ :-]", "_", f"{r['set']}/{r['model']}/{m}")] = r[m]
        mlflow.log_metrics(values)
        return run.info.run_id


# ---------------------------------------------------------------------------------------------


def compare(args: argparse.Namespace) -> int:
    """The comparison: models, data, scores, table, promotion; CompareError on bad input."""
    try:
        config = load_config(args.config, args.overrides)
    except ConfigError as exc:
        raise CompareError(str(exc)) from exc
    name = args.name or config.model.registered_name
    uri = args.tracking_uri or config.tracking.resolved_uri()
    client = None
    if store_exists(uri):
        import mlflow
        from mlflow import MlflowClient

        mlflow.set_tracking_uri(uri)
        client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    refs = resolve_models(args, client, name)
    try:
        data = load_labeled(config)
    except (SchemaError, ValueError) as exc:  # unlabeled rows, clashing ids, unreadable files
        raise CompareError(str(exc)) from exc
    sets = evaluation_sets(data.accounts, [s.name for s in config.sources])
    y = data.labels

    bundles, scores = [], []
    for ref in refs:
        try:
            bundles.append(load_bundle(ref, uri))
        except BundleError as exc:
            raise CompareError(str(exc)) from exc
        scores.append(model_scores(bundles[-1], data))
        log.info("%s scored %d accounts", ref.label, len(y))
    unique_labels(refs)
    cache: dict[str, set[str] | None] = {}
    seen = [training_rows(r, b, data.accounts, config.sources, client, cache)
            for r, b in zip(refs, bundles, strict=True)]
    keep = np.ones(len(y), bool)
    dropped = None
    if args.unseen_only:
        for ref, s in zip(refs, seen, strict=True):
            if s.rows is None:
                log.warning("%s: training data unknown, its training accounts cannot be dropped",
                            ref.label)
            else:
                keep &= ~s.rows
        dropped = (f"--unseen-only: {int((~keep).sum())} of {len(keep)} accounts dropped "
                   "(trained on by a compared model)")
        if not (keep & (y == 1)).any() or not (keep & (y == 0)).any():
            raise CompareError(
                f"--unseen-only: {int((~keep).sum())} of {len(keep)} accounts of config "
                f"{config.name} were trained on by a compared model, which leaves "
                f"{int((keep & (y == 1)).sum())} inauthentic and {int((keep & (y == 0)).sum())} "
                "organic accounts: nothing to judge them on. Compare on a config whose files "
                "none of the models was trained on.")
    table = mark_winners(build_table(refs, scores, seen, sets, y, keep), args.metric)

    direction = "lower" if args.metric in LOWER_IS_BETTER else "higher"
    lines = [f"{len(refs)} model(s) on {len(sets)} evaluation set(s) of config {config.name} "
             f"({args.config}); * = best {args.metric} ({direction} is better)",
             "ROC-AUC, PR-AUC and recall at 90% precision rank the raw model score; Brier scores "
             "bot_probability",
             *negatives_note(sets),
             *(describe(r, b, s) for r, b, s in zip(refs, bundles, seen, strict=True)),
             *([dropped] if dropped else []),
             "", render(table)]
    in_sample = table[table["in_sample"].fillna(False).astype(bool)]
    if len(in_sample):
        lines += ["", f"WARNING: {len(in_sample)} of {len(table)} rows (IN-SAMPLE) score "
                      "accounts their model was trained on: their metrics measure fit, not "
                      "generalisation; --unseen-only drops those accounts from every set"]
        log.warning("%d in-sample rows (marked IN-SAMPLE in the table)", len(in_sample))
    if args.output:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(args.output, index=False)
        lines.append(f"\ntable: {args.output}")

    promoted = None
    if args.promote:
        promoted, why = promote(table, refs, client, name, args)
        lines += ["", f"--promote (by {args.metric}):", *(f"  {w}" for w in why)]
    text = "\n".join(lines)
    print(text)
    if args.log_run:
        if client is None:
            raise CompareError("--log-run needs a tracking store")
        print(f"comparison run: {log_comparison(table, text, config, args.metric, promoted)}")
    return 0


def promote(table: pd.DataFrame, refs: list[ModelRef], client, name: str,
            args: argparse.Namespace) -> tuple[str | None, list[str]]:
    """Apply the promotion rule; move the alias when it says so. Returns (promoted, lines)."""
    champion_version = aliases_of(client, name).get("champion")
    champion = next((r.label for r in refs
                     if r.name == name and r.version == champion_version), None)
    winner, why = decide_promotion(table, args.metric, champion, min_delta=args.min_delta,
                                   allow_in_sample=args.allow_in_sample,
                                   pooled=table["set"].iloc[-1])
    ref = next((r for r in refs if r.label == winner), None)
    if ref is not None and (ref.name != name or ref.version is None):
        return None, [*why, f"{winner} is not a registered version of {name}: champion stays"]
    if ref is None:
        return None, [*why, f"aliases unchanged (champion: v{champion_version})"
                      if champion_version is not None else "aliases unchanged"]
    client.set_registered_model_alias(name, "champion", str(ref.version))
    before = f"v{champion_version}" if champion_version is not None else "none"
    return ref.label, [*why, f"champion: {name} {before} -> v{ref.version}"]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s",
                        datefmt="%H:%M:%S")
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    try:
        return compare(args)
    except CompareError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
