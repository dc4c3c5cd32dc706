"""models.compare on two models trained on one half of the embedded sample and compared on the
other half: table numbers equal metrics computed here from the bundles' scores, the winner is the
best, in-sample rows are marked, ``--promote`` moves ``champion`` only when the winner beats it on
every evaluation set, and bad input exits 2 with a message."""

from __future__ import annotations

import csv
import json
import os
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import ROOT
from mlflow import MlflowClient
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    precision_recall_curve,
    roc_auc_score,
)

import train
from features.registry import FEATURE_NAMES
from models import compare
from models.config import load_config
from models.dataset import load_dataset
from predict import load_model

SAMPLE = ROOT / "sample_data"
#: the weak model sees two profile flags only: far worse than the default model on every set
WEAK_FEATURES = ("url_empty", "location_empty")


def _half(account_id: str) -> int:
    return zlib.crc32(account_id.encode("utf-8")) % 2


def _split_csv(src: Path, dst: tuple[Path, Path]) -> None:
    with src.open(newline="", encoding="utf-8") as fh:
        header, *rows = list(csv.reader(fh))
    col = header.index("userid")
    for i, path in enumerate(dst):
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh, quoting=csv.QUOTE_ALL)
            writer.writerow(header)
            writer.writerows(r for r in rows if _half(r[col]) == i)


def split_sample(halves: tuple[Path, Path]) -> None:
    """Every account of the sample (with its tweets) into one of two halves, by account id."""
    for folder in ("release", "release_b"):
        for src in (SAMPLE / folder).glob("*.csv"):
            _split_csv(src, tuple(h / folder / src.name for h in halves))
    src = SAMPLE / "controls" / "controls_tweets.jsonl"
    lines = src.read_text(encoding="utf-8").splitlines(keepends=True)
    for i, half in enumerate(halves):
        (half / "controls").mkdir(parents=True, exist_ok=True)
        (half / "controls" / src.name).write_text(
            "".join(ln for ln in lines if _half(json.loads(ln)["user"]["id_str"]) == i),
            encoding="utf-8")


def write_config(path: Path, name: str, sources: list[dict]) -> str:
    path.write_text(yaml.safe_dump({"name": name, "sources": sources,
                                    "model": {"target_precisions": [0.8, 0.9]}}))
    return str(path)


def sample_sources(half: Path, suffix: str = "") -> list[dict]:
    return [{"name": f"sample_092026{suffix}", "paths": [str(half / "release")], "label": 1},
            {"name": f"sample_032026{suffix}", "paths": [str(half / "release_b")], "label": 1},
            {"name": f"controls{suffix}", "paths": [str(half / "controls")], "label": 0}]


@dataclass
class Store:
    tmp: Path
    uri: str
    client: MlflowClient
    train_a: str  # the half both models were trained on
    eval_b: str   # the other half


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Store:
    """v1: the default model, v2: a weak one; both trained on half A of the sample."""
    tmp = tmp_path_factory.mktemp("compare")
    split_sample((tmp / "a", tmp / "b"))
    train_a = write_config(tmp / "a.yaml", "half_a", sample_sources(tmp / "a"))
    eval_b = write_config(tmp / "b.yaml", "half_b", sample_sources(tmp / "b"))
    uri = f"sqlite:///{tmp / 'mlflow.db'}"
    common = ["--config", train_a, "--set", "tune.n_trials=2", "--set", "cv.random_folds=2",
              "--set", "tune.num_boost_round=[30, 80]", "--set", "model.num_threads=1",
              "--set", f"tune.storage=sqlite:///{tmp / 'optuna.db'}",
              "--set", f"tracking.uri={uri}", "--set", f"output_dir={tmp / 'out'}"]
    weak = [n for n in FEATURE_NAMES if n not in WEAK_FEATURES]
    old, old_uri = os.getcwd(), mlflow.get_tracking_uri()
    os.chdir(tmp)  # MLflow puts run artifacts under the working directory
    try:
        assert train.main(common) == 0
        assert train.main([*common, "--set", "seed=1",
                           "--set", f"features.exclude=[{', '.join(weak)}]"]) == 0
        mlflow.set_tracking_uri(uri)
        yield Store(tmp, uri, MlflowClient(uri), train_a, eval_b)
    finally:
        os.chdir(old)
        mlflow.set_tracking_uri(old_uri)


def run(store: Store, *args: str) -> int:
    return compare.main(["--tracking-uri", store.uri, *args])


def champion(store: Store) -> int:
    return int(store.client.get_model_version_by_alias("botsieve", "champion").version)


