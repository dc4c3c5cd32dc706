"""The training summary: how a new model scores each collection and group it was not trained on,
beside the champion's figures, which groups are new, its decision thresholds, and the commands
that compare and promote it.

``train.py`` prints it, sets it as the run's description (the MLflow UI's run page shows it) and
logs a per-group bar chart (``plots/per_group.png``). The figures are this run's out-of-fold
ones (leave-one-collection-out and leave-one-group-out ROC-AUC) beside those the champion's own
training run logged: two evaluations on the data each run had, not one comparison on the same
rows (``python -m models.compare`` gives that), so a figure for a group the champion never saw
is marked ``new`` and not compared.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from matplotlib.figure import Figure


@dataclass
class Champion:
    """The version that held ``champion`` when the run started, and its training run's
    figures."""

    version: str
    run_id: str
    metrics: dict[str, float] = field(default_factory=dict)
    groups: set[str] = field(default_factory=set)
    collections: set[str] = field(default_factory=set)


def current_champion(client, name: str) -> Champion | None:
    """The champion of registered model ``name``, or None (no such model, or no champion)."""
    from mlflow.exceptions import MlflowException

    try:
        version = client.get_model_version_by_alias(name, "champion")
        run = client.get_run(version.run_id)
    except MlflowException:
        return None
    tags = run.data.tags
    return Champion(str(version.version), version.run_id, dict(run.data.metrics),
                    set(filter(None, tags.get("groups", "").split(","))),
                    set(filter(None, tags.get("collections", "").split(","))))


def table(ev, champion: Champion | None) -> pd.DataFrame:
    """One row per left-out collection, then per left-out group: this run's ROC-AUC (and the
    peer's, for collections), the champion's, the change, and whether it is new."""
    rows = []
    for r in ev.loco.itertuples():
        rows.append(("collection", r.collection, r.roc_auc, getattr(r, "peer_roc_auc", np.nan),
                     "collection_roc_auc_", "collections"))
    if ev.grouped is not None:
        for name, auc in zip(ev.grouped["fold"], ev.grouped["roc_auc"], strict=True):
            rows.append(("group", name, auc, np.nan, "group_roc_auc_", "groups"))
    out = []
    for level, name, auc, peer, prefix, seen in rows:
        known = champion is not None and name in getattr(champion, seen)
        before = champion.metrics.get(prefix + name, np.nan) if known else np.nan
        out.append({"level": level, "name": name, "roc_auc": auc, "peer_roc_auc": peer,
                    "champion_roc_auc": before, "change": auc - before,
                    "new": champion is not None and not known})
    return pd.DataFrame(out)


def _cell(value: float) -> str:
    return "-" if pd.isna(value) else f"{value:.3f}"


def markdown(summary: pd.DataFrame, *, champion: Champion | None, name: str, version: str,
             aliases: list[str], thresholds: dict, prior: float, config_path: str,
             tracking_uri: str) -> str:
    """The summary as Markdown (the run description; readable as plain text too)."""
    me = f"models:/{name}/{version}"
    intro = (f"Out-of-fold ROC-AUC of this run beside champion version {champion.version} "
             f"(run {champion.run_id[:12]}); `new`: not in the champion's training data."
             if champion else "Out-of-fold ROC-AUC of this run (there was no champion to "
             "set beside it).")
    lines = [f"## {me}" + (f" ({', '.join(aliases)})" if aliases else ""), "", intro, "",
             "| left out | name | ROC-AUC | peer | champion | change |",
             "|---|---|---|---|---|---|"]
    for r in summary.itertuples():
        change = "new" if r.new else ("-" if pd.isna(r.change) else f"{r.change:+.3f}")
        lines.append(f"| {r.level} | {r.name} | {_cell(r.roc_auc)} | {_cell(r.peer_roc_auc)} | "
                     f"{_cell(r.champion_roc_auc)} | {change} |")
    lines += ["", f"Decision thresholds on the raw score, at a prior of {prior:.1%} "
              "inauthentic:", ""]
    for precision, spec in thresholds.items():
        cut = spec.get("threshold")
        lines.append(f"- precision {precision}: " + (
            f"threshold {cut:.4g}, recall {spec['recall']:.3f}" if cut is not None
            else "never reached (nothing is flagged at this target)"))
    uri = f" --tracking-uri {tracking_uri}"
    lines += ["", "Next:", "", "```",
              f"python -m models.compare --config {config_path}{uri} {me} "
              f"models:/{name}@champion",
              f"python -m models.promote {me} --reason \"...\"{uri}", "```"]
    if "champion" in aliases:
        lines.insert(2, "This version is the champion now" + (
            " (there was none)" if champion is None else
            f" (promoted over version {champion.version})") + ": `predict.py` scores with it "
            "by default.\n")
    return "\n".join(lines) + "\n"


def bar_chart(summary: pd.DataFrame, version: str, champion: Champion | None) -> Figure:
    """This run's and the champion's ROC-AUC per left-out collection and group."""
    fig = Figure(figsize=(max(6, 0.45 * len(summary) + 2), 4.5))
    ax = fig.subplots()
    x = np.arange(len(summary))
    width = 0.4 if champion else 0.8
    ax.bar(x - (width / 2 if champion else 0), summary["roc_auc"], width,
           label=f"version {version}")
    if champion:
        ax.bar(x + width / 2, summary["champion_roc_auc"].fillna(0), width,
               label=f"champion (version {champion.version})")
    labels = [f"{n}{' (new)' if new else ''}" for n, new in zip(summary["name"], summary["new"],
                                                               strict=True)]
    ax.set_xticks(x, labels, rotation=60, ha="right", fontsize=8)
    ax.axhline(0.5, ls=":", c="grey")
    ax.set(ylim=(0, 1), ylabel="ROC-AUC (left out)",
           title="Per collection and group, out of fold")
    ax.legend(loc="lower left")
    fig.tight_layout()
    return fig
