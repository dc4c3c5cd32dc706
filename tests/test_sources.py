"""Readers on tiny hand-made fixtures: every quirk of every format, and malformed input."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT, fixture, read_streamed

from features.build import FeatureBuilder
from features.schema import ACCOUNT_DTYPES, SchemaError
from features.sources import ReadOptions, detect_format, read_files
from features.sources.__main__ import main as cli_main

H64A = "a" * 64
B1 = "vhWtzcFy+XfbYd9IsXBhcnTpinSnq2Kk0DNa7LHaMF8="
B2 = "4Rg8F1jBZL0lsBk9i4THbOAa3qpwv+36xYV7mQ1I+Y="  # 43 chars: a shorter base64 hash


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def by_id(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.set_index("account_id")


# --- IO archive -------------------------------------------------------------------------------


def test_io_users_later_layout_hashes_day_only_dates_and_missing_fields():
    res = read_files([fixture("io_users.csv")], options=ReadOptions(observed_at="2020-09-01"))
    assert res.format == "io_archive"
    acc = by_id(res.accounts)
    assert acc.loc[B1, "ids_hashed"] and acc.loc[B2, "ids_hashed"]
    assert not acc.loc["1234567", "ids_hashed"]  # over 5,000 followers: not hashed
    assert pd.isna(acc.loc[B1, "screen_name"])  # a hash is not a name
    assert acc.loc["1234567", "screen_name"] == "big_account"
    assert acc.loc[B2, "created_at"] == ts("2020-01-14")
    assert acc["created_at_day_only"].all()
    assert (acc["observed_at"] == ts("2020-09-01")).all()
    # the archive has no statuses count or avatar flag: missing, never 0/False
    assert acc["statuses_count"].isna().all()
    assert acc["default_profile_image"].isna().all()
    assert acc.loc[B2, "description"] == "some bio"  # surrounding white space removed
    assert res.rejects.empty


def test_io_observed_at_defaults_to_last_tweet_of_release_and_says_so():
    res = read_files([fixture("io_users.csv"), fixture("io_tweets.csv")])
    assert (res.accounts["observed_at"] == ts("2020-07-20 16:45")).all()
    assert any("last tweet time" in n for n in res.notes)
    assert len(res.accounts) == 3  # users file wins; tweet authors already there
    posts = res.posts.set_index("post_id")
    assert posts.loc["9002", "is_retweet"] and not posts.loc["9001", "is_retweet"]
    assert posts.loc["9003", "client"] == "Twitter for Android"
    assert posts.loc["9001", "created_at"] == ts("2020-01-01 10:00")


def test_io_users_alone_without_observed_at_is_missing_with_a_note():
    res = read_files([fixture("io_users.csv")])
    assert res.accounts["observed_at"].isna().all()
    assert any("observed_at unknown" in n for n in res.notes)


def test_io_2018_layout_tweets_alone_yield_accounts_with_latest_values():
    res = read_files([fixture("io2018_tweets.csv")])
    acc = by_id(res.accounts)
    assert len(acc) == 3
    # two tweets by H64A: the later one (2017-03-02) carries 5 followers and the new bio
    assert acc.loc[H64A, "followers_count"] == 5
    assert acc.loc[H64A, "description"] == "new bio"
    assert acc.loc[H64A, "ids_hashed"]
    assert acc.loc["4125840934", "screen_name"] == "Inside_News"
    posts = res.posts.set_index("post_id")
    assert posts.loc["103", "is_reply"] and posts.loc["104", "is_quote"]
    assert not posts.loc["101", "is_reply"]
    assert (acc["observed_at"] == ts("2018-01-01 00:01")).all()


def test_io_users_file_wins_over_tweets_and_tweet_only_accounts_are_added():
    res = read_files([fixture("io2018_tweets.csv"), fixture("io2018_users.csv")])
    acc = by_id(res.accounts)
    assert len(acc) == 3
    assert acc.loc[H64A, "followers_count"] == 7  # from the users file
    assert acc.loc["0123456789abcdef" * 4, "followers_count"] == 0  # only in the tweets file


def test_io_release_zip_reads_like_the_plain_file_and_names_the_release():
    plain = read_files([fixture("io_users.csv")], options=ReadOptions(observed_at="2020-09-01"))
    zipped = read_files([fixture("io_users.zip")], options=ReadOptions(observed_at="2020-09-01"))
    cols = [c for c in ACCOUNT_DTYPES if c not in ("source", "group")]
    pd.testing.assert_frame_equal(plain.accounts[cols], zipped.accounts[cols])
    assert zipped.accounts["source"].iloc[0] == "fixtures"  # zip name has no release pattern


# --- API v1.1 / v2 ----------------------------------------------------------------------------


def test_v1_users_array_and_jsonl_agree():
    opts = ReadOptions(observed_at="2024-02-01")
    arr = read_files([fixture("v1_users.json")], options=opts)
    lines = read_files([fixture("v1_users.jsonl")], options=opts)
    assert arr.format == lines.format == "api_v1"
    pd.testing.assert_frame_equal(arr.accounts, lines.accounts)
    acc = by_id(arr.accounts)
    assert acc.loc["11", "created_at"] == ts("2013-06-11 11:20:35")
    assert acc.loc["11", "default_profile"] and not acc.loc["11", "default_profile_image"]
    assert acc.loc["12", "following_count"] == 1
    assert pd.isna(acc.loc["11", "lang"])  # null stays missing


def test_v1_tweets_latest_user_observation_wins_and_observed_at_is_tweet_time():
    res = read_files([fixture("v1_tweets.jsonl")])
    acc = by_id(res.accounts)
    assert len(acc) == 2
    # user 11 appears on a 2024-01-01 tweet (12 followers) and a 2023-12-31 one (10)
    assert acc.loc["11", "followers_count"] == 12
    assert acc.loc["11", "observed_at"] == ts("2024-01-01 10:00")
    posts = res.posts.set_index("post_id")
    assert posts.loc["2", "is_retweet"] and not posts.loc["1", "is_retweet"]
    assert posts.loc["3", "is_reply"] and posts.loc["3", "is_quote"]
    assert posts.loc["1", "client"] == "Twitter for Android"


def test_v2_response_public_metrics_and_default_avatar_from_image_url():
    res = read_files([fixture("v2_users.json")], options=ReadOptions(observed_at="2024-01-01"))
    assert res.format == "api_v2"
    acc = by_id(res.accounts)
    assert acc.loc["21", "followers_count"] == 3 and acc.loc["22", "statuses_count"] == 5000
    assert acc.loc["21", "default_profile_image"] and not acc.loc["22", "default_profile_image"]
    assert pd.isna(acc.loc["21", "favourites_count"])  # like_count not given for 21
    assert acc.loc["22", "created_at"] == ts("2010-02-03 04:05:06")
    assert acc["default_profile"].isna().all()  # v2 has no such field


# --- flat CSV (cresci-2017 style) -------------------------------------------------------------


def test_flat_csv_dates_flags_and_observation_time():
    res = read_files([fixture("flat_cresci.csv")])
    assert res.format == "flat_csv"
    acc = by_id(res.accounts)
    assert acc.loc["7248952", "created_at"] == pd.Timestamp(1183552203000, unit="ms", tz="UTC")
    assert acc.loc["1502026416", "created_at"] == ts("2013-06-11 11:20:35")
    # flags: "1" true, empty false, NULL missing
    assert acc.loc["1502026416", "protected"] and not acc.loc["1502026416", "default_profile"]
    assert pd.isna(acc.loc["7248952", "default_profile"])
    assert acc.loc["42", "default_profile_image"]
    assert pd.isna(acc.loc["7248952", "lang"])  # NULL
    # observed_at: crawled_at, or updated where crawled_at is empty (row 3)
    assert acc.loc["1502026416", "observed_at"] == ts("2015-05-02 06:41:46")
    assert acc.loc["42", "observed_at"] == ts("2016-03-14 15:46:02")
    assert (acc["group"] == "flat_cresci").all()
    assert any("crawled_at" in n for n in res.notes)


def test_flat_csv_iso_dates_with_account_age_days_and_label_column():
    res = read_files([fixture("flat_age.csv")])
    acc = by_id(res.accounts)
    assert acc.loc["787405734442958848", "observed_at"] == ts("2016-10-15 21:32:11") + pd.Timedelta(
        days=1403
    )
    assert acc["label"].tolist() == [1, 0]
    assert acc.loc["796216118331310080", "verified"] is False or not acc.loc[
        "796216118331310080", "verified"
    ]


# --- TwiBot-20 and mapped ---------------------------------------------------------------------


def test_twibot_strips_values_reads_tweets_and_labels_file():
    res = read_files([fixture("twibot.json")],
                     options=ReadOptions(labels_file=fixture("twibot_labels.csv")))
    assert res.format == "twibot"
    acc = by_id(res.accounts)
    assert acc.loc["31", "screen_name"] == "eve" and acc.loc["31", "followers_count"] == 5
    assert acc["label"].to_dict() == {"31": 0, "32": 1}
    assert acc.loc["31", "description"] == ""  # " " is empty (and carried: not <NA>)
    assert res.posts["post_id"].tolist() == ["31#1", "31#2"]
    assert res.posts["is_retweet"].tolist() == [False, True]
    assert res.posts["created_at"].isna().all()  # TwiBot-20 tweets carry no time


def test_mapped_latin1_with_us_dates():
    res = read_files([fixture("mapped_latin1.csv")],
                     options=ReadOptions(mapping=fixture("mapped_latin1.yaml")))
    assert res.format == "mapped"
    acc = by_id(res.accounts)
    assert acc.loc["1", "screen_name"] == "josé" and acc.loc["2", "screen_name"] == "müller"
    assert acc.loc["1", "created_at"] == ts("2009-12-29 23:15")
    assert acc.loc["1", "default_profile_image"] and not acc.loc["2", "default_profile_image"]
    assert acc["label"].tolist() == [1, 0]
    assert (acc["observed_at"] == ts("2020-06-01")).all()


def test_mapping_with_unknown_key_or_column_is_rejected(tmp_path):
    bad = tmp_path / "m.yaml"
    bad.write_text("columns: {account_id: a, followers_count: b, following_count: c}\nfoo: 1\n")
    with pytest.raises(SchemaError, match="foo"):
        read_files([fixture("mapped_latin1.csv")], options=ReadOptions(mapping=str(bad)))
    bad.write_text("columns: {account_id: a, followers: b, following_count: c}\n")
    with pytest.raises(SchemaError, match="followers"):
        read_files([fixture("mapped_latin1.csv")], options=ReadOptions(mapping=str(bad)))


def test_mapped_headerless_tsv_with_statistics_instead_of_texts(tmp_path):
    """A caverlee-2011-style file: no header line (columns named by the mapping), tab
    separated, only the lengths of screen name and description; an age-only file
    (cresci-stock-2018-style) gives account_age_days and no dates."""
    data = tmp_path / "polluters.txt"
    data.write_text("6301\t2006-09-18 01:07:50\t2010-01-17 20:38:25\t3269\t3071\t861\t8\t0\n"
                    "77\t2009-01-01 00:00:00\t2009-11-20 10:00:00\t5\t-2\t9\t6\t30\n"  # -2
                    "78\t2009-12-01 00:00:00\t2009-11-20 10:00:00\t5\t2\t9\t6\t30\n")  # after
    res = read_files([str(data)], fmt="mapped", options=ReadOptions(
        mapping=str(ROOT / "configs" / "mappings" / "caverlee-2011.yaml"), label=1))
    acc = by_id(res.accounts)
    assert list(acc.index) == ["6301"]
    row = acc.loc["6301"]
    assert (row["following_count"], row["followers_count"], row["statuses_count"]) == (
        3269, 3071, 861)
    assert (row["screen_name_length"], row["description_length"]) == (8, 0)
    assert row["created_at"] == ts("2006-09-18 01:07:50")
    assert row["observed_at"] == ts("2010-01-17 20:38:25")
    assert pd.isna(row["screen_name"]) and pd.isna(row["description"])  # not carried
    rejects = res.rejects.set_index("row")
    assert rejects.loc[2, "column"] == "NumberOfFollowers"  # (the file's name of the column)
    assert rejects.loc[2, "reason"] == "negative count -2"
    assert rejects.loc[3, "column"] == "CreatedAt"
    assert rejects.loc[3, "reason"] == ("created_at 2009-12-01 is after observed_at 2009-11-20 "
                                        "(negative account age)")
    X = FeatureBuilder().fit(res.accounts).row_features(res.accounts).iloc[0]
    assert X["screen_name_length_chars"] == 8 and X["description_length_chars"] == 0
    assert X["description_empty"] == 1 and np.isnan(X["location_empty"])
    assert np.isnan(X["screen_name_digits"])  # no name text: nothing guessed

    mapping = tmp_path / "age.yaml"
    mapping.write_text("columns: {account_id: id, followers_count: fol, following_count: fri,\n"
                       "          account_age_days: age, description_words: words,\n"
                       "          url_present: has_url}\n")
    ages = tmp_path / "ages.csv"
    ages.write_text("id,fol,fri,age,words,has_url\n1,10,20,365,0,1\n")
    acc = read_files([str(ages)], options=ReadOptions(mapping=str(mapping))).accounts
    X = FeatureBuilder().fit(res.accounts).row_features(acc).iloc[0]  # (no dates to fit on)
    assert X["age_days"] == 365 and X["description_words"] == 0
    assert X["description_empty"] == 1 and X["url_empty"] == 0
    assert np.isnan(X["description_length_chars"])  # words, not characters: unknown


def test_a_row_with_several_bad_values_is_rejected_for_its_first_column(tmp_path):
    """Readers check a row's values in the canonical order (the label last in flat CSV, the
    mapping's constants in their canonical place), and name the first that is wrong."""
    flat = tmp_path / "flat.csv"
    flat.write_text("id,screen_name,followers_count,friends_count,crawled_at,updated,label\n"
                    "1,a,1,2,notatime,,nope\n3,c,1,2,,bad2,x\n")
    rej = read_files([str(flat)]).rejects.set_index("row")
    assert rej["column"].to_dict() == {1: "crawled_at", 2: "updated"}
    assert rej.loc[1, "reason"] == "unparseable date notatime"

    mapping = tmp_path / "m.yaml"
    mapping.write_text("columns: {label: lab, account_id: uid, followers_count: fol,\n"
                       "          following_count: fri}\nconstants: {created_at: notadate}\n")
    users = tmp_path / "users.csv"
    users.write_text("uid,fol,fri,lab\n1,x,2,nope\n")
    rej = read_files([str(users)], options=ReadOptions(mapping=str(mapping))).rejects
    assert rej["column"].tolist() == ["created_at"]
    assert rej["reason"].tolist() == ["unparseable date notadate"]


