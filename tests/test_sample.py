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
