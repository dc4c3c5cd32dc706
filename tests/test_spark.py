"""The Spark scoring path (spark_predict.py) gives predict.py's scores and rejects.

One local Spark session (2 cores) serves the module: its start-up is paid once. Each test scores
the same files with both scorers and compares every row: probabilities and raw scores to 1e-9,
decisions and reasons exactly, the rejects as sets of (file, row, column, reason).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import predict
from features.schema import DUPLICATE_REASON
from tests.conftest import ROOT

pyspark = pytest.importorskip("pyspark", reason="pyspark is installed by make (the spark extra)")
if shutil.which("java") is None:
    pytest.skip("no java on PATH: Spark needs Java 17", allow_module_level=True)

import spark_predict  # noqa: E402

SAMPLE = [str(ROOT / "sample_data" / d) for d in ("release", "release_b", "controls")]
#: the model's cadence features, forced in so that the posts step is compared too
CADENCE = ["posts_per_active_day", "hour_entropy_bits", "gap_median_s", "retweet_share",
           "distinct_clients", "active_span_days"]


@pytest.fixture(scope="module")
def spark():
    import os
    import sys

    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    session = (SparkSession.builder.master("local[2]").appName("botsieve-tests")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.shuffle.partitions", "4").getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def cadence_bundle(tmp_path_factory) -> str:
    """The sample's model with cadence features and one cohort population per source."""
    from models.config import load_config
    from models.dataset import load_dataset, select_features
    from models.fit import fit_bundle
    from models.generalisation import default_params, evaluate

    config = load_config(ROOT / "configs" / "default.yaml", [
        "features.population=source", f"features.force_include=[{','.join(CADENCE)}]"])
    data = load_dataset(config)
    params = default_params(config)
    ev = evaluate(data, config, params, grouped=False, random=False)
    names = select_features(data, config.features).names
    assert set(CADENCE) <= set(names)
    bundle = fit_bundle(data, config, names, params, ev, model_version="cadence", training={})
    assert bundle.population == "source"
    return str(bundle.save(tmp_path_factory.mktemp("cadence") / "bundle"))


def score_both(spark, model: str, inputs: list[str], tmp: Path, *extra: str):
    """(predict.py's scores, Spark's scores, predict.py's rejects, Spark's rejects)."""
    assert predict.main(["--model", model, "--output", str(tmp / "p.csv"), *inputs, *extra]) == 0
    assert spark_predict.main(["--model", model, "--output", str(tmp / "s.parquet"),
                               *inputs, *extra]) == 0
    mine = pd.read_csv(tmp / "p.csv", dtype={"account_id": str, "reasons": str},
                       keep_default_na=False)
    theirs = pd.read_parquet(tmp / "s.parquet")
    rej_p = pd.read_csv(tmp / "p.rejects.csv", dtype=str, keep_default_na=False)
    rej_s = pd.read_parquet(tmp / "s.rejects.parquet").astype(str).replace("<NA>", "")
    return mine, theirs, rej_p, rej_s


def assert_same(mine: pd.DataFrame, theirs: pd.DataFrame, rej_p: pd.DataFrame,
                rej_s: pd.DataFrame) -> None:
    assert len(mine) == len(theirs) and mine["account_id"].is_unique
    both = mine.merge(theirs, on="account_id", suffixes=("_p", "_s"), validate="1:1")
    assert len(both) == len(mine)
    for col in ("bot_probability", "raw_score"):
        np.testing.assert_allclose(both[f"{col}_s"], both[f"{col}_p"], rtol=0, atol=1e-9)
    assert (both["is_bot_s"] == both["is_bot_p"].astype(bool)).all()
    assert (both["reasons_s"].fillna("") == both["reasons_p"]).all()
    assert (both["model_version_s"] == both["model_version_p"].astype(str)).all()
    key = ["file", "row", "column", "reason"]
    assert sorted(map(tuple, rej_s[key].to_numpy())) == sorted(map(tuple, rej_p[key].to_numpy()))