def test_header_bytes_invalid_in_the_encoding_are_an_error_a_replacement_character_is_not(
        tmp_path):
    path = tmp_path / "users.csv"
    path.write_text("id,screen_name,followers_count,friends_count,na\ufffdme\n1,a,1,2,x\n",
                    encoding="utf-8")
    assert len(read_files([str(path)]).accounts) == 1
    path.write_bytes(b"id,screen_name,followers_count,friends_count,na\xffme\n")
    with pytest.raises(SchemaError, match="not valid utf-8 in the header"):
        read_files([str(path)], fmt="flat_csv")


def test_mapping_without_header_needs_column_names(tmp_path):
    bad = tmp_path / "m.yaml"
    bad.write_text("header: false\ncolumns: {account_id: a, followers_count: b, "
                   "following_count: c}\n")
    with pytest.raises(SchemaError, match="column_names"):
        read_files([fixture("mapped_latin1.csv")], options=ReadOptions(mapping=str(bad)))
    bad.write_text("header: false\ncolumn_names: [a, b]\ncolumns: {account_id: a, "
                   "followers_count: b, following_count: c}\n")
    with pytest.raises(SchemaError, match=r"columns \['c'\] are mapped but not in"):
        read_files([fixture("mapped_latin1.csv")], options=ReadOptions(mapping=str(bad)))


