"""Readers on the real datasets in ../shared/data (skipped with a reason where absent)."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import read_deferred

from features.sources import ReadOptions, read_files

CRESCI_FILES = {
    "genuine_accounts": (0, 3474),
    "social_spambots_1": (1, 991),
    "social_spambots_2": (1, 3457),
    "social_spambots_3": (1, 464),
    "traditional_spambots_1": (1, 1000),
    "traditional_spambots_2": (1, 100),
    "traditional_spambots_3": (1, 403),
    "traditional_spambots_4": (1, 1128),
    "fake_followers": (1, 3351),
}


def test_cresci_2017_all_nine_files(shared_data):
    parts = []
    for name, (label, n) in CRESCI_FILES.items():
        res = read_files([str(shared_data / "cresci-2017" / f"{name}.csv")],
                         options=ReadOptions(label=label, source="cresci-2017"))
        assert res.format == "flat_csv"
        assert res.rejects.empty, res.rejects.head()
        assert len(res.accounts) == n
        assert (res.accounts["group"] == name).all()
        assert (res.accounts["label"] == label).all()
        parts.append(res.accounts)
    acc = pd.concat(parts, ignore_index=True)
    assert len(acc) == 14368
    assert acc["created_at"].notna().all() and acc["observed_at"].notna().all()
    # traditional_spambots_1 writes created_at as epoch ms with a trailing L
    ts1 = acc[acc["group"] == "traditional_spambots_1"].set_index("account_id")
    assert ts1.loc["7248952", "created_at"] == pd.Timestamp(1183552203000, unit="ms", tz="UTC")
    # its flags are NULL: missing, not False
    assert ts1["default_profile"].isna().all()
    # fake_followers has no crawled_at: observed_at comes from `updated`
    ff = acc[acc["group"] == "fake_followers"]
    assert ff["observed_at"].notna().all()
    assert ff.set_index("account_id").loc["80479674", "observed_at"] == pd.Timestamp(
        "2013-06-12 18:38:35", tz="UTC")
    # account age is measured to observation, so it is never negative
    assert (acc["observed_at"] >= acc["created_at"]).all()


def test_thailand_release(shared_data):
    res = read_files([str(shared_data / "io-thailand-092020")])
    assert res.format == "io_archive"
    assert len(res.accounts) == 926
    assert len(res.posts) == 21385
    assert res.rejects.empty
    assert res.accounts["ids_hashed"].all()
    assert res.accounts["created_at_day_only"].all()
    assert res.posts["account_id"].nunique() == 455
    assert (res.accounts["source"] == "thailand_092020").all()
    assert (res.accounts["observed_at"] == pd.Timestamp("2020-07-20 16:45", tz="UTC")).all()


def test_rna_0621_release_all_tweet_files(shared_data):
    files = sorted((shared_data / "io-rna-0621").glob("RNA_0621_tweets_csv_hashed_*.csv"))
    assert len(files) == 6
    res = read_files([str(shared_data / "io-rna-0621")])
    assert len(res.accounts) == 50
    assert len(res.posts) == 4646
    # per-year files: 18 + 1 + 0 (the 2016 file holds only its header) + 5 + 13 + 4,609
    years = res.posts["created_at"].dt.year.value_counts().sort_index().to_dict()
    assert years == {2014: 18, 2015: 1, 2017: 5, 2018: 13, 2019: 4609}
    assert res.accounts["source"].iloc[0] == "RNA_0621"
    assert res.rejects.empty


def test_ira_2018_layout_sample(shared_data):
    res = read_files([str(shared_data / "io-ira-official-format-sample")])
    assert len(res.posts) == 407
    assert len(res.accounts) == 86
    assert res.rejects.empty
    # unhashed accounts (5,000+ followers) keep their names
    named = res.accounts[~res.accounts["ids_hashed"]]
    assert len(named) >= 1 and named["screen_name"].notna().all()


def test_twibot_20_sample(shared_data):
    res = read_files([str(shared_data / "twibot-20-sample")],
                     options=ReadOptions(observed_at="2020-09-01"))
    assert res.format == "twibot"
    assert len(res.accounts) == 100
    assert res.posts["account_id"].nunique() <= 100
    assert len(res.posts) == 17372
    assert res.accounts["label"].isna().all()  # the public sample has no labels
    assert res.rejects.empty


def test_real_files_chunked_equal_whole(shared_data):
    paths = [str(shared_data / "io-thailand-092020")]
    whole = read_files(paths)
    chunked = read_files(paths, options=ReadOptions(chunksize=997))
    key = ["account_id"]
    pd.testing.assert_frame_equal(
        whole.accounts.sort_values(key).reset_index(drop=True),
        chunked.accounts.sort_values(key).reset_index(drop=True),
    )
    assert len(chunked.posts) == len(whole.posts)


@pytest.mark.parametrize("name", ["social_spambots_1", "traditional_spambots_1"])
def test_cresci_chunked_equal_whole(shared_data, name):
    path = [str(shared_data / "cresci-2017" / f"{name}.csv")]
    whole = read_files(path)
    chunked = read_files(path, options=ReadOptions(chunksize=37))
    pd.testing.assert_frame_equal(whole.accounts, chunked.accounts)


def test_cresci_files_read_by_worker_processes_equal_one_process(shared_data, monkeypatch):
    """Real exports (quoted descriptions with commas, line breaks and quotes) cut into
    byte ranges for worker processes give what reading in one process gives."""
    from features.sources import common

    monkeypatch.setattr(common, "RANGE_MIN_BYTES", 1 << 18)  # several pieces per file
    for name in ("genuine_accounts", "fake_followers", "social_spambots_1"):
        path = str(shared_data / "cresci-2017" / f"{name}.csv")
        assert len(common.record_ranges(path, 1 << 18)) >= 3
        here = read_deferred(path, None, chunksize=1000)
        with common.ProcessMapper(2) as mapper:
            there = read_deferred(path, mapper, chunksize=1000)
        for a, b in zip(here, there, strict=True):
            (pd.testing.assert_series_equal if isinstance(a, pd.Series) else
             pd.testing.assert_frame_equal)(a, b)