def test_the_sample_scores_the_same_on_spark(spark, sample_bundle, tmp_path, capsys):
    keep = "screen_name,source,file,row,created_at"
    mine, theirs, rej_p, rej_s = score_both(spark, sample_bundle, SAMPLE, tmp_path,
                                            "--keep", keep)
    assert len(mine) == 3300
    assert_same(mine, theirs, rej_p, rej_s)
    # the list's creation bursts, from the same day counts
    bursts = [ln for ln in capsys.readouterr().out.splitlines()
              if ln.startswith("creation bursts:")]
    assert len(bursts) == 2 and bursts[0] == bursts[1] and "758 accounts" in bursts[0]
    both = mine.merge(theirs, on="account_id", suffixes=("_p", "_s"))
    for col in keep.split(","):
        spark_side = both[f"{col}_s"]
        if col == "created_at":  # (a timestamp in Parquet, its text in the CSV)
            spark_side = spark_side.map(lambda t: t.isoformat(sep=" "))
        elif col == "row":  # (a number in Parquet, with gaps for tweet-only accounts)
            spark_side = spark_side.astype("Int64")
        assert (spark_side.astype("string").fillna("")
                == both[f"{col}_p"].astype("string")).all(), col
    import json

    meta_p = json.loads((tmp_path / "p.meta.json").read_text(encoding="utf-8"))
    meta_s = json.loads((tmp_path / "s.meta.json").read_text(encoding="utf-8"))
    for key in ("model_version", "decision_threshold_raw_score", "prior", "accounts_scored",
                "flagged", "rejected"):
        assert meta_s[key] == meta_p[key], key
    # the drift check: the same bin counts, added up from the tasks
    drift_p = pd.read_csv(tmp_path / "p.drift.csv").set_index("feature").sort_index()
    drift_s = pd.read_csv(tmp_path / "s.drift.csv").set_index("feature").sort_index()
    pd.testing.assert_frame_equal(drift_s, drift_p, rtol=0, atol=1e-9)


def test_cadence_and_per_source_cohorts_score_the_same_on_spark(spark, cadence_bundle,
                                                                tmp_path):
    mine, theirs, rej_p, rej_s = score_both(spark, cadence_bundle, SAMPLE, tmp_path,
                                            "--reasons", "flagged")
    assert_same(mine, theirs, rej_p, rej_s)
    # the posts given as files (each read by its own task) instead of found by the readers
    users = [str(p) for d in SAMPLE[:2] for p in sorted(Path(d).glob("*users*"))]
    tweets = [str(p) for d in SAMPLE[:2] for p in sorted(Path(d).glob("*tweets*"))]
    (tmp_path / "posts").mkdir()
    mine, theirs, rej_p, rej_s = score_both(spark, cadence_bundle, users, tmp_path / "posts",
                                            "--posts", *tweets)
    assert mine["reasons"].str.contains("posts_per_active_day|hour_entropy|gap_median|"
                                         "retweet_share|distinct_clients|active_span").any()
    assert_same(mine, theirs, rej_p, rej_s)


def test_a_source_without_creation_dates_scores_the_same_per_source(spark, cadence_bundle,
                                                                     tmp_path):
    """A model with one cohort population per source, and a source whose accounts have no
    creation time: its population is empty (predict.py's), not missing."""
    nodate = tmp_path / "nodate"
    nodate.mkdir()
    pd.DataFrame({"id": [f"nodate-{i}" for i in range(40)], "screen_name": "x",
                  "followers_count": range(40), "friends_count": 3,
                  "crawled_at": "2021-01-01 00:00:00"}).to_csv(nodate / "users.csv",
                                                                index=False)
    (tmp_path / "out").mkdir()
    mine, theirs, rej_p, rej_s = score_both(spark, cadence_bundle,
                                            [SAMPLE[0], str(nodate / "users.csv")],
                                            tmp_path / "out")
    assert (mine["account_id"].str.startswith("nodate-")).sum() == 40
    assert_same(mine, theirs, rej_p, rej_s)


@pytest.mark.real_data
def test_a_real_release_and_cresci_accounts_with_duplicates_and_bad_rows(
        spark, shared_data, cadence_bundle, tmp_path):
    """An IO release (users and tweets), IRA accounts known only from their tweets, cresci-2017
    accounts, and a file that repeats some of them and holds rows the reader rejects."""
    genuine = shared_data / "cresci-2017" / "genuine_accounts.csv"
    head = pd.read_csv(genuine, dtype=str, keep_default_na=False, nrows=300)
    again = tmp_path / "again"
    again.mkdir()
    bad = head.iloc[:40].copy()
    bad.loc[bad.index[:3], "followers_count"] = ["-5", "many", ""]
    bad.loc[bad.index[3], "created_at"] = "Tue Jun 11 11:20:35 +0000 2099"
    pd.concat([head.iloc[100:200], bad]).to_csv(again / "genuine_again.csv", index=False)
    inputs = [str(shared_data / "io-thailand-092020"),
              str(shared_data / "io-ira-official-format-sample"), str(genuine),
              str(again / "genuine_again.csv")]
    out = tmp_path / "out"
    out.mkdir()
    mine, theirs, rej_p, rej_s = score_both(spark, cadence_bundle, inputs, out)
    assert (rej_p["reason"] == DUPLICATE_REASON).sum() == 136  # 100 + 36 good rows
    assert len(rej_p) == 140 and len(mine) > 3000
    assert_same(mine, theirs, rej_p, rej_s)