# --- malformed input --------------------------------------------------------------------------


def test_bad_values_go_to_rejects_with_row_column_and_reason():
    res = read_files([fixture("bad_values.csv")], options=ReadOptions(observed_at="2020-01-01"))
    rej = res.rejects.set_index("row")
    assert res.accounts["account_id"].tolist() == ["u1"]
    assert rej.loc[2, "reason"] == "negative count -5"
    assert rej.loc[2, "column"] == rej.loc[6, "column"] == "follower_count"  # (the file's name)
    assert rej.loc[3, "column"] == "following_count"
    assert "not a whole number" in rej.loc[3, "reason"]
    assert rej.loc[4, "column"] == "account_creation_date"
    assert "unparseable date" in rej.loc[4, "reason"]
    assert rej.loc[5, "reason"] == "duplicate account observation"
    assert rej.loc[6, "reason"] == "required value followers_count is missing"
    assert (res.rejects["file"] == fixture("bad_values.csv")).all()
    # nothing lost: every data row is either an account or a reject
    assert len(res.accounts) + len(res.rejects) == 6


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("bad_empty.csv", "empty"),
        ("bad_semicolon.csv", "separated by something other than ','"),
        ("bad_missing_column.csv", r"follower_count.*missing"),
        ("bad_not_utf8.csv", "not valid utf-8"),
    ],
)
def test_structural_problems_are_errors_naming_the_file(name, message):
    with pytest.raises(SchemaError, match=message) as err:
        read_files([fixture(name)], fmt="io_archive")
    assert name in str(err.value)


def test_truncated_last_row_is_rejected_not_dropped():
    res = read_files([fixture("bad_truncated_row.csv")])
    assert res.accounts["account_id"].tolist() == ["a1"]
    assert res.rejects["row"].tolist() == [2]
    assert res.rejects["reason"].iloc[0] == "row has 7 fields, the header has 10 (truncated line?)"
    # a file cut inside a quoted field: its last row is cut short the same way
    res = read_files([fixture("bad_truncated_quote.csv")])
    assert res.accounts.empty
    assert res.rejects["row"].tolist() == [1]
    assert "truncated line" in res.rejects["reason"].iloc[0]


def test_row_with_too_many_fields_is_rejected(tmp_path):
    path = tmp_path / "extra.csv"
    header = Path(fixture("io_users.csv")).read_text().splitlines()[0] + "\n"
    path.write_text(header + '"a","a","a","","","","1","2","2019-01-01","en"\n'
                    '"b","b","b","","","","1","2","2019-01-01","en","surplus"\n')
    res = read_files([str(path)], options=ReadOptions(observed_at="2020-01-01"))
    assert res.accounts["account_id"].tolist() == ["a"]
    assert res.rejects["reason"].tolist() == ["row has 11 fields, the header has 10"]
    assert res.rejects["row"].tolist() == [2]


def test_json_lines_bad_lines_are_rejects_and_broken_array_is_an_error():
    res = read_files([fixture("bad_lines.jsonl")], fmt="api_v1")
    assert res.accounts["account_id"].tolist() == ["1", "3"]
    assert res.rejects["row"].tolist() == [2, 3]
    assert "invalid JSON" in res.rejects["reason"].iloc[0]
    assert res.rejects["reason"].iloc[1] == "record is not a JSON object"
    with pytest.raises(SchemaError, match=r"bad_truncated\.json.*after record 1"):
        read_files([fixture("bad_truncated.json")], fmt="api_v1")


def test_unknown_format_is_an_error_listing_the_header(tmp_path):
    odd = tmp_path / "odd.csv"
    odd.write_text("x,y\n1,2\n")
    with pytest.raises(SchemaError, match=r"odd\.csv.*\['x', 'y'\]"):
        detect_format(str(odd))


def test_missing_file_and_empty_glob_are_errors():
    with pytest.raises(SchemaError, match="no such file"):
        read_files(["/nonexistent/users.csv"])
    with pytest.raises(SchemaError, match="no file matches"):
        read_files(["/nonexistent/*.csv"])


