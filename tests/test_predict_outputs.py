"""predict.py's outputs: never over an input, landed together or not at all, one run at a time,
nothing left behind by a run that was stopped or killed (models/outputs.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT

import predict
from features.sources import read_files
from models.drift import DriftMonitor
from models.outputs import Outputs, clear_stale

SAMPLE_INPUTS = [str(ROOT / "sample_data" / d) for d in ("release", "release_b", "controls")]


@pytest.fixture(scope="module")
def model(sample_bundle) -> str:
    return sample_bundle


def flat_csv(path: Path, n: int, seed: int = 0) -> Path:
    """``n`` accounts in the flat v1.1 CSV layout."""
    rng = np.random.default_rng(seed)
    created = pd.Timestamp("2012-01-01", tz="UTC") + pd.to_timedelta(
        rng.integers(0, 3000 * 86400, n), unit="s")
    pd.DataFrame({
        "id": np.arange(n) + 10_000_000, "screen_name": [f"user{i}" for i in range(n)],
        "followers_count": rng.integers(0, 5000, n), "friends_count": rng.integers(0, 3000, n),
        "statuses_count": rng.integers(0, 20000, n),
        "created_at": created.strftime("%a %b %d %H:%M:%S +0000 %Y"),
        "crawled_at": "2021-01-01 00:00:00"}).to_csv(path, index=False)
    return path


def score(model: str, out: Path, *inputs: str, extra: tuple[str, ...] = ()) -> int:
    return predict.main(["--model", model, "--output", str(out), "--reasons", "none",
                         *extra, *inputs])


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_an_output_that_is_an_input_is_refused_and_the_input_kept(model, tmp_path, capsys):
    data = flat_csv(tmp_path / "x.csv", 50)
    before = data.read_bytes()
    assert score(model, data, str(data)) == 2
    assert "is the input" in capsys.readouterr().err
    # the rejects of --output scores.csv would be written over an input of that name
    named = flat_csv(tmp_path / "scores.rejects.csv", 50)
    named_before = named.read_bytes()
    assert score(model, tmp_path / "scores.csv", str(named)) == 2
    err = capsys.readouterr().err
    assert "rejects file of --output" in err and "scores.rejects.csv" in err
    assert data.read_bytes() == before and named.read_bytes() == named_before
    assert not (tmp_path / "scores.csv").exists() and leftovers(tmp_path) == []


def test_a_failure_after_the_rejects_leaves_the_previous_set_untouched(model, tmp_path,
                                                                         monkeypatch):
    out = tmp_path / "scores.csv"
    assert score(model, out, *SAMPLE_INPUTS) == 0
    files = {p: p.read_bytes() for p in (out, tmp_path / "scores.rejects.csv",
                                         tmp_path / "scores.drift.csv")}
    (tmp_path / "in").mkdir()
    other = flat_csv(tmp_path / "in" / "other.csv", 200)
    with other.open("a") as f:  # a reject: the new rejects file differs from the old one
        f.write("99,bad,-5,10,3,Tue Jun 11 11:20:35 +0000 2013,2021-01-01 00:00:00\n")

    def broken(self):
        raise ValueError("drift table failed")

    monkeypatch.setattr(DriftMonitor, "table", broken)  # after every score and reject
    assert score(model, out, str(other)) == 2
    for path, content in files.items():
        assert path.read_bytes() == content, path
    assert leftovers(tmp_path) == []


def test_an_old_drift_table_is_removed_when_the_new_run_has_none(model, tmp_path):
    out = tmp_path / "scores.csv"
    assert score(model, out, *SAMPLE_INPUTS) == 0
    assert (tmp_path / "scores.drift.csv").exists()
    from models.bundle import Bundle

    bundle = Bundle.load(model)
    bundle.contract.pop("drift_reference")
    plain = str(bundle.save(tmp_path / "no_drift"))
    assert score(plain, out, *SAMPLE_INPUTS) == 0
    assert not (tmp_path / "scores.drift.csv").exists()
    assert (tmp_path / "scores.rejects.csv").exists()


def test_a_second_run_on_the_same_output_is_refused(model, tmp_path, capsys):
    out = tmp_path / "scores.csv"
    with Outputs(out, []):  # as if another run were writing it
        assert score(model, out, *SAMPLE_INPUTS) == 2
    assert "another botsieve run" in capsys.readouterr().err
    assert not out.exists()
    assert score(model, out, *SAMPLE_INPUTS) == 0  # the lock is gone with the run
    assert leftovers(tmp_path) == []


def test_an_output_or_tmp_dir_under_a_regular_file_is_a_named_error(model, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert score(model, blocker / "scores.csv", *SAMPLE_INPUTS) == 2
    assert f"{blocker}" in capsys.readouterr().err
    assert score(model, tmp_path / "scores.csv", *SAMPLE_INPUTS,
                 extra=("--tmp-dir", str(blocker / "tmp"))) == 2
    assert "--tmp-dir" in capsys.readouterr().err
    assert not (tmp_path / "scores.csv").exists()


def test_stale_files_of_a_dead_run_are_cleared_and_a_live_runs_kept(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale_dir = tmp_path / f".botsieve-{dead.pid}-abc"
    stale_dir.mkdir()
    (stale_dir / "staged.arrow").write_bytes(b"x" * 100)
    stale_file = tmp_path / f".scores.csv.botsieve-{dead.pid}-xyz.tmp"
    stale_file.write_text("partial")
    live = tmp_path / f".botsieve-{os.getppid()}-abc"  # (pytest's parent: alive)
    live.mkdir()
    user = tmp_path / ".botsieve-notes"  # not a run's (no process id): never touched
    user.write_text("mine")
    assert sorted(p.name for p in clear_stale(tmp_path)) == sorted([stale_dir.name,
                                                                     stale_file.name])
    assert live.exists() and user.exists() and not stale_dir.exists()


def _run_until_staging(model: str, out: Path, data: Path) -> subprocess.Popen:
    """predict.py in a process of its own, stopped once it stages rows."""
    env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true"}
    proc = subprocess.Popen([sys.executable, str(ROOT / "predict.py"), "--model", model,
                             "--output", str(out), "--chunksize", "20000",
                             "--reasons", "all", str(data)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        staged = list(out.parent.glob(".botsieve-*/staged.arrow"))
        if staged and staged[0].stat().st_size > 0:
            break
        time.sleep(0.05)
    assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
    return proc


@pytest.fixture(scope="module")
def big_input(tmp_path_factory) -> Path:
    return flat_csv(tmp_path_factory.mktemp("big") / "accounts.csv", 300_000)


def test_sigterm_mid_run_leaves_nothing(model, tmp_path, big_input):
    out = tmp_path / "scores.csv"
    proc = _run_until_staging(model, out, big_input)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(60) == 128 + signal.SIGTERM
    assert leftovers(tmp_path) == [] and not out.exists()


def test_sigkill_mid_run_the_next_run_clears_its_files(model, tmp_path, big_input):
    out = tmp_path / "scores.csv"
    proc = _run_until_staging(model, out, big_input)
    proc.send_signal(signal.SIGKILL)
    proc.wait(60)
    assert any(name.startswith(".botsieve-") for name in leftovers(tmp_path))
    assert not out.exists()
    assert score(model, out, *SAMPLE_INPUTS) == 0
    assert leftovers(tmp_path) == []


def test_scores_carry_the_raw_score_and_probabilities_to_four_significant_digits(model,
                                                                                   tmp_path):
    out = tmp_path / "scores.csv"
    assert score(model, out, *SAMPLE_INPUTS) == 0
    scores = pd.read_csv(out, dtype={"account_id": str})
    assert scores.columns.tolist() == predict.OUTPUT_COLUMNS
    from models.bundle import Bundle, significant

    bundle = Bundle.load(model)
    accounts = read_files(SAMPLE_INPUTS).accounts
    raw = pd.Series(bundle.booster.predict(bundle.features_of(accounts)),
                    index=accounts["account_id"].to_numpy())
    np.testing.assert_allclose(scores["raw_score"], raw.loc[scores["account_id"]], rtol=1e-12)
    prob = scores["bot_probability"].to_numpy()
    np.testing.assert_array_equal(prob, significant(prob, 4))
    # the raw score orders a review queue where the calibrated probability ties
    assert scores["raw_score"].nunique() > scores["bot_probability"].nunique()


def test_without_a_real_model_the_default_says_what_to_train(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # an empty store: no model registered
    out = tmp_path / "scores.csv"
    assert predict.main(["--output", str(out), "--tracking-uri",
                         f"sqlite:///{tmp_path / 'mlflow.db'}", *SAMPLE_INPUTS]) == 2
    err = capsys.readouterr().err
    assert "models:/botsieve@champion" in err and "train.py --config configs/real.yaml" in err
    assert not out.exists()


def test_the_scores_say_what_they_were_scored_with(model, tmp_path, caplog):
    import json
    import logging

    import pyarrow.parquet as pq

    from models.bundle import Bundle

    out = tmp_path / "scores.parquet"
    with caplog.at_level(logging.INFO, logger="botsieve.predict"):
        assert score(model, out, *SAMPLE_INPUTS, extra=("--reasons", "flagged",
                                                        "--prior", "0.3")) == 0
    bundle = Bundle.load(model)
    meta = json.loads((tmp_path / "scores.meta.json").read_text(encoding="utf-8"))
    assert meta["model_version"] == bundle.contract["model_version"] == "test"
    assert meta["model_sha256"] == bundle.contract["model_sha256"]
    assert meta["prior"] == 0.3 and meta["target_precision"] == bundle.default_precision
    assert meta["decision_threshold_raw_score"] == bundle.threshold(None, 0.3)
    assert meta["accounts_scored"] == len(pd.read_parquet(out)) == 3300
    assert meta["flagged"] == int(pd.read_parquet(out)["is_bot"].sum()) and meta["rejected"] == 0
    assert meta["reasons"] == "flagged" and "log-odds of the raw" in meta["reasons_unit"]
    in_file = json.loads(pq.read_schema(out).metadata[b"botsieve"])
    assert in_file["decision_threshold_raw_score"] == meta["decision_threshold_raw_score"]
    assert in_file["model_version"] == "test"
    # pass 2 reports its share done and the time left; reasons are announced up front
    lines = [r.getMessage() for r in caplog.records]
    assert any("pass 2/2 (scoring): 3300 of 3300 accounts (100%" in m for m in lines), lines
    assert any(m.startswith("reasons (paths, for flagged rows)") for m in lines)
    # the metadata is one of the run's files: never over an input
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    taken = inputs / "scores.meta.json"
    taken.write_text("{}", encoding="utf-8")
    assert score(model, inputs / "scores.csv", str(taken)) == 2
    assert taken.read_text(encoding="utf-8") == "{}"


def test_kept_columns_pass_through_beside_the_scores(model, tmp_path, capsys):
    data = flat_csv(tmp_path / "x.csv", 300)
    out = tmp_path / "scores.csv"
    keep = "screen_name,source,group,file,row"
    for chunksize in ("500", "200000"):
        assert score(model, out, str(data), *SAMPLE_INPUTS,
                     extra=("--keep", keep, "--chunksize", chunksize)) == 0
        scores = pd.read_csv(out, dtype=str, keep_default_na=False)
        assert scores.columns.tolist() == predict.OUTPUT_COLUMNS + keep.split(",")
        mine = scores[scores["file"] == str(data)].set_index("account_id")
        assert len(mine) == 300
        src = pd.read_csv(data, dtype=str).set_index("id")
        assert (mine["screen_name"] == src.loc[mine.index, "screen_name"]).all()
        # row: the 1-based data row of the account in its file
        assert (mine["row"].astype(int) == src.index.get_indexer(mine.index) + 1).all()
        assert set(mine["group"]) == {"x"}
        # IO releases: users files named; accounts known only from tweets have no file
        io = scores[scores["file"].str.contains("users_csv")]
        assert len(io) > 1000 and (io["row"] != "").all()
        assert set(scores["source"]) >= {"sample_092026", "sample_032026"}
    # Parquet: a kept column missing in a whole frame keeps its type (the IO release comes
    # first: no verified flag); created_at as read, not as the model rounded it to the day
    pq_out = tmp_path / "scores.parquet"
    assert score(model, pq_out, *SAMPLE_INPUTS, str(data),
                 extra=("--keep", "verified,created_at", "--chunksize", "500")) == 0
    kept = pd.read_parquet(pq_out).set_index("account_id")
    assert kept["verified"].isna().sum() > 1000 and kept["verified"].notna().any()
    src = pd.read_csv(data, dtype=str).set_index("id")
    created = pd.to_datetime(src["created_at"], format="%a %b %d %H:%M:%S %z %Y", utc=True)
    assert (kept.loc[created.index, "created_at"] == created).all()
    # unknown columns are refused before reading
    with pytest.raises(SystemExit):
        score(model, out, str(data), extra=("--keep", "screen_name,password"))
    assert "unknown column(s) ['password']" in capsys.readouterr().err
