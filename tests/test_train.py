"""train.py end to end on the embedded sample: MLflow runs, registry aliases, bundle contract,
reproducibility, pyfunc = predict.py, and an Optuna study that resumes after a kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import mlflow
import numpy as np
import optuna
import pandas as pd
import pytest
from conftest import ROOT
from mlflow import MlflowClient

import predict
import train
from features.sources import read_files
from models.bundle import Bundle, BundleError

SAMPLE_INPUTS = [str(ROOT / "sample_data" / d) for d in ("release", "release_b", "controls")]


def _train(tmp: Path, *extra: str, storage: str = "optuna.db") -> int:
    return train.main([
        "--config", str(ROOT / "configs" / "default.yaml"),
        "--set", "tune.n_trials=3", "--set", "cv.random_folds=2",
        "--set", "model.target_precisions=[0.9, 0.99, 0.5]",
        "--set", f"tune.storage=sqlite:///{tmp / storage}",
        "--set", f"tracking.uri=sqlite:///{tmp / 'mlflow.db'}",
        "--set", f"output_dir={tmp / 'out'}", *extra,
    ])


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One training run on the sample; returns its folder and MLflow client."""
    tmp = tmp_path_factory.mktemp("train")
    old = os.getcwd()
    os.chdir(tmp)  # MLflow puts run artifacts under the working directory
    try:
        assert _train(tmp) == 0
        mlflow.set_tracking_uri(f"sqlite:///{tmp / 'mlflow.db'}")
        yield tmp, MlflowClient()
    finally:
        os.chdir(old)


def _parent_run(client: MlflowClient):
    exp = client.get_experiment_by_name("botsieve-sample")
    runs = client.search_runs([exp.experiment_id], "tags.kind = 'training'",
                              order_by=["attributes.start_time ASC"])
    return runs


def test_parent_run_has_metrics_tags_artifacts_and_nested_trials(trained):
    _tmp, client = trained
    run = _parent_run(client)[0]
    for key in ("loco_roc_auc", "loco_release_roc_auc", "loco_worst_roc_auc",
                "peer_loco_roc_auc", "loco_min_lead_roc_auc",
                "loco_sample_092026_recall_at_threshold", "cv_grouped_roc_auc",
                "cv_grouped_pr_auc", "cv_grouped_log_loss", "cv_grouped_brier",
                "cv_grouped_recall_at_p90", "cv_grouped_recall_at_p99", "cv_random_roc_auc",
                "time_mlflow_logging_s"):
        assert key in run.data.metrics, key
    assert 0.5 < run.data.metrics["loco_roc_auc"] <= 1.0
    assert run.data.metrics["loco_min_lead_roc_auc"] == pytest.approx(
        min(run.data.metrics[f"loco_{c}_roc_auc"] - run.data.metrics[f"peer_loco_{c}_roc_auc"]
            for c in ("sample_092026", "sample_032026")))
    tags = run.data.tags
    assert tags["config_name"] == "sample" and len(tags["data_fingerprint"]) == 16
    assert tags["groups"] == "sample_032026,sample_092026"
    assert tags["collections"] == "sample_092026,sample_032026,controls"
    assert tags["feature_families"] == "cohort,profile"  # the guard drops name and cadence
    assert len(tags["git_commit"]) >= 7
    listed = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"config.json", "evaluation", "plots", "bundle"} <= listed
    versions = client.search_model_versions("name = 'botsieve-sample'")
    assert run.info.run_id in {v.run_id for v in versions}  # the pyfunc model, registered
    plots = {a.path for a in client.list_artifacts(run.info.run_id, "plots")}
    assert {f"plots/{n}.png" for n in ("roc", "pr", "calibration", "importance",
                                       "cohort_histogram")} <= plots
    evaluation = {a.path for a in client.list_artifacts(run.info.run_id, "evaluation")}
    assert {"evaluation/loco.json", "evaluation/loco.csv", "evaluation/per_group.json",
            "evaluation/leakage_audit.json"} <= evaluation
    trials = client.search_runs([run.info.experiment_id],
                                f"tags.mlflow.parentRunId = '{run.info.run_id}'")
    assert len(trials) == 3
    assert {t.data.tags["trial_state"] for t in trials} <= {"COMPLETE", "PRUNED"}
    complete = [t for t in trials if t.data.tags["trial_state"] == "COMPLETE"]
    assert complete and all("loco_roc_auc" in t.data.metrics for t in complete)
    assert all("loco_sample_032026_roc_auc" in t.data.metrics for t in complete)
    assert {"num_leaves", "learning_rate"} <= set(complete[0].data.params)