# --- streaming --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "kwargs"),
    [
        (["io2018_tweets.csv", "io2018_users.csv"], {}),
        (["io_users.csv", "io_tweets.csv"], {}),
        (["v1_tweets.jsonl"], {}),
        (["v1_users.json"], {"observed_at": "2024-02-01"}),
        (["v2_users.json"], {}),
        (["flat_cresci.csv"], {}),
        (["twibot.json"], {}),
        (["mapped_latin1.csv"], {"mapping": fixture("mapped_latin1.yaml")}),
        (["bad_values.csv"], {}),
    ],
)
def test_every_reader_gives_the_same_tables_in_one_row_chunks(files, kwargs):
    paths = [fixture(f) for f in files]
    whole = read_files(paths, options=ReadOptions(**kwargs))
    chunked = read_files(paths, options=ReadOptions(chunksize=1, **kwargs))

    def norm(frame, key):
        return frame.sort_values(key).reset_index(drop=True)

    pd.testing.assert_frame_equal(norm(whole.accounts, "account_id"),
                                  norm(chunked.accounts, "account_id"))
    pd.testing.assert_frame_equal(norm(whole.posts, "post_id"), norm(chunked.posts, "post_id"))
    pd.testing.assert_frame_equal(norm(whole.rejects, ["file", "row"]),
                                  norm(chunked.rejects, ["file", "row"]))


# --- command line -----------------------------------------------------------------------------


def test_cli_prints_format_counts_and_presence(capsys, tmp_path):
    rejects = tmp_path / "rejects.csv"
    code = cli_main([fixture("bad_values.csv"), "--observed-at", "2020-01-01",
                     "--rejects", str(rejects)])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["format"] == "io_archive"
    assert (out["accounts"], out["posts"], out["rejects"]) == (1, 0, 5)
    assert out["accounts_present"]["statuses_count"] == 0.0
    assert out["accounts_present"]["followers_count"] == 1.0
    assert len(pd.read_csv(rejects)) == 5


def test_cli_reports_errors_without_a_traceback(capsys):
    assert cli_main([fixture("bad_empty.csv"), "--format", "io_archive"]) == 2
    assert "empty" in capsys.readouterr().err


def test_a_tweet_only_profile_created_after_the_release_end_is_a_reject(tmp_path):
    """Without an observed_at option a release is observed at its last tweet, known only once
    every tweet is read: a profile from tweets created after it is then a reject at the tweet
    that carried it (the tweet is kept), as the same row in a users file is."""
    path = tmp_path / "x_tweets_csv_hashed.csv"
    path.write_text(
        "tweetid,userid,follower_count,following_count,account_creation_date,tweet_time\n"
        "1,u1,0,3,2019-01-01,2019-06-01 10:00\n"
        "2,u2,0,3,2020-03-01,2019-01-01 10:00\n")  # created after the release's last tweet
    for chunksize in (1, 100):
        res = read_files([str(path)], options=ReadOptions(chunksize=chunksize))
        assert res.accounts["account_id"].tolist() == ["u1"]
        assert (res.accounts["observed_at"] == ts("2019-06-01 10:00")).all()
        assert res.posts["post_id"].tolist() == ["1", "2"]
        reject = res.rejects.iloc[0]
        assert len(res.rejects) == 1 and (reject["file"], reject["row"]) == (str(path), 2)
        assert reject["column"] == "account_creation_date"
        assert reject["reason"].startswith("created_at 2020-03-01 is after observed_at")
        assert reject["reason"].endswith("the tweet is kept)")


def test_the_observed_at_option_is_not_read_from_a_mapped_column(tmp_path):
    """With --observed-at the mapping's own observation column is not read: a value there
    that cannot be parsed is no reject."""
    mapping = tmp_path / "m.yaml"
    mapping.write_text("columns: {account_id: id, followers_count: fol, following_count: fri,\n"
                       "          created_at: joined, observed_at: seen}\n")
    data = tmp_path / "list.csv"
    data.write_text("id,fol,fri,joined,seen\n1,1,2,2015-01-01,2020-01-01\n"
                    "2,1,2,2015-01-01,garbage\n")
    read = read_files([str(data)], options=ReadOptions(mapping=str(mapping)))
    assert read.rejects["column"].tolist() == ["seen"]
    given = read_files([str(data)], options=ReadOptions(
        mapping=str(mapping), observed_at=pd.Timestamp("2021-06-01")))
    assert given.rejects.empty and len(given.accounts) == 2
    assert (given.accounts["observed_at"] == ts("2021-06-01")).all()


def test_io_tweets_without_reply_and_quote_columns_give_missing_flags(tmp_path):
    path = tmp_path / "x_tweets_csv_hashed.csv"
    path.write_text(
        "tweetid,userid,follower_count,following_count,account_creation_date,tweet_time,"
        "tweet_client_name,is_retweet\n"
        "1,u1,0,3,2020-01-01,2020-02-01 10:00,Twitter Web App,1\n"  # 1 = retweet
        "2,u1,0,3,2020-01-01,2020-02-01T10:30:00Z,Twitter Web App,false\n")  # ISO time
    res = read_files([str(path)])
    assert res.posts["is_reply"].isna().all() and res.posts["is_quote"].isna().all()
    assert res.posts["is_retweet"].tolist() == [True, False]
    from features.cadence import compute_cadence

    by_reader = compute_cadence(res.posts).loc["u1"]
    by_duckdb = compute_cadence(str(path)).loc["u1"]
    pd.testing.assert_series_equal(by_reader, by_duckdb)
    assert pd.isna(by_duckdb["reply_share"]) and by_duckdb["retweet_share"] == 0.5
    assert by_duckdb["gap_median_s"] == 1800


def test_counts_outside_plain_decimal_are_rejects_whatever_the_rest_of_the_chunk(tmp_path):
    """Hex, other scripts' digits and values past 64 bits are rejects with their reason, in a
    chunk of otherwise clean values (the fast path) as in a chunk that holds a 12.0."""
    rows = ["0x1F", "\u0663", "9223372036854775808", "10"]
    for extra in ("11", "12.0"):
        path = tmp_path / f"users_{extra}.csv"
        lines = ["id,screen_name,followers_count,friends_count"]
        lines += [f"{i},u{i},{v},5" for i, v in enumerate([*rows, extra], 1)]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        res = read_files([str(path)], fmt="flat_csv")
        assert res.accounts["account_id"].tolist() == ["4", "5"], extra
        assert res.accounts["followers_count"].tolist() == [10, int(float(extra))]
        reasons = dict(zip(res.rejects["row"], res.rejects["reason"], strict=True))
        assert reasons == {1: "not a whole number: 0x1F", 2: "not a whole number: \u0663",
                           3: "count too large for a 64-bit integer: 9223372036854775808"}


def test_a_quoted_field_across_blocks_reads_whole_and_in_order(tmp_path):
    """A quoted field across the CSV reader's block boundary (1.5 MiB with line breaks, blocks
    of 1 MiB) still reads, whole and in order."""
    long_text = ("line of a very long profile text\n" * 50_000)[: 3 << 19]
    path = tmp_path / "users.csv"
    with path.open("w", encoding="utf-8") as fh:
        fh.write("id,screen_name,description,followers_count,friends_count\n")
        for i in range(1, 101):
            text = long_text if i == 51 else "d"
            fh.write(f'{i},u{i},"{text}",5,6\n')
    res = read_files([str(path)], fmt="flat_csv", options=ReadOptions(chunksize=1))
    assert res.accounts["account_id"].tolist() == [str(i) for i in range(1, 101)]
    assert res.accounts["description"].iloc[50] == long_text.strip()
    assert len(res.rejects) == 0


