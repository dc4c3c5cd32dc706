"""Cross-group generalisation matrix on the embedded sample: the splits, one cell recomputed
independently, and the MLflow run with its tables and heatmap."""

from __future__ import annotations

import os
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
from conftest import ROOT
from mlflow import MlflowClient
from sklearn.metrics import roc_auc_score

from models import generalisation as gen
from models.config import load_config
from models.dataset import load_dataset, make_builder, select_features, transform
from models.evaluate import train_booster

CONFIG = str(ROOT / "configs" / "default.yaml")
FAST = ["--set", "tune.num_boost_round=[20, 40]"]  # the default 200 rounds, clipped to 40
FOLDS = 3
GROUPS = ["sample_092026", "sample_032026"]  # the config's order of sources


@pytest.fixture(scope="module")
def sample():
    """The sample's config (with the fast override) and training table, read once."""
    config = load_config(CONFIG, [FAST[1]])
    return config, load_dataset(config)


@pytest.fixture(scope="module")
def logged(tmp_path_factory, sample):
    """One run of the command on the sample into a fresh store; returns (tmp, run, client)."""
    tmp = tmp_path_factory.mktemp("generalisation")
    old = os.getcwd()
    os.chdir(tmp)  # MLflow puts run artifacts under the working directory
    uri = f"sqlite:///{tmp / 'mlflow.db'}"
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(gen, "load_dataset", lambda _config: sample[1])  # already read
            assert gen.main(["--config", CONFIG, *FAST, "--set", f"tracking.uri={uri}",
                             "--folds", str(FOLDS), "--out", str(tmp / "out")]) == 0
        mlflow.set_tracking_uri(uri)
        client = MlflowClient()
        exp = client.get_experiment_by_name("botsieve")
        runs = client.search_runs([exp.experiment_id], "tags.kind = 'generalisation'")
        assert len(runs) == 1
        yield tmp, runs[0], client
    finally:
        os.chdir(old)


def _table(tmp: Path) -> pd.DataFrame:
    return pd.read_csv(tmp / "out" / "generalisation.csv")


def test_folds_are_stratified_per_group_and_seeded():
    labels = np.array([0] * 50 + [1] * 31 + [1] * 7)
    groups = np.array(["controls"] * 50 + ["a"] * 31 + ["b"] * 7)
    fold_of = gen.assign_folds(labels, groups, 5, seed=0)
    for g in ("controls", "a", "b"):
        sizes = np.bincount(fold_of[groups == g], minlength=5)
        assert sizes.max() - sizes.min() <= 1, (g, sizes)
    assert np.array_equal(fold_of, gen.assign_folds(labels, groups, 5, seed=0))
    assert not np.array_equal(fold_of, gen.assign_folds(labels, groups, 5, seed=1))
    with pytest.raises(ValueError):
        gen.assign_folds(labels, groups, 1, seed=0)


def test_no_account_is_both_trained_on_and_scored():
    rng = np.random.default_rng(3)
    groups = rng.choice(["controls", "a", "b", "c"], size=400)
    labels = (groups != "controls").astype(int)
    fold_of = gen.assign_folds(labels, groups, 4, seed=0)
    control, positive = labels == 0, labels == 1
    for _kind, _label, train_on, scored in gen.plan(["a", "b", "c"]):
        tested_controls = []
        for k in range(4):
            for h in scored:
                fold = gen.cell(labels, groups, fold_of, k, train_on, h)
                assert not set(fold.train) & set(fold.test), (train_on, h, k)
                test, train = np.zeros(400, bool), np.zeros(400, bool)
                test[fold.test], train[fold.train] = True, True
                assert np.array_equal(test & control, control & (fold_of == k))
                assert np.array_equal(train & control, control & (fold_of != k))
                assert set(groups[test & positive]) == {h}
                assert set(groups[train & positive]) == set(train_on)
                if h in train_on:  # diagonal: held-out fold of the group's own positives
                    assert np.array_equal(test & positive, positive & (groups == h)
                                          & (fold_of == k))
                else:  # every positive of the scored group
                    assert np.array_equal(test & positive, positive & (groups == h))
                tested_controls.append(fold.test[control[fold.test]])
        counts = np.bincount(np.concatenate(tested_controls), minlength=400)[control]
        assert set(counts) == {len(scored)}  # each control scored once per scored group


