"""Leave-one-collection-out folds on hand-made tables, and the generalisation command on the
embedded sample: the peer beside every row, what each collection adds, the MLflow run."""

from __future__ import annotations

import os

import mlflow
import numpy as np
import pandas as pd
import pytest
from conftest import ROOT
from mlflow import MlflowClient

from features.profiles import FieldProfile
from models import generalisation as gen
from models.config import load_config
from models.dataset import Dataset
from models.evaluate import collection_folds, grouped_folds

CONFIG = str(ROOT / "configs" / "default.yaml")
FAST = ["--set", "tune.num_boost_round=[20, 40]"]  # the default 200 rounds, clipped to 40

FULL = FieldProfile("full", frozenset({"dates", "statuses", "screen_name", "description"}))
IO = FieldProfile("io", frozenset({"dates", "description"}), hashes_names_below=5000)
LENGTHS = FieldProfile("lengths", frozenset({"dates", "statuses", "screen_name_length"}))


def table(spec: list[tuple[str, int, int, int, bool]]) -> Dataset:
    """A Dataset of (collection, label, rows, profile index, trainable) blocks; only the
    columns the folds look at."""
    collections, labels, profile_of, trainable = [], [], [], []
    for collection, label, n, profile, train in spec:
        collections += [collection] * n
        labels += [label] * n
        profile_of += [profile] * n
        trainable += [train] * n
    accounts = pd.DataFrame({"label": labels, "group": collections})
    return Dataset(accounts, pd.DataFrame(), pd.DataFrame(), np.array(collections),
                   [FULL, IO, LENGTHS], np.array(profile_of), np.array(trainable), [])


def test_collection_folds_leave_each_collection_out_and_score_releases_in_their_format():
    data = table([
        ("cresci", 0, 20, 0, True), ("cresci", 1, 30, 0, True),      # full user objects
        ("caverlee", 0, 25, 2, True), ("caverlee", 1, 25, 2, True),  # lengths only
        ("thailand", 1, 12, 1, True), ("iran", 1, 8, 1, True),       # takedown releases
        ("stock", 0, 10, 0, False), ("stock", 1, 10, 0, False),      # role: evaluate
    ])
    folds = {f.name: f for f in collection_folds(data, n_control_folds=5, seed=0)}
    assert list(folds) == ["cresci", "caverlee", "thailand", "iran", "stock"]
    y, coll = data.labels, data.collections
    for fold in folds.values():
        assert not set(fold.train) & set(fold.test)
        assert not (coll[fold.train] == fold.name).any()   # the collection never trains
        assert data.trainable[fold.train].all()           # evaluate-only rows never train
    assert set(coll[folds["cresci"].test]) == {"cresci"} and folds["cresci"].test_profile is None
    thai = folds["thailand"]
    controls = thai.test[y[thai.test] == 0]
    # organic accounts that can be shown as an IO account: cresci's full objects, not
    # caverlee's lengths (no description text) and not the never-trained stock rows? they
    # can (full profile): every showable control fold, and a fifth of them
    assert set(coll[controls]) <= {"cresci", "stock"} and thai.test_profile == 1
    assert len(controls) == 6  # fold 0 of the 20 cresci and 10 stock controls
    # a release's controls are chosen by its name: the same whichever other release is gone
    rest = table([("cresci", 0, 20, 0, True), ("cresci", 1, 30, 0, True),
                  ("caverlee", 0, 25, 2, True), ("caverlee", 1, 25, 2, True),
                  ("iran", 1, 8, 1, True), ("stock", 0, 10, 0, False),
                  ("stock", 1, 10, 0, False)])
    iran, again = folds["iran"], {f.name: f for f in collection_folds(rest, 5, 0)}["iran"]
    assert (y[iran.test] == 0).sum() == (rest.labels[again.test] == 0).sum()
    # a release no organic account can be shown as (caverlee's lengths lack its texts) is
    # not left out; with nothing else to leave out, that is an error
    lonely = table([("a", 1, 5, 1, True), ("b", 0, 5, 2, True), ("c", 1, 5, 2, True),
                    ("c", 0, 5, 2, True)])
    assert [f.name for f in collection_folds(lonely, 5, 0)] == ["c"]
    with pytest.raises(ValueError, match="needs a collection with positives"):
        collection_folds(table([("a", 1, 5, 1, True), ("b", 0, 5, 2, True)]), 5, 0)