def _same_reads(a: tuple, b: tuple) -> None:
    for x, y in zip(a, b, strict=True):
        (pd.testing.assert_series_equal if isinstance(x, pd.Series) else
         pd.testing.assert_frame_equal)(x, y)


@pytest.mark.parametrize(("newline", "bom"), [("\n", ""), ("\r\n", ""), ("\r\n", "\ufeff"),
                                             ("\r", "\ufeff")])
def test_a_messy_csv_reads_the_same_in_small_chunks_and_whole(tmp_path, newline, bom):
    """Quoted commas and line breaks, doubled quotes, blank lines, rows with too few or too
    many fields and bad dates give the same accounts, row numbers and rejects in chunks of 97
    rows as in one chunk, whatever ends the lines. A byte order mark (spreadsheet exports) is
    not part of the first column's name."""
    import random

    random.seed(1)
    lines = ["id,screen_name,name,description,followers_count,friends_count,created_at,"
             "crawled_at"]
    for i in range(1, 3000):
        desc = random.choice(["plain", '"has, comma"', '"multi\nline\n""quoted"" text"', "",
                              "NULL"])
        row = (f'{i},user{i},"Name {i}",{desc},{random.randint(0, 999)},'
               f"{random.randint(0, 99)},2015-03-0{1 + i % 9} 10:00:00,2024-06-01 00:00:00")
        r = random.random()
        if r < 0.02:
            row += ",extra"
        elif r < 0.04:
            row = ",".join(row.split(",")[:3])
        elif r < 0.05:
            row = row.replace("2015-03", "2015-13")
        elif r < 0.06:
            row = ""
        lines.append(row)
    path = tmp_path / "users.csv"
    path.write_bytes((bom + newline.join(lines) + newline).encode("utf-8"))
    small = read_streamed(str(path), chunksize=97)
    whole = read_streamed(str(path), chunksize=10_000)
    assert len(small[0]) > 2700 and len(small[2]) > 100
    _same_reads(small, whole)


def test_bytes_invalid_in_the_encoding_are_an_error_naming_the_file(tmp_path):
    path = tmp_path / "users.csv"
    path.write_bytes(b"id,screen_name,followers_count,friends_count\n1,a,2,3\n2,\xff\xfe,4,5\n")
    with pytest.raises(SchemaError, match=r"users\.csv: bytes that are not valid utf-8"):
        read_streamed(str(path))


@pytest.mark.parametrize("body", [
    'id,x,followers_count,friends_count\n1,5\'10",1,2\n2,b,1,2\n3,"multi\nline",1,2\n4,d,1,2\n',
    'id,x,followers_count,friends_count\n1,"never closed,1,2\n2,b,1,2\n3,c,1,2\n',
])
def test_stray_and_unclosed_quotes_read_the_same_in_any_chunk_size(tmp_path, body):
    """A quote inside an unquoted field (read as a character) or one never closed gives the
    same accounts and rejects in chunks of 50 rows as in one chunk."""
    path = tmp_path / "users.csv"
    path.write_text(body * 200, encoding="utf-8")
    _same_reads(read_streamed(str(path), chunksize=50), read_streamed(str(path),
                                                                      chunksize=100_000))


@pytest.mark.parametrize("chunksize", [100, 2])
def test_a_quote_not_closed_on_its_line_does_not_hide_the_accounts_after_it(tmp_path,
                                                                             chunksize):
    """The quote opened in row 2 closes at the first quote of row 4's description, so a CSV
    parser (Python's too) reads lines 3 to 5 as one record of the right number of fields: the
    accounts of rows 3 and 4 were scored as part of account 2's description, neither scored
    nor rejected. The record is a reject that says so; the rows after it are read."""
    tail = ",Tue Jun 11 11:20:35 +0000 2013,2015-01-01 00:00:00\n"
    path = tmp_path / "users.csv"
    path.write_text("id,screen_name,followers_count,friends_count,description,created_at,"
                    "crawled_at\n" + "1,a,10,20,plain" + tail + '2,b,10,20,"never closed' + tail
                    + "3,c,10,20,plain" + tail + '4,d,10,20,"a ""quoted"" word"' + tail
                    + "5,e,x,20,plain" + tail + "6,f,10,20,plain" + tail, encoding="utf-8")
    res = read_files([str(path)], options=ReadOptions(chunksize=chunksize))
    assert res.accounts["account_id"].tolist() == ["1", "6"]
    assert res.rejects["row"].tolist() == [2, 3]  # (records: lines 3 to 5 are record 2)
    swallowed = res.rejects.iloc[0]
    assert swallowed["column"] == "description"
    assert swallowed["reason"].startswith("a quote in column description is not closed on its "
                                          "line: the field runs over 3 lines")
    assert res.rejects["reason"].iloc[1] == "not a whole number: x"
    # a quoted field written over lines, one of them a list, is not a swallowed record
    listed = tmp_path / "listed.csv"
    listed.write_text('id,followers_count,friends_count,description\n'
                      '1,10,20,"Dad of two.\nI like: running, coffee, code, dogs"\n'
                      '2,10,20,"one\n3,4,5,6"\n', encoding="utf-8")
    res = read_files([str(listed)], fmt="flat_csv", options=ReadOptions(chunksize=chunksize))
    assert res.accounts["account_id"].tolist() == ["1"]  # (2 holds a line that is a record)
    assert res.rejects["row"].tolist() == [2]


@pytest.mark.parametrize(("closed_at", "expected"), [
    (None, "runs over 296 lines and a quote in it is never closed, so the lines after it "
           "were read into this row"),
    (15, "runs over 11 lines (a quoted field holds line breaks, or a quote closes only on a "
         "later line)")])
def test_a_quote_that_swallows_lines_is_named_in_the_reject(tmp_path, closed_at, expected):
    """A quote that opens a field and is not closed on its line takes the lines after it into
    one record (CSV allows line breaks in quoted fields): the record's reject says how many
    lines it took and whether the quote was ever closed, so they are not lost silently."""
    lines = ["id,screen_name,followers_count,friends_count"]
    for i in range(1, 301):
        if i == closed_at:  # closes the field; the record it ends has too few fields
            lines.append(f'{i},u{i}",{i}')
        else:
            opening = '"' if i == 5 else ""
            lines.append(f"{i},{opening}u{i},{i},{i}")
    path = tmp_path / "users.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    here = read_streamed(str(path), chunksize=50)
    assert here[2]["row"].tolist() == [5]
    assert here[2]["reason"].iloc[0].endswith(expected)
    after = range(closed_at + 1, 301) if closed_at else ()
    assert here[0]["account_id"].tolist() == ["1", "2", "3", "4", *map(str, after)]



