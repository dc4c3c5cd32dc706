"""Readers on the real datasets in ../shared/data (skipped with a reason where absent)."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import ROOT, read_streamed

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
    res = read_files([str(shared_data / "io-rna-0621")],
                     options=ReadOptions(observed_at="2021-06-30"))  # the takedown month
    assert len(res.accounts) == 50
    assert len(res.posts) == 4646
    # per-year files: 18 + 1 + 0 (the 2016 file holds only its header) + 5 + 13 + 4,609
    years = res.posts["created_at"].dt.year.value_counts().sort_index().to_dict()
    assert years == {2014: 18, 2015: 1, 2017: 5, 2018: 13, 2019: 4609}
    assert res.accounts["source"].iloc[0] == "RNA_0621"
    assert res.rejects.empty


def test_rna_0621_without_its_2020_tweets_rejects_accounts_created_after_the_last_tweet(
        shared_data):
    """The 2020 tweets file is missing, so the release's last tweet (2019-12-31) predates 14
    accounts created in 2020: each is a reject with the reason, never a negative age."""
    res = read_files([str(shared_data / "io-rna-0621")])
    assert len(res.accounts) == 36 and len(res.rejects) == 14
    assert (res.rejects["column"] == "account_creation_date").all()
    assert res.rejects["reason"].str.match(
        r"created_at 2020-\d\d-\d\d is after observed_at 2019-12-31 \(negative account age\)"
    ).all()


def test_caverlee_2011_headerless_tsv_through_its_mapping(shared_data):
    mapping = str(ROOT / "configs" / "mappings" / "caverlee-2011.yaml")
    counts = {"content_polluters": 22223, "legitimate_users": 19276}
    parts = {}
    for name, n in counts.items():
        res = read_files([str(shared_data / "caverlee-2011" / f"{name}.txt")], fmt="mapped",
                         options=ReadOptions(mapping=mapping))
        assert res.rejects.empty, res.rejects.head()
        assert len(res.accounts) == n
        parts[name] = res.accounts
    legit = parts["legitimate_users"]
    # every legitimate user was collected in November 2009 (the collection-date confound)
    assert legit["observed_at"].min() >= pd.Timestamp("2009-11-01", tz="UTC")
    assert legit["observed_at"].max() < pd.Timestamp("2009-12-01", tz="UTC")
    assert legit["screen_name_length"].notna().all() and legit["screen_name"].isna().all()
    both = set(parts["content_polluters"]["account_id"]) & set(legit["account_id"])
    assert len(both) == 44  # listed as both: the training table leaves them out


def test_cresci_stock_2018_derived_fields_and_labels_agree_with_the_label_file(shared_data):
    folder = shared_data / "cresci-stock-2018-derived"
    res = read_files([str(folder / "user_based_classification.csv")], options=ReadOptions(
        mapping=str(ROOT / "configs" / "mappings" / "cresci-stock-2018.yaml")))
    acc = res.accounts.set_index("account_id")
    assert len(acc) == 10470 and res.rejects.empty
    assert acc["label"].value_counts().to_dict() == {1: 5363, 0: 5107}
    assert acc["created_at"].isna().all() and acc["account_age_days"].between(1, 4699).all()
    tsv = pd.read_csv(folder / "cresci-stock-2018.tsv", sep="\t", header=None,
                      names=["id", "kind"], dtype=str).drop_duplicates("id").set_index("id")
    assert (tsv.loc[acc.index, "kind"].map({"bot": 1, "human": 0}) == acc["label"]).all()


def test_iran_201810_users_file(shared_data):
    res = read_files([str(shared_data / "twitter-io-iran-201810")],
                     options=ReadOptions(observed_at="2018-08-31"))
    assert len(res.accounts) == 770 and res.rejects.empty
    assert int(res.accounts["ids_hashed"].sum()) == 728
    assert res.accounts["statuses_count"].isna().all()  # the IO schema has none


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


def test_cresci_files_read_as_predict_reads_them_the_same_in_any_chunk_size(shared_data):
    """Real exports (quoted descriptions with commas, line breaks and quotes) read with the
    duplicate check left to the caller give the same accounts, rows and rejects in chunks of
    1,000 rows as whole."""
    for name in ("genuine_accounts", "fake_followers", "social_spambots_1"):
        path = str(shared_data / "cresci-2017" / f"{name}.csv")
        small = read_streamed(path, chunksize=1000)
        whole = read_streamed(path, chunksize=1_000_000)
        for a, b in zip(small, whole, strict=True):
            (pd.testing.assert_series_equal if isinstance(a, pd.Series) else
             pd.testing.assert_frame_equal)(a, b)

