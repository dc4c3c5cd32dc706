"""The embedded sample: regenerable byte for byte, readable, and not trivially separable."""

from __future__ import annotations

import hashlib
import subprocess
import sys

from conftest import ROOT

from features.sources import read_files

SAMPLE = ROOT / "sample_data"
FILES = ["release/sample_092026_users_csv_hashed.csv",
         "release/sample_092026_tweets_csv_hashed.csv",
         "release_b/sample_032026_users_csv_hashed.csv",
         "release_b/sample_032026_tweets_csv_hashed.csv",
         "controls/controls_tweets.jsonl"]


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_generator_reproduces_the_committed_files(tmp_path):
    subprocess.run([sys.executable, str(SAMPLE / "generate.py"), "--out", str(tmp_path)],
                   check=True, capture_output=True)
    for name in FILES:
        assert _sha(tmp_path / name) == _sha(SAMPLE / name), name


def test_sample_reads_without_rejects():
    res = read_files([str(SAMPLE / "release"), str(SAMPLE / "controls")])
    assert res.format == "io_archive+api_v1"
    assert len(res.accounts) == 2900 and res.rejects.empty
    assert len(res.posts) == 15484 + 10043
    assert res.accounts["observed_at"].notna().all()
    assert res.accounts.groupby("source_format")["ids_hashed"].mean().to_dict() == {
        "api_v1": 0.0, "io_archive": 897 / 900}


def test_two_releases_in_one_read_keep_their_own_group_and_observation_time():
    res = read_files([str(SAMPLE / "release"), str(SAMPLE / "release_b")])
    acc = res.accounts
    assert acc["group"].value_counts().to_dict() == {"sample_092026": 900, "sample_032026": 400}
    observed = acc.groupby("group")["observed_at"].unique().to_dict()
    assert [str(t) for t in observed["sample_092026"]] == ["2026-07-20 04:15:00+00:00"]
    assert [str(t) for t in observed["sample_032026"]] == ["2026-03-17 20:06:00+00:00"]
    assert acc["ids_hashed"].sum() == 1297  # three amplifiers with 5,000+ followers are not