def test_line_breaks_other_than_csv_ones_and_unusual_headers(tmp_path):
    """A bad row holding a Unicode line separator or a form feed is one line to the CSV parser,
    and its reject says only what is wrong; lines ending in a bare carriage return after a
    quoted line break in the header, and a byte order mark before a quoted first name, read."""
    path = tmp_path / "users.csv"
    path.write_text("id,screen_name,followers_count,friends_count\n"
                    "1,a\u2028b,1,2,extra\n2,c\x0cd,1\n3,e,1,2\n", encoding="utf-8")
    reasons = read_streamed(str(path))[2]["reason"].tolist()
    assert reasons == ["row has 5 fields, the header has 4",
                       "row has 3 fields, the header has 4 (truncated line?)"]

    rows = [f"{i},u{i},1,2" for i in range(1, 400)]
    path.write_text('id,"screen\nname",followers_count,friends_count\r' + "\r".join(rows)
                    + "\r", encoding="utf-8")
    assert len(read_streamed(str(path))[0]) == 399

    lines = ['"id","screen_name","followers_count","friends_count"'] + [
        f'{i},"u{i}",1,2' for i in range(1, 400)]
    path.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    assert read_streamed(str(path))[0]["account_id"].tolist() == [
        str(i) for i in range(1, 400)]


def test_a_byte_order_mark_read_in_another_encoding_is_named(tmp_path):
    path = tmp_path / "users.csv"
    path.write_bytes(b"\xef\xbb\xbfid,screen_name,followers_count,friends_count\n1,a,1,2\n")
    with pytest.raises(SchemaError, match="starts with a UTF-8 byte order mark"):
        read_files([str(path)], fmt="flat_csv", options=ReadOptions(encoding="latin-1"))


# --- impossible dates -------------------------------------------------------------------------


def test_impossible_dates_are_rejects_with_their_reason_and_epoch_seconds_are_seconds(tmp_path):
    path = tmp_path / "users.csv"
    path.write_text(
        "id,screen_name,followers_count,friends_count,created_at,crawled_at\n"
        "1,a,1,1,2099-01-01 00:00:00,\n"  # creation in the future (no crawl time)
        "2,b,1,1,0001-01-01 00:00:00,2015-01-01 00:00:00\n"  # a placeholder
        "3,c,1,1,1370949635,2015-01-01 00:00:00\n"  # epoch seconds: 2013-06-11
        "4,d,1,1,1370949635000L,2015-01-01 00:00:00\n"  # the same in milliseconds
        "5,e,1,1,2013-06-11 11:20:35,2012-01-01 00:00:00\n"  # observed before creation
        "6,f,1,1,2013-06-11 11:20:35,2999-01-01 00:00:00\n"  # observed in the future
        "7,g,1,1,100000000,2015-01-01 00:00:00\n")  # epoch seconds of 1973
    res = read_files([str(path)])
    acc = by_id(res.accounts)
    assert sorted(acc.index) == ["3", "4"]
    assert acc.loc["3", "created_at"] == acc.loc["4", "created_at"] == ts("2013-06-11 11:20:35")
    reasons = res.rejects.set_index("row")
    assert len(res.rejects) == 5 and (res.rejects["file"] == str(path)).all()
    assert reasons.loc[1, "reason"] == "created_at 2099-01-01 is in the future"
    assert reasons.loc[2, "reason"] == "created_at 0001-01-01 is before 2006, when Twitter began"
    assert "negative account age" in reasons.loc[5, "reason"]
    assert reasons.loc[6, "reason"] == "observed_at 2999-01-01 is in the future"
    assert reasons.loc[7, "reason"] == "created_at 1973-03-03 is before 2006, when Twitter began"


def test_an_io_tweet_dated_2099_is_a_reject_not_the_release_observation_time(tmp_path):
    users, tweets = tmp_path / "io_users.csv", tmp_path / "io_tweets.csv"
    users.write_bytes(Path(fixture("io_users.csv")).read_bytes())
    lines = Path(fixture("io_tweets.csv")).read_text().splitlines()
    lines.append(lines[-1].replace('"9003"', '"9004"').replace("2020-07-20 16:45",
                                                               "2099-07-20 16:45"))
    tweets.write_text("\n".join(lines) + "\n")
    res = read_files([str(users), str(tweets)])
    assert (res.accounts["observed_at"] == ts("2020-07-20 16:45")).all()  # the last real one
    assert "9004" not in set(res.posts["post_id"])
    bad = res.rejects[res.rejects["file"] == str(tweets)]
    assert bad["reason"].tolist() == ["created_at 2099-07-20 is in the future"]
    assert bad["column"].tolist() == ["tweet_time"]  # (the file's name of the column)


def test_a_tweet_whose_author_profile_breaks_the_contract_is_kept_and_its_reject_says_so(
        tmp_path):
    tweets = tmp_path / "io_tweets.csv"
    lines = Path(fixture("io_tweets.csv")).read_text().splitlines()
    header = next(csv.reader([lines[0]]))
    fields = next(csv.reader([lines[1]]))
    fields[header.index("follower_count")] = "-3"
    out = io.StringIO()
    csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n").writerow(fields)
    tweets.write_text("\n".join([lines[0], out.getvalue().strip(), *lines[2:]]) + "\n")
    res = read_files([str(tweets)])
    assert fields[header.index("tweetid")] in set(res.posts["post_id"])
    assert res.rejects[["row", "column", "reason"]].values.tolist() == [[1, "follower_count", (
        "negative count -3 (in the profile of the tweet's author; the tweet is kept)")]]

    fields[header.index("userid")] = ""  # now the tweet is a reject too: nothing is kept
    out = io.StringIO()
    csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n").writerow(fields)
    tweets.write_text("\n".join([lines[0], out.getvalue().strip(), *lines[2:]]) + "\n")
    res = read_files([str(tweets)])
    assert fields[header.index("tweetid")] not in set(res.posts["post_id"])
    assert res.rejects[["row", "column", "reason"]].values.tolist() == [
        [1, "userid", "required value account_id is missing"]] * 2


def test_json_rejects_name_the_record_s_own_field(tmp_path):
    users = tmp_path / "users.jsonl"
    users.write_text(json.dumps({"id_str": "1", "screen_name": "a", "followers_count": 3,
                                 "friends_count": "x"}) + "\n" + json.dumps(
        {"id_str": "2", "screen_name": "b", "followers_count": -3, "friends_count": 2}) + "\n")
    rej = read_files([str(users)], fmt="api_v1").rejects
    assert rej[["row", "column"]].values.tolist() == [[1, "friends_count"],
                                                      [2, "followers_count"]]
    v2 = tmp_path / "v2.json"
    v2.write_text(json.dumps({"data": [{"id": "5", "username": "c", "public_metrics": {
        "followers_count": -1, "following_count": 1}}]}))
    rej = read_files([str(v2)]).rejects
    assert rej["column"].tolist() == ["public_metrics.followers_count"]