def test_matrix_shape_labels_and_values(logged):
    tmp, _run, _client = logged
    wide = pd.read_csv(tmp / "out" / "generalisation_matrix.csv", index_col=0)
    assert list(wide.index) == [*GROUPS, gen.LEAVE_ONE_OUT]
    assert list(wide.columns) == GROUPS
    assert ((wide >= 0) & (wide <= 1)).all().all()
    table = _table(tmp)
    assert len(table) == len(GROUPS) ** 2 + len(GROUPS)
    assert (table["folds"] == FOLDS).all()
    for m in gen.CELL_METRICS:
        assert table[m].between(0, 1).all(), m
    # the held-out diagonal scores a third of the group's positives, the other cells all of them
    diag = table[(table["kind"] == "transfer") & (table["trained_on"] == table["scored_on"])]
    assert diag.set_index("scored_on")["positives"].round().to_dict() == {
        "sample_032026": round(400 / FOLDS), "sample_092026": 300}
    # with two groups, "all others" is the other group: the same models, the same numbers
    assert wide.loc[gen.LEAVE_ONE_OUT, "sample_032026"] == pytest.approx(
        wide.loc["sample_092026", "sample_032026"])


def test_a_cell_equals_an_independent_computation(logged, sample):
    tmp, _run, _client = logged
    config, data = sample
    features = select_features(data, config.features).names
    params = {"num_leaves": 31, "max_depth": 6, "learning_rate": 0.05, "num_boost_round": 40,
              "min_child_samples": 20, "feature_fraction": 0.8, "lambda_l2": 1.0}
    assert gen.default_params(config) == params
    trained, scored = "sample_092026", "sample_032026"
    y, groups = data.labels, data.groups
    fold_of = gen.assign_folds(y, groups, FOLDS, config.seed)
    aucs = []
    for k in range(FOLDS):
        train = np.flatnonzero(((y == 0) & (fold_of != k)) | ((y == 1) & (groups == trained)))
        test = np.flatnonzero(((y == 0) & (fold_of == k)) | ((y == 1) & (groups == scored)))
        builder = make_builder(config.features).fit(data.accounts.iloc[train])
        x_train = transform(builder, data, config.features, train)[features]
        x_test = transform(builder, data, config.features, test)[features]
        booster = train_booster(x_train, y[train], params, seed=config.seed, num_threads=1)
        aucs.append(roc_auc_score(y[test], booster.predict(x_test)))
    table = _table(tmp)
    row = table[(table["trained_on"] == trained) & (table["scored_on"] == scored)].iloc[0]
    assert row["roc_auc"] == pytest.approx(np.mean(aucs), abs=1e-9)
    assert 0.5 < row["roc_auc"] < 0.95  # the sample's releases are deliberately unlike


def test_run_tags_params_and_artifacts(logged):
    tmp, run, client = logged
    tags = run.data.tags
    assert tags["config_name"] == "sample" and len(tags["data_fingerprint"]) == 16
    assert tags["groups"] == ",".join(sorted(GROUPS)) and len(tags["git_commit"]) >= 7
    assert tags["params_source"] == "defaults"
    assert run.data.params["lgb_num_boost_round"] == "40"
    assert run.data.params["folds"] == str(FOLDS)
    for key in ("transfer_mean_roc_auc", "own_group_mean_roc_auc",
                "leave_one_out_mean_roc_auc"):
        assert 0 <= run.data.metrics[key] <= 1, key
    run_id = run.info.run_id
    listed = {a.path for d in ("evaluation", "plots") for a in client.list_artifacts(run_id, d)}
    assert {"evaluation/generalisation.json", "evaluation/generalisation.csv",
            "evaluation/generalisation_matrix.csv", "plots/generalisation.png"} <= listed
    logged_table = mlflow.load_table("evaluation/generalisation.json", run_ids=[run_id])
    local = _table(tmp)
    assert list(logged_table["scored_on"]) == list(local["scored_on"])
    assert np.allclose(logged_table["roc_auc"], local["roc_auc"])
    assert (tmp / "out" / "generalisation.png").stat().st_size > 10_000


def test_params_come_from_a_training_run(logged):
    _tmp, run, client = logged
    training = client.create_run(run.info.experiment_id, tags={"kind": "training"})
    for key, value in {"best_num_leaves": "17", "best_learning_rate": "0.29",
                       "best_num_boost_round": "247"}.items():
        client.log_param(training.info.run_id, key, value)
    params, _tags = gen.params_from_run(training.info.run_id)
    assert params == {"num_leaves": 17, "learning_rate": 0.29, "num_boost_round": 247}
    assert isinstance(params["num_leaves"], int)
    with pytest.raises(ValueError, match="no best_"):
        gen.params_from_run(run.info.run_id)  # a generalisation run has no best_* params


def test_heatmap_annotates_every_cell_and_outlines_the_diagonal():
    wide = pd.DataFrame([[0.9, 0.3], [np.nan, 0.99], [0.7, 0.6]],
                        index=["a", "b", gen.LEAVE_ONE_OUT], columns=["a", "b"])
    ax = gen.heatmap(wide).axes[0]
    assert [t.get_text() for t in ax.texts] == ["0.90", "0.30", "n/a", "0.99", "0.70", "0.60"]
    assert len(ax.patches) == 2  # the two diagonal cells
    assert [t.get_text() for t in ax.get_yticklabels()] == list(wide.index)
