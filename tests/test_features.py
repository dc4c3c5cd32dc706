"""Feature registry and families: hand-computed values on tiny fixtures, behaviour, no leakage."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT

from features import FEATURE_NAMES, FeatureBuilder, compute_cadence, features_table
from features.cohort import CohortCounter, CreationReference, cohort_block
from features.guard import leakage_audit, normalise_formats, supplied_features
from features.names import ScreenNameBigrams
from features.registry import FEATURES
from features.schema import conform_accounts

NA = pd.NA


def accounts(rows: list[dict]) -> pd.DataFrame:
    """Canonical accounts from partial rows."""
    frame = pd.DataFrame(rows)
    for col in ("created_at", "observed_at"):
        if col in frame:
            frame[col] = pd.to_datetime(frame[col], utc=True)
    return conform_accounts(frame, file="inline").frame


BASE = [
    {"account_id": "1", "screen_name": "jane84721", "description": "hi", "url": "http://x",
     "created_at": "2020-01-01", "observed_at": "2020-01-11", "followers_count": 30,
     "following_count": 10, "statuses_count": 99, "default_profile_image": True,
     "ids_hashed": False, "label": 0},
    {"account_id": "2", "screen_name": "f" * 44, "ids_hashed": True,  # hashed: no name features
     "created_at": "2020-01-01", "followers_count": 0, "following_count": 0, "label": 1},
    {"account_id": "3", "screen_name": "Bob_Smith", "ids_hashed": False,
     "created_at": "2020-02-01", "observed_at": "2020-01-01",  # observed before created
     "followers_count": 5, "following_count": 0, "label": 0},
]


@pytest.fixture
def builder() -> FeatureBuilder:
    return FeatureBuilder().fit(accounts(BASE))


def test_registry_names_order_and_docs_table_in_sync():
    assert len(FEATURE_NAMES) == len(set(FEATURE_NAMES)) == len(FEATURES)
    assert {f.family for f in FEATURES} == {"profile", "name", "cadence", "cohort"}
    for f in FEATURES:
        assert f.definition and f.needs and f.stage in ("row", "cadence", "cohort")
        assert (f.func is not None) == (f.stage == "row")
    readme = (ROOT / "README.md").read_text()
    assert features_table() in readme, "regenerate the README table: python -m features"


def test_profile_features_hand_computed(builder):
    X = builder.transform(accounts(BASE))
    assert list(X.columns) == list(FEATURE_NAMES)
    r = X.iloc[0]
    assert r["age_days"] == 10
    assert r["log_followers"] == pytest.approx(math.log(31))
    assert r["follower_share"] == 0.75
    assert r["followers_per_day"] == 3.0
    assert r["statuses_per_day"] == 9.9
    assert r["default_profile_image"] == 1.0
    assert r["description_empty"] == 0 and r["description_length_chars"] == 2
    assert r["location_empty"] == 1 and r["url_empty"] == 0
    assert r["profile_completeness"] == pytest.approx(2 / 3)
    # row 2: no observation time -> age NA; 0 followers and 0 following -> share NA
    assert np.isnan(X.iloc[1]["age_days"]) and np.isnan(X.iloc[1]["follower_share"])
    assert np.isnan(X.iloc[1]["log_statuses"])  # not carried: NA, never 0
    assert np.isnan(X.iloc[1]["default_profile_image"])
    # row 3: observed before created -> age NA, not negative
    assert np.isnan(X.iloc[2]["age_days"])
    assert X.iloc[2]["follower_share"] == 1.0


def test_name_features_hand_computed_and_na_for_hashed(builder):
    X = builder.transform(accounts(BASE))
    r = X.iloc[0]  # jane84721
    assert (r["screen_name_length_chars"], r["screen_name_digits"]) == (9, 5)
    assert r["screen_name_digit_share"] == pytest.approx(5 / 9)
    assert r["screen_name_trailing_digits"] == 5
    bob = X.iloc[2]  # Bob_Smith
    assert (bob["screen_name_uppercase"], bob["screen_name_trailing_digits"]) == (2, 0)
    name_cols = [f.name for f in FEATURES if f.family == "name"]
    assert X.iloc[1][name_cols].isna().all()  # hashed id


def test_bigram_model_hand_computed_and_json_round_trip():
    model = ScreenNameBigrams(alpha=1.0).fit(pd.Series(["ab"]))
    # bigrams of "ab": ^a, ab, b$; each seen once; 39 symbols per row; alpha 1:
    # P(a|^) = (1+1)/(1+39) = 0.05, likewise P(b|a), P($|b)
    assert model.score(pd.Series(["ab"]))[0] == pytest.approx(math.log(2 / 40))
    # an unseen name "zz": P(z|^) = (0+1)/(1+39); rows z has no counts: P(z|z) = P($|z) = 1/39
    expected = (math.log(1 / 40) + 2 * math.log(1 / 39)) / 3
    assert model.score(pd.Series(["zz"]))[0] == pytest.approx(expected)
    again = ScreenNameBigrams.from_dict(json.loads(json.dumps(model.to_dict())))
    np.testing.assert_allclose(again.score(pd.Series(["ab", "q1"])),
                               model.score(pd.Series(["ab", "q1"])))
    assert np.isnan(model.score(pd.Series([NA], dtype="string"))[0])


def test_cohort_counts_shares_and_burst_ratio_hand_computed():
    days = pd.to_datetime(["2020-01-01"] * 3 + ["2020-01-03", "2020-01-21"], utc=True)
    created = pd.Series(days)
    ref = CreationReference(uniform_weight=1.0).fit(
        pd.Series(pd.to_datetime(["2010-01-01", "2020-12-31"], utc=True)))
    span = len(ref.density_)
    out = cohort_block(created, CohortCounter().add(created), ref)
    assert out["cohort_same_day_count"].tolist() == [3, 3, 3, 1, 1]
    assert out["cohort_3d_count"].tolist() == [4, 4, 4, 4, 1]
    assert out["cohort_15d_count"].tolist() == [4, 4, 4, 4, 1]
    assert out["cohort_same_day_share"][0] == 3 / 5
    expected_15 = 5 * 31 / span  # N * E_15 under a uniform reference
    assert out["cohort_burst_ratio_15d"][0] == pytest.approx(5 / (expected_15 + 1))
    assert out["cohort_burst_ratio_15d"][4] == pytest.approx(2 / (expected_15 + 1))
    # rank: c_3 of the population is [1, 4, 4, 4, 4]
    assert out["cohort_rank_pct"].tolist() == [1.0, 1.0, 1.0, 1.0, 0.2]


def test_cohort_counter_chunk_by_chunk_equals_one_go_and_takes_accounts_back_out():
    """Chunks that widen the counted days on either side, and accounts taken back out (the
    duplicates a scorer finds after counting), give the counts of the remaining accounts in
    one go; taking out more than were counted on a day is an error naming the day."""
    ref = CreationReference(uniform_weight=1.0).fit(
        pd.Series(pd.to_datetime(["2010-01-01", "2020-12-31"], utc=True)))
    created = pd.Series(pd.to_datetime(
        ["2015-03-01", "2015-03-02", "2012-07-09", "2019-11-30", "2015-03-01", NA,
         "2015-03-04", "2012-07-08"], utc=True))
    chunked = CohortCounter()
    for lo in range(0, 8, 3):
        chunked.add(created.iloc[lo:lo + 3])
    chunked.add(created.iloc[[0, 3]], sign=-1)
    kept = created.drop(index=[0, 3])
    assert chunked.n == 5
    one_go = cohort_block(kept, CohortCounter().add(kept), ref)
    for name, values in cohort_block(kept, chunked, ref).items():
        np.testing.assert_array_equal(values, one_go[name], err_msg=name)
    with pytest.raises(ValueError, match=r"day 16495: more accounts taken out"):
        chunked.add(created.iloc[[0, 0]], sign=-1)  # 2015-03-01 counted once now


def test_cohort_single_account_falls_back_to_reference_and_day_only_is_the_same():
    ref = CreationReference(smooth_days=0, uniform_weight=0.0).fit(
        pd.Series(pd.to_datetime(["2015-06-01"] * 99 + ["2012-01-01"], utc=True)),
        pd.Series(pd.to_datetime(["2016-01-01"], utc=True)))  # observed: range ends 2016
    one = pd.Series(pd.to_datetime(["2015-06-01 13:45"], utc=True))
    out = cohort_block(one, CohortCounter().add(one), ref)
    assert out["cohort_3d_count"][0] == 1
    assert out["cohort_burst_ratio_3d"][0] == pytest.approx(2 / (0.99 + 1))
    day_only = pd.Series(pd.to_datetime(["2015-06-01"], utc=True))
    out2 = cohort_block(day_only, CohortCounter().add(day_only), ref)
    assert out2["cohort_burst_ratio_3d"][0] == out["cohort_burst_ratio_3d"][0]
    rare = pd.Series(pd.to_datetime(["2013-06-01"], utc=True))  # no organic sign-ups near
    assert cohort_block(rare, CohortCounter().add(rare), ref)["cohort_burst_ratio_3d"][0] == 2.0


def test_cadence_hand_computed():
    posts = pd.DataFrame({
        "account_id": ["A", "A", "A", "B", "B", "C"],
        "post_id": list("123456"),
        "created_at": pd.to_datetime(["2024-01-01 00:00", "2024-01-01 00:01",
                                      "2024-01-01 00:03", "2024-01-01 10:00",  # a Monday
                                      "2024-01-02 10:00", None], utc=True),
        "is_retweet": pd.array([True, False, None, False, False, True], dtype="boolean"),
        "is_reply": pd.array([False] * 6, dtype="boolean"),
        "is_quote": pd.array([False] * 6, dtype="boolean"),
        "client": ["web", "web", "android", "web", "web", None],
    })
    c = compute_cadence(posts)
    a, b, cc = c.loc["A"], c.loc["B"], c.loc["C"]
    assert (a["posts_count"], a["posts_per_active_day"]) == (3, 3)
    assert (a["gap_median_s"], a["gap_mean_s"], a["gap_std_s"]) == (90, 90, 30)
    assert a["gap_cv"] == pytest.approx(1 / 3)
    assert a["burstiness"] == pytest.approx(-0.5)
    assert a["busiest_hour_share"] == 1 and a["hour_entropy_bits"] == 0
    assert a["retweet_share"] == 0.5  # the unknown flag is left out
    assert (a["distinct_clients"], a["top_client_share"]) == (2, pytest.approx(2 / 3))
    assert a["active_span_days"] == pytest.approx(180 / 86400)
    assert (b["gap_std_s"], b["burstiness"], b["gap_cv"]) == (0, -1, 0)
    assert b["weekday_entropy_bits"] == pytest.approx(1.0)
    assert b["active_span_days"] == 1.0
    # C: one post without a time: counted, but no time-based cadence
    assert cc["posts_count"] == 1
    assert np.isnan(cc["posts_per_active_day"]) and np.isnan(cc["hour_entropy_bits"])
    assert np.isnan(cc["distinct_clients"])


def test_accounts_without_posts_get_na_cadence(builder):
    posts = pd.DataFrame({"account_id": ["1"], "post_id": ["p"],
                          "created_at": pd.to_datetime(["2020-01-05"], utc=True)})
    X = builder.transform(accounts(BASE), cadence=compute_cadence(posts))
    assert X.loc[0, "posts_count"] == 1
    cad = [f.name for f in FEATURES if f.family == "cadence"]
    assert X.loc[1, cad].isna().all()


def test_row_features_do_not_depend_on_the_batch(builder):
    rng = np.random.default_rng(0)
    n = 60
    rows = [{"account_id": str(i), "screen_name": f"user{rng.integers(0, 10**rng.integers(1, 6))}",
             "ids_hashed": bool(i % 7 == 0), "created_at": f"20{10 + i % 10}-0{1 + i % 9}-11",
             "observed_at": "2021-01-01", "followers_count": int(rng.integers(0, 1000)),
             "following_count": int(rng.integers(0, 1000)),
             "description": "" if i % 3 else "bio", "default_profile_image": bool(i % 2)}
            for i in range(n)]
    acc = accounts(rows)
    whole = builder.row_features(acc)
    for start in (0, 17, 41):
        part = acc.iloc[start:start + 5]
        pd.testing.assert_frame_equal(builder.row_features(part), whole.iloc[start:start + 5])
    shuffled = acc.sample(frac=1.0, random_state=1)
    pd.testing.assert_frame_equal(builder.row_features(shuffled).sort_index(), whole)


def test_behaviour_whitespace_and_count_scaling(builder):
    base = accounts(BASE)
    spaced = base.copy()
    spaced["description"] = spaced["description"] + "   "
    pd.testing.assert_frame_equal(builder.transform(base), builder.transform(spaced))
    scaled = base.copy()
    for col in ("followers_count", "following_count"):
        scaled[col] = scaled[col] * 10
    np.testing.assert_allclose(builder.transform(scaled)["follower_share"],
                               builder.transform(base)["follower_share"])


def test_builder_state_json_round_trip(builder):
    again = FeatureBuilder.from_dict(json.loads(json.dumps(builder.to_dict())))
    pd.testing.assert_frame_equal(again.transform(accounts(BASE)),
                                  builder.transform(accounts(BASE)))
    assert builder.bigrams_.n_names_ == 2  # fitted on the organic rows (label 0) only


def test_format_guard_and_leakage_audit(builder, caplog):
    acc = accounts(BASE)
    acc["source"] = ["api", "io", "api"]
    acc.loc[1, "created_at_day_only"] = True
    norm, notes = normalise_formats(acc)
    assert notes and (norm["created_at"] == norm["created_at"].dt.floor("D")).all()
    X = builder.transform(norm)
    kept, dropped = supplied_features(norm, X)
    assert "log_followers" in kept
    assert "screen_name_digits" not in kept  # the io source has only hashed names
    assert "log_statuses" not in kept        # the io source carries no statuses_count
    assert dropped.set_index("feature").loc["log_statuses", "reason"].startswith("io:")
    labels = pd.Series([0, 1, 0, 1, 0, 1])
    frame = pd.DataFrame({"perfect": [1, 9, 2, 8, 3, 7], "noise": [1, 1, 2, 2, 3, 3],
                          "tell": [0, np.nan, 1, np.nan, 2, np.nan]})
    with caplog.at_level("WARNING"):
        audit = leakage_audit(frame, labels)
    audit = audit.set_index("feature")
    assert audit.loc["perfect", "auc"] == 1.0 and audit.loc["perfect", "flagged"]
    assert audit.loc["tell", "presence_auc"] == 1.0 and audit.loc["tell", "flagged"]
    assert not audit.loc["noise", "flagged"]
    assert "perfect" in caplog.text and "tell" in caplog.text


def test_every_row_feature_hand_computed_on_one_full_profile(builder):
    row = accounts([{
        "account_id": "9", "screen_name": "Ann_2019", "name": "Ann", "ids_hashed": False,
        "description": "cats", "location": "Lyon", "url": "",  # url blank
        "created_at": "2019-01-01", "observed_at": "2019-01-21",  # 20 days
        "followers_count": 19, "following_count": 1, "statuses_count": 199,
        "favourites_count": 39, "listed_count": 0, "default_profile": False,
        "default_profile_image": False, "verified": True, "protected": False, "label": 0}])
    x = builder.row_features(row).iloc[0]
    expected = {
        "age_days": 20, "log_followers": math.log(20), "log_following": math.log(2),
        "log_statuses": math.log(200), "log_favourites": math.log(40), "log_listed": 0.0,
        "follower_share": 0.95, "followers_per_day": 0.95, "following_per_day": 0.05,
        "statuses_per_day": 9.95, "favourites_per_day": 1.95, "default_profile_image": 0,
        "default_profile": 0, "verified": 1, "protected": 0, "description_empty": 0,
        "description_length_chars": 4, "location_empty": 0, "url_empty": 1,
        "profile_completeness": 2 / 3, "screen_name_length_chars": 8, "screen_name_digits": 4,
        "screen_name_digit_share": 0.5, "screen_name_trailing_digits": 4,
        "screen_name_uppercase": 1,
    }
    for name, value in expected.items():
        assert x[name] == pytest.approx(value), name
    # the bigram score is a mean log-probability: negative and finite for a real name
    assert -10 < x["screen_name_bigram_logp"] < 0
    assert set(expected) | {"screen_name_bigram_logp"} == {
        f.name for f in FEATURES if f.stage == "row"}


def test_cadence_from_parquet_and_csv_files_equals_the_frame(tmp_path):
    posts = pd.DataFrame({
        "account_id": ["A", "A", "B"], "post_id": ["1", "2", "3"],
        "created_at": pd.to_datetime(["2024-01-01 00:00", "2024-01-01 06:00",
                                      "2024-01-03 12:00"], utc=True),
        "is_retweet": pd.array([True, False, False], dtype="boolean"),
        "is_reply": pd.array([False, False, True], dtype="boolean"),
        "is_quote": pd.array([False, False, False], dtype="boolean"),
        "client": ["web", "android", "web"], "lang": ["en", "en", "th"]})
    posts.to_parquet(tmp_path / "posts.parquet", index=False)
    posts.to_csv(tmp_path / "posts.csv", index=False)
    frame = compute_cadence(posts).sort_index()
    for name in ("posts.parquet", "posts.csv"):
        pd.testing.assert_frame_equal(compute_cadence(str(tmp_path / name)).sort_index(), frame)
    assert frame.loc["A", "gap_mean_s"] == 6 * 3600


def test_burst_ratio_after_the_reference_uses_its_last_year_not_the_floor():
    # organic reference: one sign-up a day through 2014; an account of 2019 alone is no burst
    days = pd.Series(pd.date_range("2010-01-01", "2014-12-31", freq="D", tz="UTC"))
    ref = CreationReference(smooth_days=0, uniform_weight=0.0).fit(days)
    daily = 1 / len(days)
    late = pd.Series(pd.to_datetime(["2019-06-01"], utc=True))
    out = cohort_block(late, CohortCounter().add(late), ref)
    assert out["cohort_burst_ratio_3d"][0] == pytest.approx(2 / (7 * daily + 1))
    assert ref.expected_share(np.array([creation_day("2019-06-01")]), 3)[0] == pytest.approx(
        7 * daily)


def creation_day(text: str) -> int:
    return int(pd.Timestamp(text).value // 86_400_000_000_000)


def test_guard_drops_cadence_when_only_some_sources_have_posts(builder):
    acc = accounts([
        {"account_id": str(i), "created_at": "2020-01-01", "observed_at": "2020-06-01",
         "followers_count": i, "following_count": 3, "label": i % 2} for i in range(20)])
    acc["source"] = ["api"] * 10 + ["io"] * 10
    posts = pd.DataFrame({  # every api account posts; 6 of 10 io accounts do (60% >= 50%)
        "account_id": [str(i) for i in range(16)], "post_id": [f"p{i}" for i in range(16)],
        "created_at": pd.to_datetime(["2020-02-01"] * 16, utc=True)})
    X = builder.transform(acc, cadence=compute_cadence(posts))
    kept, dropped = supplied_features(acc, X, min_presence=0.5, max_presence_gap=0.2)
    assert "posts_count" not in kept and "log_followers" in kept
    reason = dropped.set_index("feature").loc["posts_count", "reason"]
    assert "100% in api vs 60% in io" in reason