def test_a_repeated_account_names_account_id_however_the_file_is_chunked(tmp_path):
    path = tmp_path / "twibot.json"
    record = {"ID": "7", "profile": {"id_str": "7 ", "screen_name": "a ",
                                     "followers_count": "1 ", "friends_count": "2 "}}
    path.write_text(json.dumps([record, record]))
    for chunksize in (1, 100):
        rej = read_files([str(path)], fmt="twibot",
                         options=ReadOptions(chunksize=chunksize)).rejects
        assert rej[["row", "column"]].values.tolist() == [[2, "account_id"]], chunksize


def test_a_twibot_tweet_field_that_is_not_a_list_is_a_reject(tmp_path):
    """``tweet`` holds a list of texts or null; a text, a number, a flag, an object or a list
    holding other than texts there is a reject naming the field, in any chunk size."""
    odd = ["RT @a: hi", "", 0, 5, False, {"a": 1}, [None, "x"], ["y", 1]]
    listed = [None, [], ["x", "RT @b: y"]]
    path = tmp_path / "twibot.json"
    path.write_text(json.dumps([
        {"ID": str(i), "tweet": tweet, "profile": {"id_str": f"{i} ", "screen_name": "a ",
                                                   "followers_count": "1 ",
                                                   "friends_count": "2 "}}
        for i, tweet in enumerate(odd + listed, start=1)]))
    for chunksize in (1, 100):
        res = read_files([str(path)], fmt="twibot", options=ReadOptions(chunksize=chunksize))
        assert res.rejects["row"].tolist() == [1, 2, 3, 4, 5, 6, 7, 8], chunksize
        assert set(res.rejects["column"]) == {"tweet"}
        assert sorted(res.accounts["account_id"]) == ["10", "11", "9"]
        assert res.posts["post_id"].tolist() == ["11#1", "11#2"]
        assert res.posts["is_retweet"].tolist() == [False, True]


def test_offsets_a_clock_cannot_have_are_unparseable_and_a_z_is_utc(tmp_path):
    path = tmp_path / "users.csv"
    path.write_text("id,screen_name,followers_count,friends_count,created_at\n"
                    "1,a,1,2,Tue Jun 11 11:20:35 +2400 2013\n"
                    "2,b,1,2,Tue Jun 11 11:20:35 -0099 2013\n"
                    "3,c,1,2,Tue Jun 11 11:20:35 Z 2013\n"
                    "4,d,1,2,Tue Jun 11 11:20:35 -0530 2013\n")
    res = read_files([str(path)])
    acc = by_id(res.accounts)
    assert acc.loc["3", "created_at"] == ts("2013-06-11 11:20:35")
    assert acc.loc["4", "created_at"] == ts("2013-06-11 16:50:35")
    assert res.rejects["reason"].str.startswith("unparseable date").tolist() == [True, True]


# --- hostile JSON -----------------------------------------------------------------------------


def test_json_nested_deeper_than_any_record_is_refused_not_read(tmp_path):
    """200 KB of brackets once took over 20 GB; in JSON Lines a RecursionError traceback."""
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(SchemaError, match=r"deep\.json: record 1 nests deeper than 64 levels"):
        read_files([str(deep)], fmt="api_v1")
    first = Path(fixture("v1_users.jsonl")).read_text().splitlines()[0]
    lines = tmp_path / "deep.jsonl"
    lines.write_text(first + "\n" + '{"a":' + "[" * 100_000 + "]" * 100_000 + "}\n"
                     + '{"a":' + "[" * 70 + "]" * 70 + "}\n")  # below the recursion limit
    res = read_files([str(lines)], fmt="api_v1")
    assert len(res.accounts) == 1
    assert res.rejects["row"].tolist() == [2, 3]
    assert (res.rejects["reason"] == "record nests deeper than 64 levels").all()


@pytest.mark.parametrize("nuls", [30, 5000])
def test_a_description_full_of_nul_bytes_is_read_as_pythons_csv_reads_it(tmp_path, nuls):
    """NUL bytes in runs near the start of a file once made it 'UTF-16 text' (UTF-16 has a NUL
    in every other byte); the row is one account, its fields as Python's csv module splits
    them."""
    header = "id,screen_name,followers_count,friends_count,description,created_at\n"
    row = "7,g,10,20,\"" + "\x00" * nuls + "\",Tue Jun 11 11:20:35 +0000 2013\n"
    text = header + "1,a,1,2,plain,Tue Jun 11 11:20:35 +0000 2013\n" + row
    path = tmp_path / "nul.csv"
    path.write_text(text, encoding="utf-8")
    res = read_files([str(path)])
    assert res.format == "flat_csv" and res.rejects.empty
    expected = list(csv.reader(io.StringIO(text, newline="")))[2]
    assert res.accounts["account_id"].tolist() == ["1", "7"]
    assert res.accounts["description"].iloc[1] == expected[4] == "\x00" * nuls
    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes(text.replace("\x00", "").encode("utf-16-le"))  # (no byte order mark)
    with pytest.raises(SchemaError, match="looks like UTF-16 text"):
        read_files([str(utf16)])


def test_a_rejected_row_does_not_make_a_later_valid_row_a_duplicate(tmp_path):
    """The first observation that keeps the contract is kept, in one chunk as in many: a first
    row rejected for its creation date once made every later row of the id a duplicate (the
    account lost) in one chunk, and kept the second row in chunks of two (found by the property
    tests)."""
    header = "userid,follower_count,following_count,account_creation_date\n"
    path = tmp_path / "x_users_csv_hashed.csv"
    path.write_text(header + "0,1,1,2000-01-01\n0,2,2,2010-01-01\n0,3,3,2010-01-01\n")
    for size in (100, 2, 1):
        res = read_files([str(path)], options=ReadOptions(chunksize=size,
                                                          observed_at="2021-01-01"))
        assert res.accounts["followers_count"].tolist() == [2]
        assert res.rejects["row"].tolist() == [1, 3]
        assert res.rejects["reason"].iloc[1] == "duplicate account observation"


def test_an_integer_beyond_64_bits_in_a_json_array_is_read_not_refused(tmp_path):
    """ijson's C parser stops at such an integer (valid JSON: the v1.1 ``id`` is a number), so
    the file was refused as malformed; found by the property tests. The records are read: an id
    beyond 64 bits is harmless (``id_str`` names the account), a count that large a reject."""
    users = json.loads(Path(fixture("v1_users.json")).read_text())
    users[1]["id"] = 2**64 + 7
    path = tmp_path / "users.json"
    path.write_text(json.dumps(users))
    res = read_files([str(path)], fmt="api_v1")
    plain = read_files([fixture("v1_users.json")], fmt="api_v1")
    assert res.rejects.empty
    pd.testing.assert_frame_equal(res.accounts.drop(columns=["group", "source"]),
                                  plain.accounts.drop(columns=["group", "source"]))
    users[1]["followers_count"] = 2**70
    path.write_text(json.dumps(users))
    res = read_files([str(path)], fmt="api_v1")
    assert len(res.accounts) == len(users) - 1
    assert res.rejects["row"].tolist() == [2]
    assert res.rejects["reason"].iloc[0].startswith("count too large for a 64-bit integer")