def expected_table(store: Store, config: str) -> pd.DataFrame:
    """The comparison of v1 and v2 computed here: sets built by hand, scores from Bundle.score
    (calibrated, at the model's out-of-fold mix, beside Bundle.predict's full probability) and
    the booster (raw), metrics from scikit-learn."""
    cfg = load_config(config)
    data = load_dataset(cfg)
    acc, y = data.accounts, data.labels
    source = acc["source"].to_numpy()
    controls = source == "controls"
    sets = {"sample_092026": (source == "sample_092026") | controls,
            "sample_032026": (source == "sample_032026") | controls,
            "all": np.ones(len(acc), bool)}
    rows = []
    for version in (1, 2):
        bundle = load_model(f"models:/botsieve/{version}", store.uri)
        mix = bundle.contract["calibrator"]["train_prior"]
        scored = bundle.score(acc, cadence=data.cadence, prior=mix, reasons="none")
        raw = bundle.booster.predict(bundle.features_of(acc, cadence=data.cadence))
        assert np.array_equal(scored["raw_score"].to_numpy(), raw)
        # (the scores table gives the probability to four significant digits; the metric is
        # computed on the full one)
        prob = pd.Series(bundle.predict(bundle.features_of(acc, cadence=data.cadence), mix)[1])
        np.testing.assert_allclose(scored["bot_probability"], prob, rtol=5e-4)
        for name, mask in sets.items():
            prec, rec, _ = precision_recall_curve(y[mask], raw[mask])
            rows.append({"set": name, "model": f"v{version}", "n_pos": int(y[mask].sum()),
                         "n_neg": int((1 - y[mask]).sum()),
                         "roc_auc": roc_auc_score(y[mask], raw[mask]),
                         "pr_auc": average_precision_score(y[mask], raw[mask]),
                         "recall_at_p90": rec[prec >= 0.9].max(),
                         "brier": brier_score_loss(y[mask], prob.to_numpy()[mask])})
    return pd.DataFrame(rows)


def test_table_equals_metrics_from_bundle_scores_and_marks_the_best(store, tmp_path, capsys):
    out = tmp_path / "table.csv"
    assert run(store, "--config", store.eval_b, "--versions", "1", "2", "--output", str(out),
               "--log-run") == 0
    printed = capsys.readouterr().out
    table = pd.read_csv(out)
    want = expected_table(store, store.eval_b)
    got = table.set_index(["set", "model"]).loc[list(zip(want["set"], want["model"],
                                                         strict=True))]
    for col in ("n_pos", "n_neg"):
        assert got[col].tolist() == want[col].tolist(), col
    for col in ("roc_auc", "pr_auc", "recall_at_p90", "brier"):
        np.testing.assert_allclose(got[col].to_numpy(), want[col].to_numpy(), rtol=1e-12,
                                   err_msg=col)
    assert not table["in_sample"].any() and (table["seen_pos"] == 0).all()
    for name, rows in table.groupby("set"):
        best = rows.loc[rows["roc_auc"].idxmax(), "model"]
        assert rows.loc[rows["winner"], "model"].tolist() == [best], name
    assert set(table.loc[table["model"] == "v1", "aliases"]) == {"champion"}
    assert set(table.loc[table["model"] == "v2", "aliases"]) == {"challenger"}
    # printed: one line per row, the winner starred, no in-sample warning
    assert "IN-SAMPLE" not in printed
    assert len(re.findall(r" \* +\d+ +\d+ ", printed)) == 3  # best, n_pos, n_neg
    # the MLflow record of the comparison
    exp = store.client.get_experiment_by_name("botsieve")
    [logged] = store.client.search_runs([exp.experiment_id], "tags.kind = 'comparison'")
    assert logged.data.tags["models"] == "v1,v2"
    assert logged.data.metrics["all/v1/roc_auc"] == pytest.approx(
        table.set_index(["set", "model"]).loc[("all", "v1"), "roc_auc"])
    paths = {a.path for a in store.client.list_artifacts(logged.info.run_id, "comparison")}
    assert "comparison/table.csv" in paths


def test_promote_moves_champion_only_when_the_winner_wins_every_set(store, tmp_path, capsys):
    store.client.set_registered_model_alias("botsieve", "champion", "2")  # the weak model
    out = tmp_path / "table.csv"
    try:
        # v1 wins every set, but not by more than 1: champion stays
        assert run(store, "--config", store.eval_b, "--all", "--promote", "--min-delta", "1",
                   "--output", str(out)) == 0
        printed = capsys.readouterr().out
        assert "v1 does not beat the champion v2 on every set (roc_auc better by more than 1)" \
            in printed
        assert champion(store) == 2
        # by more than the smallest margin on one set, not on the others: champion stays
        table = pd.read_csv(out).pivot(index="set", columns="model", values="roc_auc")
        margin = (table["v1"] - table["v2"]).sort_values()
        assert (margin > 0).all() and margin.iloc[0] < margin.iloc[1]
        assert run(store, "--config", store.eval_b, "--all", "--promote",
                   "--min-delta", str((margin.iloc[0] + margin.iloc[1]) / 2)) == 0
        printed = capsys.readouterr().out
        assert f"by more than {(margin.iloc[0] + margin.iloc[1]) / 2:g}): {margin.index[0]} (" \
            in printed  # the one set where it fails
        assert f"{margin.index[-1]} (" not in printed
        assert champion(store) == 2
        # strictly better on every set: champion moves to v1
        assert run(store, "--config", store.eval_b, "--all", "--promote") == 0
        assert "champion: botsieve v2 -> v1" in capsys.readouterr().out
        assert champion(store) == 1
    finally:
        store.client.set_registered_model_alias("botsieve", "champion", "1")