def test_a_readers_named_error_stops_the_run(spark, sample_bundle, tmp_path, capsys):
    broken = tmp_path / "broken.csv"
    broken.write_text("id,screen_name,followers_count\n1,a,3\n", encoding="utf-8")
    code = spark_predict.main(["--model", sample_bundle, "--format", "flat_csv", "--output",
                               str(tmp_path / "s.parquet"), str(broken)])
    assert code == 2
    err = capsys.readouterr().err
    assert str(broken) in err and "friends_count" in err
    assert not (tmp_path / "s.parquet").exists()


def test_an_output_that_is_an_input_is_refused(sample_bundle, tmp_path, capsys):
    data = tmp_path / "scores.parquet"
    pd.DataFrame({"id": ["1"], "screen_name": ["a"], "followers_count": ["1"],
                  "friends_count": ["2"]}).to_parquet(data)
    code = spark_predict.main(["--model", sample_bundle, "--output", str(data), "--format",
                               "mapped", "--mapping", str(ROOT / "configs" / "mappings" /
                                                          "caverlee-2011.yaml"), str(data)])
    assert code == 2 and "inputs are never written" in capsys.readouterr().err


def test_a_spark_table_of_canonical_accounts_scores_as_its_files_do(spark, sample_bundle,
                                                                   tmp_path, capsys):
    from features.sources import read_files

    accounts = read_files(SAMPLE).accounts
    bad = accounts.iloc[:2].copy()
    bad["account_id"] = ["negative-1", "negative-2"]
    bad["followers_count"] = pd.array([-5, -7], dtype="Int64")
    pd.concat([accounts, bad], ignore_index=True).to_parquet(tmp_path / "accounts.parquet")
    spark.read.parquet(str(tmp_path / "accounts.parquet")).createOrReplaceTempView("sample_acc")
    assert predict.main(["--model", sample_bundle, "--output", str(tmp_path / "p.csv"),
                         *SAMPLE]) == 0
    assert spark_predict.main(["--model", sample_bundle, "--output",
                               str(tmp_path / "t.parquet"), "--table", "sample_acc"]) == 0
    mine = pd.read_csv(tmp_path / "p.csv", dtype={"account_id": str, "reasons": str},
                       keep_default_na=False)
    theirs = pd.read_parquet(tmp_path / "t.parquet")
    rejects = pd.read_parquet(tmp_path / "t.rejects.parquet")
    assert sorted(rejects["reason"]) == ["negative count -5", "negative count -7"]
    assert set(rejects["file"]) == {"table:sample_acc"} and set(rejects["column"]) == {
        "followers_count"}
    assert_same(mine, theirs, rejects.iloc[:0], rejects.iloc[:0])
    # a canonical column of another type is a named error, before any row is read
    spark.sql("SELECT CAST(account_id AS STRING) AS account_id, 'many' AS followers_count "
              "FROM sample_acc").createOrReplaceTempView("wrong_types")
    code = spark_predict.main(["--model", sample_bundle, "--output",
                               str(tmp_path / "w.parquet"), "--table", "wrong_types"])
    assert code == 2
    assert "column followers_count is STRING, expected BIGINT" in capsys.readouterr().err


def test_a_failing_spark_job_exits_2_and_leaves_nothing(spark, sample_bundle, tmp_path,
                                                        capsys):
    """A task that fails on an executor (here a view whose cast fails as its rows are read,
    Spark's ANSI mode) ends the run with a one-line error, and no hidden output is left."""
    spark.sql("SELECT 'a' AS account_id, CAST(CASE WHEN rand() >= 0 THEN 'x' END AS BIGINT) "
              "AS followers_count, 1L AS following_count").createOrReplaceTempView("breaks")
    old = spark.conf.get("spark.sql.ansi.enabled")
    spark.conf.set("spark.sql.ansi.enabled", "true")
    try:
        code = spark_predict.main(["--model", sample_bundle, "--output",
                                   str(tmp_path / "s.parquet"), "--table", "breaks"])
    finally:
        spark.conf.set("spark.sql.ansi.enabled", old)
    assert code == 2
    err = capsys.readouterr().err
    assert "error: the Spark job failed:" in err and len(err.splitlines()) < 5
    assert sorted(p.name for p in tmp_path.iterdir()) == []