def test_one_pretty_printed_user_object_is_one_account(tmp_path):
    rec = json.loads(Path(fixture("v1_users.json")).read_text())[0]
    path = tmp_path / "user.json"
    path.write_text(json.dumps(rec, indent=2))
    for fmt in ("api_v1", "auto"):
        res = read_files([str(path)], fmt=fmt)
        assert res.format == "api_v1" and len(res.accounts) == 1 and res.rejects.empty
        assert res.accounts["account_id"].iloc[0] == str(rec["id_str"])


@pytest.mark.parametrize(("line", "message"), [
    ("timezone: Mars/Olympus", "unknown time zone 'Mars/Olympus'"),
    ("delimiter: ';;'", "the delimiter must be one character"),
    ("date_format: DD/MM/YYYY", "neither a strftime pattern"),
    ("date_format: '%Y %Q'", "date format '%Y %Q' cannot be read"),
    ("date_format: '%x %H:%M'", "depends on the machine's locale"),
])
def test_a_mapping_with_an_impossible_setting_is_a_named_error(tmp_path, line, message):
    mapping = tmp_path / "m.yaml"
    mapping.write_text(Path(fixture("mapped_latin1.yaml")).read_text()
                       .replace('date_format: "%m/%d/%Y %H:%M"\n', "") + line + "\n")
    with pytest.raises(SchemaError, match=rf"m\.yaml: invalid mapping.*{message}"):
        read_files([fixture("mapped_latin1.csv")], options=ReadOptions(mapping=str(mapping)))


@pytest.mark.parametrize("cut", ["truncated", "damaged"])
def test_a_truncated_or_damaged_zip_is_a_named_error(tmp_path, cut):
    data = bytearray(Path(fixture("io_users.zip")).read_bytes())
    if cut == "truncated":
        data = data[:len(data) // 2]
    else:  # the member's bytes changed: its CRC no longer matches
        import zipfile

        info = zipfile.ZipFile(fixture("io_users.zip")).infolist()[0]
        start = info.header_offset + 30 + len(info.filename) + len(info.extra)
        for k in range(start + 5, start + 25):
            data[k] ^= 0xFF
    path = tmp_path / "release.zip"
    path.write_bytes(bytes(data))
    with pytest.raises(SchemaError, match=r"release\.zip: (not a readable|a corrupt or "
                                          r"truncated) zip"):
        read_files([str(path)])


@pytest.mark.parametrize(("name", "content", "message"), [
    ("users.csv.gz", None, "a gzip file; decompress it first"),
    ("users.csv", "utf-16", "looks like UTF-16 text"),
    ("users.csv", ";", "separated by ';', not commas: read it with a mapping"),
    ("users.csv", "|", "separated by '|', not commas"),
])
def test_a_file_no_reader_knows_says_what_it_looks_like(tmp_path, name, content, message):
    text = Path(fixture("flat_cresci.csv")).read_text()
    path = tmp_path / name
    if content is None:
        import gzip

        path.write_bytes(gzip.compress(text.encode()))
    elif content == "utf-16":
        path.write_bytes(text.encode("utf-16"))
    else:
        path.write_text(text.splitlines()[0].replace(",", content) + "\n")
    with pytest.raises(SchemaError, match=message) as err:
        read_files([str(path)])
    assert str(path) in str(err.value)


def test_ids_with_line_breaks_nul_bytes_or_thousands_of_characters_are_rejects(tmp_path):
    path = tmp_path / "users.csv"
    path.write_bytes(
        b"id,screen_name,followers_count,friends_count,created_at,crawled_at\n"
        b'"1\nx",a,1,1,2013-06-11 11:20:35,2015-01-01 00:00:00\n'
        b"2\x00y,b,1,1,2013-06-11 11:20:35,2015-01-01 00:00:00\n"
        + b"9" * 10_000 + b",c,1,1,2013-06-11 11:20:35,2015-01-01 00:00:00\n"
        b"4,d,1,1,2013-06-11 11:20:35,2015-01-01 00:00:00\n")
    res = read_files([str(path)])
    assert res.accounts["account_id"].tolist() == ["4"]
    reasons = res.rejects.set_index("row")["reason"].sort_index()
    assert reasons.index.tolist() == [1, 2, 3] and (res.rejects["column"] == "id").all()
    assert reasons.iloc[:2].str.contains("line break, NUL").all()
    assert reasons.iloc[2] == "account_id of 10000 characters (at most 256)"


@pytest.mark.parametrize("chunksize", [7, 1000, 100_000])
def test_records_longer_than_a_block_are_read_on_in_larger_blocks(tmp_path, monkeypatch,
                                                                   chunksize):
    """A record longer than Arrow's block (a long quoted description, or a quote never closed
    that takes in the rest of the file) makes the reader go on in larger blocks from the row
    it stopped at: no row is lost or read twice, the rejects are the same in any chunk size,
    and a record longer than the larger block is an error naming the file."""
    from features.sources import scan

    monkeypatch.setattr(scan, "CSV_BLOCK", 16 << 10)
    monkeypatch.setattr(scan, "CSV_BLOCK_MAX", 256 << 10)
    head = "id,screen_name,description,followers_count,friends_count\n"
    rows = [f"{i},u{i},plain,{i},{i}" for i in range(1, 3001)]
    rows[99] = "100,u100,a,b,c,d"  # a bad row before the long record
    rows[1999] = '2000,u2000,"' + "long text, " * 6000 + '",1,1'  # 66 KB quoted
    path = tmp_path / "long.csv"
    path.write_text(head + "\n".join(rows) + "\n", encoding="utf-8")
    got = read_streamed(str(path), chunksize=chunksize)
    assert got[1].tolist() == [r for r in range(1, 3001) if r != 100]
    assert got[2]["row"].tolist() == [100]
    assert got[0].loc[got[1] == 2000, "description"].iloc[0].startswith("long text,")

    rows[2499] = '2500,"u2500,1,1'  # a quote never closed: the rest is one record
    path.write_text(head + "\n".join(rows) + "\n", encoding="utf-8")
    got = read_streamed(str(path), chunksize=chunksize)
    assert got[1].tolist() == [r for r in range(1, 2500) if r != 100]
    assert got[2]["row"].tolist() == [100, 2500]
    assert "a quote in it is never closed" in got[2]["reason"].iloc[1]

    path.write_text(head + "\n".join([*rows[:2400], '9,"' + "x" * (600 << 10) + '",1,1'])
                    + "\n", encoding="utf-8")
    with pytest.raises(SchemaError, match=r"long\.csv: malformed CSV after data row"):
        read_streamed(str(path), chunksize=chunksize)