def test_registry_aliases_and_reproducible_model_text(trained):
    tmp, client = trained
    v1 = client.get_model_version_by_alias("botsieve-sample", "champion")
    assert str(v1.version) == "1"
    # same data, config and seed, fresh study: the same model text; champion stays
    old = os.getcwd()
    os.chdir(tmp)
    try:
        assert _train(tmp, storage="optuna2.db") == 0
    finally:
        os.chdir(old)
    assert str(client.get_model_version_by_alias("botsieve-sample", "champion").version) == "1"
    assert str(client.get_model_version_by_alias("botsieve-sample", "challenger").version) == "2"
    runs = _parent_run(client)
    texts = [(tmp / "out" / r.info.run_id / "bundle" / "model.txt").read_text() for r in runs]
    assert texts[0] == texts[1]
    os.chdir(tmp)
    try:
        assert _train(tmp, "--promote") == 0  # resumes the finished study: no new trials
    finally:
        os.chdir(old)
    assert str(client.get_model_version_by_alias("botsieve-sample", "champion").version) == "3"


def test_bundle_loads_without_pickle_and_rejects_corruption(trained, tmp_path):
    tmp, client = trained
    run = _parent_run(client)[0]
    src = tmp / "out" / run.info.run_id / "bundle"
    assert sorted(p.name for p in src.iterdir()) == ["contract.json", "model.txt"]
    bundle = Bundle.load(src)
    assert bundle.features == bundle.booster.feature_name()
    contract = json.loads((src / "contract.json").read_text())
    assert set(contract["thresholds"]) == {"0.9", "0.99", "0.5"}
    assert contract["prior"] == 0.4  # configs/default.yaml: the sample's own mix
    assert contract["target_precisions"] == [0.9, 0.99, 0.5]
    curve = contract["operating_curve"]
    assert len(curve["threshold"]) == len(curve["tpr"]) == len(curve["fpr"]) > 10
    assert np.all(np.diff(curve["threshold"]) < 0) and np.all(np.diff(curve["tpr"]) >= 0)
    # a threshold for any prior, from the curve: stricter at 5% than at the training mix
    at_mix = bundle.threshold(0.5, contract["calibrator"]["train_prior"])
    assert at_mix is not None and (bundle.threshold(0.5, 0.05) or np.inf) > at_mix
    assert contract["training"]["data_fingerprint"] == run.data.tags["data_fingerprint"]
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "contract.json").write_text((src / "contract.json").read_text())
    (broken / "model.txt").write_text((src / "model.txt").read_text() + "\n")
    with pytest.raises(BundleError, match="SHA-256"):
        Bundle.load(broken)
    (broken / "model.txt").write_text((src / "model.txt").read_text())
    contract["feature_names"] = [*contract["feature_names"][:-1], "followers_squared"]
    (broken / "contract.json").write_text(json.dumps(contract))
    with pytest.raises(BundleError, match="followers_squared"):
        Bundle.load(broken)


def test_pyfunc_and_predict_score_identically(trained, tmp_path, monkeypatch):
    tmp, _ = trained
    monkeypatch.chdir(tmp)
    uri = "models:/botsieve-sample@champion"
    out = tmp_path / "scores.csv"
    assert predict.main(["--model", uri, "--tracking-uri", f"sqlite:///{tmp / 'mlflow.db'}",
                         "--output", str(out), *SAMPLE_INPUTS[2:]]) == 0
    cli = pd.read_csv(out, dtype={"account_id": str})
    accounts = read_files(SAMPLE_INPUTS[2:]).accounts
    model = mlflow.pyfunc.load_model(uri)
    py = model.predict(accounts)
    assert len(cli) == len(py) == len(accounts)
    pd.testing.assert_series_equal(cli["bot_probability"], py["bot_probability"],
                                   check_names=False, rtol=1e-12)
    assert cli["is_bot"].tolist() == py["is_bot"].tolist()
    assert cli["reasons"].tolist() == py["reasons"].tolist()
    assert cli["model_version"].tolist() == py["model_version"].tolist()