def test_in_sample_rows_are_marked_and_block_promotion(store, tmp_path, capsys):
    store.client.set_registered_model_alias("botsieve", "champion", "2")
    out = tmp_path / "table.csv"
    try:
        assert run(store, "--config", store.train_a, "--versions", "1", "2", "--promote",
                   "--output", str(out)) == 0
        printed = capsys.readouterr().out
        table = pd.read_csv(out)
        assert table["in_sample"].all()
        assert (table["seen_pos"] == table["n_pos"]).all()
        assert (table["seen_neg"] == table["n_neg"]).all()
        n_a = int(table.loc[table["set"] == "all", ["n_pos", "n_neg"]].iloc[0].sum())
        assert "IN-SAMPLE" in printed and "WARNING" in printed
        assert "are in-sample" in printed and champion(store) == 2  # refused
        # one half seen in training, the other not: --unseen-only keeps only the unseen half
        mixed = write_config(tmp_path / "mixed.yaml", "mixed",
                             [*sample_sources(store.tmp / "a", "_a"),
                              *sample_sources(store.tmp / "b", "_b")])
        assert run(store, "--config", mixed, "--versions", "1", "--unseen-only",
                   "--output", str(out)) == 0
        table = pd.read_csv(out).set_index("set")
        assert table.loc["sample_092026_a", "n_pos"] == 0
        assert np.isnan(table.loc["sample_092026_a", "roc_auc"])
        n_b = len(pd.read_csv(next((store.tmp / "b" / "release").glob("*users*"))))
        assert table.loc["sample_092026_b", "n_pos"] == n_b
        assert table.loc["sample_092026_b", "n_neg"] == table.loc["sample_092026_a", "n_neg"]
        assert (table["seen_pos"] == 0).all() and (table["seen_neg"] == 0).all()
        assert f"--unseen-only: {n_a} of " in capsys.readouterr().out  # all of half A
        assert not table["in_sample"].any()
    finally:
        store.client.set_registered_model_alias("botsieve", "champion", "1")