def test_grouped_folds_score_a_release_against_controls_in_its_format():
    data = table([("cresci", 0, 40, 0, True), ("cresci", 1, 10, 0, True),
                  ("thailand", 1, 12, 1, True)])
    data.accounts.loc[40:44, "group"] = "ss1"
    data.accounts.loc[45:49, "group"] = "ff"
    folds = {f.name: f for f in grouped_folds(data, seed=0)}
    assert set(folds) == {"ss1", "ff", "thailand"}
    assert folds["thailand"].test_profile == 1 and folds["ss1"].test_profile is None


@pytest.fixture(scope="module")
def logged(tmp_path_factory):
    """One run of the command on the sample into a fresh store; returns (tmp, run, client)."""
    tmp = tmp_path_factory.mktemp("generalisation")
    old = os.getcwd()
    os.chdir(tmp)  # MLflow puts run artifacts under the working directory
    uri = f"sqlite:///{tmp / 'mlflow.db'}"
    try:
        assert gen.main(["--config", CONFIG, *FAST, "--set", f"tracking.uri={uri}",
                         "--set", "cv.random_folds=2", "--out", str(tmp / "out")]) == 0
        mlflow.set_tracking_uri(uri)
        client = MlflowClient()
        exp = client.get_experiment_by_name("botsieve-sample")
        runs = client.search_runs([exp.experiment_id], "tags.kind = 'generalisation'")
        assert len(runs) == 1
        yield tmp, runs[0], client
    finally:
        os.chdir(old)


def test_loco_table_has_the_peer_beside_every_collection(logged):
    tmp, run, _ = logged
    loco = pd.read_csv(tmp / "out" / "loco.csv")
    assert loco["collection"].tolist() == ["sample_092026", "sample_032026"]
    assert (loco["kind"] == "release").all()
    for col in ("roc_auc", "peer_roc_auc"):
        assert loco[col].between(0, 1).all(), col
    # recall at the other folds' 90%-precision threshold, NaN where none reaches it
    for col in ("recall_at_threshold", "peer_recall_at_threshold"):
        assert (loco[col].isna() | loco[col].between(0, 1)).all(), col
    assert loco["roc_auc_lead"].tolist() == pytest.approx(
        (loco["roc_auc"] - loco["peer_roc_auc"]).tolist())
    m = run.data.metrics
    assert m["loco_roc_auc"] == pytest.approx(loco["roc_auc"].mean())
    assert m["peer_loco_roc_auc"] == pytest.approx(loco["peer_roc_auc"].mean())
    assert m["loco_sample_032026_roc_auc"] == pytest.approx(loco.loc[1, "roc_auc"])
    assert run.data.tags["collections"] == "sample_092026,sample_032026,controls"


def test_ablation_trains_without_each_collection(logged):
    """The sample has two releases and organic controls: without one release, the other's
    model would train on organic accounts alone, so it is not scored (NaN), and without the
    controls no release can be scored at all (no column)."""
    tmp, run, client = logged
    ablation = pd.read_csv(tmp / "out" / "ablation.csv", index_col=0)
    assert list(ablation.columns) == ["all", "without sample_092026", "without sample_032026"]
    assert ablation[["without sample_092026", "without sample_032026"]].isna().all().all()
    assert ablation["all"].between(0.5, 1).all()
    adds = gen.helps(ablation).set_index("collection")
    assert np.isnan(adds.loc["sample_092026", "adds"])
    listed = {a.path for a in client.list_artifacts(run.info.run_id, "evaluation")}
    assert {"evaluation/loco.csv", "evaluation/ablation.csv",
            "evaluation/collection_adds.json"} <= listed


def test_default_params_stay_inside_the_search_space():
    config = load_config(CONFIG, [FAST[1]])
    params = gen.default_params(config)
    assert params["num_boost_round"] == 40  # clipped into the override's range
    for name, value in params.items():
        low, high = getattr(config.tune, name)
        assert low <= value <= high, name