def test_predict_chunked_equals_one_chunk_and_writes_rejects(trained, tmp_path):
    tmp, client = trained
    run = _parent_run(client)[0]
    bundle_dir = str(tmp / "out" / run.info.run_id / "bundle")
    one, small = tmp_path / "one.parquet", tmp_path / "small.parquet"
    assert predict.main(["--model", bundle_dir, "--output", str(one), *SAMPLE_INPUTS]) == 0
    assert predict.main(["--model", bundle_dir, "--output", str(small), "--chunksize", "700",
                         *SAMPLE_INPUTS]) == 0
    a = pd.read_parquet(one).sort_values("account_id").reset_index(drop=True)
    b = pd.read_parquet(small).sort_values("account_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == 3300
    assert (tmp_path / "one.rejects.csv").exists()
    # reasons name features, their values and signed credits toward the decision
    assert a["reasons"].str.match(r"^\w+ [^ ]+( \((low|high)\))? [+-]\d+\.\d\d").mean() > 0.9


def test_predict_with_one_population_per_source_equals_bundle_score(trained, tmp_path):
    """A model trained with ``features.population: source`` counts creation cohorts within each
    input source: predict.py's two passes must give what one in-memory call gives."""
    tmp, client = trained
    run = _parent_run(client)[0]
    bundle = Bundle.load(tmp / "out" / run.info.run_id / "bundle")
    bundle.contract["population"] = "source"
    bundle_dir = bundle.save(tmp_path / "bundle_source")
    out = tmp_path / "scores.parquet"
    assert predict.main(["--model", str(bundle_dir), "--output", str(out), "--chunksize", "300",
                         "--reasons", "none", *SAMPLE_INPUTS]) == 0
    got = pd.read_parquet(out).set_index("account_id")
    accounts = read_files(SAMPLE_INPUTS).accounts
    assert accounts["source"].nunique() == 3
    expected = Bundle.load(bundle_dir).score(accounts, reasons="none").set_index("account_id")
    assert len(got) == len(expected) == 3300
    pd.testing.assert_series_equal(got["bot_probability"],
                                   expected.loc[got.index, "bot_probability"])
    # and the populations differ from one pooled population
    pooled = Bundle.load(tmp / "out" / run.info.run_id / "bundle").score(accounts, reasons="none")
    assert not np.allclose(pooled["bot_probability"].to_numpy(),
                           expected["bot_probability"].to_numpy())


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_interrupted_predict_leaves_no_partial_scores_file(trained, tmp_path, monkeypatch,
                                                           suffix):
    tmp, client = trained
    run = _parent_run(client)[0]
    bundle_dir = str(tmp / "out" / run.info.run_id / "bundle")
    out = tmp_path / f"scores{suffix}"
    calls = {"n": 0}
    real_write = predict.ScoresWriter.write

    def failing(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt  # as if the user pressed Ctrl-C mid-run
        return real_write(self, *args, **kwargs)

    monkeypatch.setattr(predict.ScoresWriter, "write", failing)
    with pytest.raises(KeyboardInterrupt):
        predict.main(["--model", bundle_dir, "--output", str(out), "--chunksize", "100",
                      *SAMPLE_INPUTS])
    assert calls["n"] == 2  # one chunk was written before the interrupt
    assert not out.exists()
    assert not list(tmp_path.glob(f".scores{suffix}.*"))  # the temporary file is gone too
    assert not list(tmp_path.glob(".botsieve-*"))  # and so are the staged row features


def test_killed_study_resumes_with_its_finished_trials(tmp_path):
    storage = f"sqlite:///{tmp_path / 'optuna.db'}"
    cmd = [sys.executable, str(ROOT / "train.py"), "--config",
           str(ROOT / "configs" / "default.yaml"), "--set", "tune.n_trials=40",
           "--set", f"tune.storage={storage}", "--set", "tune.pruner=none",
           "--set", f"tracking.uri=sqlite:///{tmp_path / 'mlflow.db'}",
           "--set", f"output_dir={tmp_path / 'out'}", "--set", "tune.study_name=resume"]
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.time() + 240
        finished = 0
        while time.time() < deadline and finished < 2:
            time.sleep(1)
            try:
                study = optuna.load_study(study_name="resume", storage=storage)
                finished = sum(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials)
            except KeyError:
                continue
        assert finished >= 2, "no trial finished in time"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    study = optuna.load_study(study_name="resume", storage=storage)
    done_before = {t.number: t.params for t in study.trials
                   if t.state == optuna.trial.TrialState.COMPLETE}
    target = len(done_before) + 2
    resumed = subprocess.run([*cmd[:4], "--set", f"tune.n_trials={target}", *cmd[6:]],
                             cwd=tmp_path, capture_output=True, text=True, check=False)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert f"{len(done_before)} finished trials, running 2 more" in resumed.stderr
    study = optuna.load_study(study_name="resume", storage=storage)
    complete = {t.number: t.params for t in study.trials
                if t.state == optuna.trial.TrialState.COMPLETE}
    assert len(complete) == target
    assert all(complete[n] == p for n, p in done_before.items())  # kept, not rerun


def test_holdout_sources_are_scored_by_the_final_model(shared_data, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cresci = shared_data / "cresci-2017"
    code = _train(
        tmp_path, "--set", "tune.n_trials=1",
        "--set", f"sources.3={{name: gen, paths: [{cresci / 'genuine_accounts.csv'}], "
                 "label: 0, role: holdout}",
        "--set", f"sources.4={{name: ts2, paths: [{cresci / 'traditional_spambots_2.csv'}], "
                 "label: 1, role: holdout}")
    assert code == 0
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    run = _parent_run(MlflowClient())[0]
    m = run.data.metrics
    assert 0.0 <= m["holdout_roc_auc"] <= 1.0
    assert 0.0 <= m["holdout_ts2_flagged_share"] <= 1.0
    assert "holdout_gen_mean_probability" in m


def test_predict_reasons_for_flagged_rows_only(trained, tmp_path):
    tmp, client = trained
    run = _parent_run(client)[0]
    bundle_dir = str(tmp / "out" / run.info.run_id / "bundle")
    out = tmp_path / "flagged.csv"
    assert predict.main(["--model", bundle_dir, "--output", str(out), "--reasons", "flagged",
                         "--threshold-precision", "0.5", "--prior", "0.4",
                         *SAMPLE_INPUTS]) == 0
    scores = pd.read_csv(out, keep_default_na=False)
    assert (scores.loc[scores["is_bot"], "reasons"] != "").all()
    assert (scores.loc[~scores["is_bot"], "reasons"] == "").all()
    assert scores["is_bot"].any() and not scores["is_bot"].all()


def test_predict_writes_a_drift_table_and_warns_on_a_shifted_population(trained, tmp_path,
                                                                       caplog):
    tmp, client = trained
    run = _parent_run(client)[0]
    bundle_dir = str(tmp / "out" / run.info.run_id / "bundle")
    same = tmp_path / "same.csv"
    assert predict.main(["--model", bundle_dir, "--output", str(same), "--reasons", "none",
                         *SAMPLE_INPUTS]) == 0
    table = pd.read_csv(tmp_path / "same.drift.csv")
    assert table["psi"].max() < 0.05  # the training population itself: no drift
    caplog.clear()
    shifted = tmp_path / "shifted.csv"
    with caplog.at_level("WARNING"):
        assert predict.main(["--model", bundle_dir, "--output", str(shifted), "--reasons",
                             "none", SAMPLE_INPUTS[2]]) == 0  # the controls alone
    table = pd.read_csv(tmp_path / "shifted.drift.csv")
    assert table["psi"].max() > 0.2
    assert "drift:" in caplog.text and table.loc[0, "feature"] in caplog.text


def test_cohort_report_cli_and_training_artifacts(trained, tmp_path):
    from models import cohort_report

    tmp, client = trained
    run = _parent_run(client)[0]
    cohorts = {a.path for a in client.list_artifacts(run.info.run_id, "cohorts")}
    assert {"cohorts/sample_092026.png", "cohorts/sample_092026.json"} <= cohorts
    bundle_dir = str(tmp / "out" / run.info.run_id / "bundle")
    assert cohort_report.main([SAMPLE_INPUTS[0], "--out", str(tmp_path),
                               "--model", bundle_dir]) == 0
    bursts = pd.read_csv(tmp_path / "cohorts.csv")
    assert (tmp_path / "cohorts.png").stat().st_size > 10_000
    assert len(bursts) >= 1 and bursts["accounts"].sum() >= 300  # the release's spike


def test_predict_skips_repeated_ids_on_disk_and_counts_each_account_once(trained, tmp_path):
    """Ids repeated within a file (across chunks) and across files: the first observation is
    scored, every later one is a reject naming its file and row, and the cohort population
    counts each account once, so the scores equal in-memory scoring of the unique accounts."""
    tmp, client = trained
    bundle_dir = tmp / "out" / _parent_run(client)[0].info.run_id / "bundle"
    acc = read_files(SAMPLE_INPUTS[:1]).accounts.head(650).reset_index(drop=True)
    flat = pd.DataFrame({
        "id": acc["account_id"], "screen_name": acc["screen_name"], "name": acc["name"],
        "description": acc["description"], "followers_count": acc["followers_count"],
        "friends_count": acc["following_count"], "statuses_count": acc["statuses_count"],
        "created_at": acc["created_at"].dt.strftime("%Y-%m-%d %H:%M:%S"),
        "crawled_at": "2026-09-30 00:00:00",
    })
    later = flat.iloc[:40].assign(followers_count=123_456, created_at="2012-01-01 00:00:00")
    a = pd.concat([flat.iloc[:600], later.iloc[:30]], ignore_index=True)  # rows 601-630 repeat
    b = pd.concat([later.iloc[30:], flat.iloc[600:]], ignore_index=True)  # rows 1-10 repeat
    paths = [tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "unique.csv"]
    a.to_csv(paths[0], index=False)
    b.to_csv(paths[1], index=False)
    flat.to_csv(paths[2], index=False)
    out = tmp_path / "scores.csv"
    assert predict.main(["--model", str(bundle_dir), "--output", str(out), "--chunksize", "64",
                         "--reasons", "none", str(paths[0]), str(paths[1])]) == 0
    got = pd.read_csv(out, dtype={"account_id": str})
    unique = read_files([str(paths[2])]).accounts
    expected = Bundle.load(bundle_dir).score(unique, reasons="none")
    assert got["account_id"].tolist() == expected["account_id"].tolist()  # input order
    np.testing.assert_allclose(got["bot_probability"], expected["bot_probability"], rtol=1e-12)
    rejects = pd.read_csv(tmp_path / "scores.rejects.csv")
    assert (rejects["reason"] == "duplicate account observation").all()
    # one chunk gives the same files
    assert predict.main(["--model", str(bundle_dir), "--output", str(tmp_path / "one.csv"),
                         "--chunksize", "100000", "--reasons", "none",
                         str(paths[0]), str(paths[1])]) == 0
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "one.csv", dtype={"account_id": str}),
                                  got)
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "one.rejects.csv"), rejects)
    assert sorted(zip(rejects["file"], rejects["row"], strict=True)) == sorted(
        [(str(paths[0]), r) for r in range(601, 631)]
        + [(str(paths[1]), r) for r in range(1, 11)])