def _table(rows: list[tuple[str, str, float, bool]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["set", "model", "roc_auc", "in_sample"])
    frame["brier"] = 1 - frame["roc_auc"]
    return frame


def test_promotion_rule():
    decide, mark = compare.decide_promotion, compare.mark_winners
    everywhere = mark(_table([("r1", "v1", 0.8, False), ("r1", "v2", 0.9, False),
                              ("all", "v1", 0.8, False), ("all", "v2", 0.85, False)]), "roc_auc")
    assert decide(everywhere, "roc_auc", "v1")[0] == "v2"
    assert decide(mark(everywhere, "brier"), "brier", "v1")[0] == "v2"  # lower is better
    assert decide(everywhere, "roc_auc", "v1", min_delta=0.06)[0] is None
    assert decide(everywhere, "roc_auc", "v2")[0] is None  # the champion is the winner
    assert decide(everywhere, "roc_auc", None)[0] == "v2"  # no champion yet
    loses_one = mark(_table([("r1", "v1", 0.95, False), ("r1", "v2", 0.9, False),
                             ("all", "v1", 0.8, False), ("all", "v2", 0.85, False)]), "roc_auc")
    winner, why = decide(loses_one, "roc_auc", "v1")
    assert winner is None and "r1 (0.9000 vs 0.9500)" in why[-1]
    tie = mark(_table([("all", "v1", 0.9, False), ("all", "v2", 0.9, False)]), "roc_auc")
    assert decide(tie, "roc_auc", "v1")[0] is None
    assert tie["winner"].all()
    no_pos = mark(_table([("r1", "v1", np.nan, False), ("r1", "v2", np.nan, False),
                          ("all", "v1", 0.8, False), ("all", "v2", 0.9, False)]), "roc_auc")
    winner, why = decide(no_pos, "roc_auc", "v1")
    assert winner == "v2" and "not compared: r1" in why[0]
    seen = everywhere.assign(in_sample=[False, True, False, False])
    assert decide(seen, "roc_auc", "v1")[0] is None
    assert decide(seen, "roc_auc", "v1", allow_in_sample=True)[0] == "v2"


def test_bad_input_exits_2_with_a_message(store, tmp_path, capsys):
    def error(*args: str) -> str:
        assert run(store, *args) == 2
        return capsys.readouterr().err

    assert "has no version 9 (versions: 1, 2)" in error("--config", store.eval_b,
                                                        "--versions", "1", "9")
    assert "no registered model named 'nope'" in error("--config", store.eval_b,
                                                       "--name", "nope")
    assert "has no alias 'gold'" in error("--config", store.eval_b, "models:/botsieve@gold")
    # every account of half A was trained on by v1: --unseen-only has nothing left to judge
    assert "nothing to judge them on" in error("--config", store.train_a, "--versions", "1",
                                               "--unseen-only")
    # small configs over the smaller release of half B
    files = str(store.tmp / "b" / "release_b")
    release_b = {"name": "release_b", "paths": [files], "label": 1}
    unlabeled = write_config(tmp_path / "u.yaml", "u", [{"name": "release_b", "paths": [files]}])
    assert "have no label" in error("--config", unlabeled, "--versions", "1")
    alone = write_config(tmp_path / "p.yaml", "p", [release_b])
    assert "no organic-only (label 0) source" in error("--config", alone, "--versions", "1")
    organic = write_config(tmp_path / "o.yaml", "o", [{**release_b, "label": 0}])
    assert "no source holds positives" in error("--config", organic, "--versions", "1")
    empty = tmp_path / "empty"
    empty.mkdir()
    header = next(Path(files).glob("*users*")).read_text().splitlines()[0]
    (empty / "x_users_csv_hashed.csv").write_text(header + "\n")  # a header, no accounts
    nothing = write_config(tmp_path / "e.yaml", "e",
                           [{**release_b, "label": 0}, {"name": "x", "paths": [str(empty)],
                                                        "label": 1}])
    assert "source(s) x: no usable accounts" in error("--config", nothing, "--versions", "1")
    missing = compare.main(["--tracking-uri", f"sqlite:///{tmp_path / 'none.db'}",
                            "--config", store.eval_b, "--versions", "1"])
    assert missing == 2 and "no tracking store" in capsys.readouterr().err
    assert not (tmp_path / "none.db").exists()
    with pytest.raises(SystemExit) as exc:
        run(store, "--config", store.eval_b, "--all", "--versions", "1")
    assert exc.value.code == 2


def test_promote_moves_champion_with_the_reason_on_record(store, capsys):
    from models import promote

    before = champion(store)
    other = 2 if before == 1 else 1
    args = ["--tracking-uri", store.uri]
    assert promote.main([*args, f"models:/botsieve/{other}", "--reason", "reviewed: wins"]) == 0
    assert champion(store) == other
    assert f"champion: models:/botsieve/{other} (was {before})" in capsys.readouterr().out
    tags = store.client.get_model_version("botsieve", str(other)).tags
    assert tags["promotion_reason"] == "reviewed: wins"
    assert tags["promoted_over"] == str(before) and tags["promoted_at"].endswith("UTC")
    history = store.client.get_registered_model("botsieve").description
    assert f"champion -> version {other} (was {before})" in history and "reviewed: wins" in history
    # refused: no reason, a version that does not exist, not a version URI
    with pytest.raises(SystemExit):
        promote.main([*args, f"models:/botsieve/{before}"])
    with pytest.raises(SystemExit):
        promote.main([*args, "models:/botsieve@challenger", "--reason", "x"])
    assert promote.main([*args, "models:/botsieve/99", "--reason", "x"]) == 2
    assert "no such registered version" in capsys.readouterr().err
    assert champion(store) == other
    assert promote.main([*args, f"models:/botsieve/{before}", "--reason", "back"]) == 0
    assert champion(store) == before
    assert "back" in store.client.get_registered_model("botsieve").description


def test_the_second_run_is_summarised_beside_the_champion(store):
    """v2's run description has v1's figures beside its own, per collection and group."""
    runs = {str(mv.version): mv.run_id
            for mv in store.client.search_model_versions("name='botsieve'")}
    note = store.client.get_run(runs["2"]).data.tags["mlflow.note.content"]
    assert "beside champion version 1" in note
    table = store.client.get_run(runs["1"]).data.metrics
    rows = [ln for ln in note.splitlines() if ln.startswith("| collection | sample_092026")]
    assert len(rows) == 1
    cells = [c.strip() for c in rows[0].strip("|").split("|")]
    assert cells[4] == f"{table['collection_roc_auc_sample_092026']:.3f}"
    assert float(cells[5]) == pytest.approx(float(cells[2]) - float(cells[4]), abs=2e-3)
    assert "python -m models.promote models:/botsieve/2 --reason" in note
    assert "new" not in cells