def test_scores_are_the_same_in_a_fresh_process_and_in_any_chunk_size(trained, tmp_path):
    """predict.py run as a program and called in a process where LightGBM already ran (this
    one trained), in chunks of 700 accounts or one chunk, writes the same scores file,
    reasons included."""
    tmp, client = trained
    bundle_dir = str(tmp / "out" / _parent_run(client)[0].info.run_id / "bundle")
    args = ["--model", bundle_dir, "--reasons", "all", *SAMPLE_INPUTS]
    fresh = subprocess.run([sys.executable, str(ROOT / "predict.py"), "--output",
                            str(tmp_path / "fresh.csv"), "--chunksize", "700", *args],
                           capture_output=True, text=True, cwd=ROOT, check=False)
    assert fresh.returncode == 0, fresh.stderr[-3000:]
    assert predict.main(["--output", str(tmp_path / "here.csv"), "--chunksize", "700",
                         *args]) == 0
    assert predict.main(["--output", str(tmp_path / "one.csv"), *args]) == 0
    frames = [pd.read_csv(tmp_path / name, dtype={"account_id": str}, keep_default_na=False)
              for name in ("fresh.csv", "here.csv", "one.csv")]
    assert len(frames[0]) == 3300 and frames[0]["reasons"].str.len().gt(0).all()
    for frame in frames[1:]:
        pd.testing.assert_frame_equal(frames[0], frame)
