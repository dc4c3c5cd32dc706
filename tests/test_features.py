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
from features.guard import leakage_audit, normalise_formats, presence_guard
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
     "location": "",  # carried, blank
     "created_at": "2020-01-01", "observed_at": "2020-01-11", "followers_count": 30,
     "following_count": 10, "statuses_count": 99, "default_profile_image": True,
     "ids_hashed": False, "label": 0},
    {"account_id": "2", "screen_name": "f" * 44, "ids_hashed": True,  # hashed: no name features
     "created_at": "2020-01-01", "followers_count": 0, "following_count": 0, "label": 1},
    {"account_id": "3", "screen_name": "Bob_Smith", "ids_hashed": False,
     "created_at": "2020-02-01", "observed_at": "2020-03-01",
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
    # row 2 carries no profile texts at all: their features are NA, not "empty"
    assert np.isnan(X.iloc[1][["description_empty", "location_empty", "url_empty",
                               "profile_completeness"]].astype(float)).all()
    assert X.iloc[2]["age_days"] == 29 and X.iloc[2]["follower_share"] == 1.0
    assert X.iloc[2]["followers_per_following"] == 5.0  # no following: divided by 1


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


def test_cohort_burst_ratio_hand_computed():
    """40 accounts on one day among one a week over a year, under a uniform reference: the
    window's count, the list's own expectation from the months before and after (60 to 180 days
    away, plus one, the larger side) shaped by the reference, the 99.9% lower bound, twice the
    expectation; an account away from the burst stays at 1."""
    weekly = pd.date_range("2019-07-01", "2020-06-29", freq="7D", tz="UTC")
    burst = pd.Series(pd.to_datetime(["2020-01-01"] * 40, utc=True))
    created = pd.concat([pd.Series(weekly), burst], ignore_index=True)
    ref = CreationReference(uniform_weight=1.0).fit(
        pd.Series(pd.to_datetime(["2010-01-01", "2020-12-31"], utc=True)))
    out = cohort_block(created, CohortCounter().add(created), ref)
    at = len(weekly)  # the first burst account
    # +-3 days of 2020-01-01: the 40 accounts and the weekly one of 2019-12-30 (a Monday)
    c3 = 41
    # the months before and after: 60 to 180 days away (the weekly accounts only; the list
    # covers both sides to their ends, 2019-07-01 to 2020-06-29)
    before = int(((created >= "2019-07-05") & (created < "2019-11-02")).sum())
    after = int(((created > "2020-03-01") & (created <= "2020-06-29")).sum())
    # the reference is uniform: the window's share of it over one side's share is 7 / 120
    expected = (max(before, after) + 1) * 7 / 120
    lower = c3 * (1 - 1 / (9 * c3) - 3.090232306167813 / (3 * np.sqrt(c3))) ** 3
    assert out["cohort_burst_ratio_3d"][at] == pytest.approx(lower / (2 * expected))
    assert out["cohort_burst_ratio_3d"][at] > 3
    assert out["cohort_burst_ratio_3d"][0] == 1.0  # 2019-07-01: one account, no burst
    assert (out["cohort_burst_ratio_same_day"][:at] == 1.0).all()


def test_cohort_ratio_of_an_organic_list_is_one_alone_in_halves_and_pooled():
    """An organic list (sign-ups spread like the reference) shows no burst whatever its size
    or company, nor when it is cut by creation date (a list ordered by id, in halves: each
    half's edge has no accounts on one side); a farm created within days shows one in any list
    that holds it."""
    rng = np.random.default_rng(0)
    start = pd.Timestamp("2012-01-01", tz="UTC")
    organic = pd.Series(start + pd.to_timedelta(rng.integers(0, 6 * 365, 6000), unit="D"))
    ref = CreationReference().fit(organic.iloc[::2])
    farm = pd.Series(pd.Timestamp("2016-05-10", tz="UTC")
                     + pd.to_timedelta(rng.integers(0, 5, 300), unit="D"))
    by_date = organic.sort_values(ignore_index=True)
    # another collection's organic accounts pooled in: sparse, over other years too
    other = pd.Series(pd.Timestamp("2008-01-01", tz="UTC")
                      + pd.to_timedelta(rng.integers(0, 14 * 365, 1500), unit="D"))
    for population in (organic, organic.iloc[:3000], organic.iloc[3000:],
                       organic.iloc[:20], by_date.iloc[:3000], by_date.iloc[3000:],
                       pd.concat([by_date.iloc[:3000], other], ignore_index=True)):
        out = cohort_block(population, CohortCounter().add(population), ref)
        for name, values in out.items():  # (the reference's own noise: a few at 1.2 at most)
            assert (values == 1.0).mean() > 0.99 and values.max() < 1.25, (name, len(population))
    pooled = pd.concat([organic, farm], ignore_index=True)
    out = cohort_block(pooled, CohortCounter().add(pooled), ref)
    assert (out["cohort_burst_ratio_3d"][-300:] > 2).all()
    assert (out["cohort_burst_ratio_3d"][:6000][organic.dt.year != 2016] == 1.0).all()


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


def test_cohort_single_account_is_no_burst_and_day_only_is_the_same():
    ref = CreationReference(smooth_days=0, uniform_weight=0.0).fit(
        pd.Series(pd.to_datetime(["2015-06-01"] * 99 + ["2012-01-01"], utc=True)),
        pd.Series(pd.to_datetime(["2016-01-01"], utc=True)))  # observed: range ends 2016
    one = pd.Series(pd.to_datetime(["2015-06-01 13:45"], utc=True))
    out = cohort_block(one, CohortCounter().add(one), ref)
    assert out["cohort_burst_ratio_3d"][0] == 1.0
    day_only = pd.Series(pd.to_datetime(["2015-06-01"], utc=True))
    ten = pd.Series(pd.to_datetime(["2013-06-01"] * 10, utc=True))  # no organic sign-ups near
    assert cohort_block(day_only, CohortCounter().add(day_only), ref)["cohort_burst_ratio_3d"][
        0] == out["cohort_burst_ratio_3d"][0]
    # ten on one day where the reference expects none, in a list with a few accounts in the
    # months around: certain, far above twice the floor
    monthly = pd.Series(pd.date_range("2012-06-01", "2014-06-01", freq="30D", tz="UTC"))
    listed = pd.concat([ten, monthly], ignore_index=True)
    assert cohort_block(listed, CohortCounter().add(listed), ref)[
        "cohort_burst_ratio_same_day"][0] > 1
    # the same ten alone: the list covers no months around them, nothing to judge a burst by
    assert cohort_block(ten, CohortCounter().add(ten), ref)["cohort_burst_ratio_same_day"][
        0] == 1


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
        "default_profile_image": False, "verified": True, "protected": False,
        "profile_banner": True, "profile_use_background_image": False, "label": 0}])
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
        "screen_name_uppercase": 1, "followers_per_following": 19.0, "listed_per_day": 0.0,
        "profile_banner": 1, "profile_background_image": 0, "description_words": 1,
        "name_length_chars": 3, "name_digits": 0,
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


def test_expected_share_after_the_reference_uses_its_last_year_not_the_floor():
    # organic reference: one sign-up a day through 2014; a day of 2019 expects that rate
    days = pd.Series(pd.date_range("2010-01-01", "2014-12-31", freq="D", tz="UTC"))
    ref = CreationReference(smooth_days=0, uniform_weight=0.0).fit(days)
    daily = 1 / len(days)
    assert ref.expected_share(np.array([creation_day("2019-06-01")]), 3)[0] == pytest.approx(
        7 * daily)
    late = pd.Series(pd.to_datetime(["2019-06-01"], utc=True))
    assert cohort_block(late, CohortCounter().add(late), ref)["cohort_burst_ratio_3d"][0] == 1.0


def creation_day(text: str) -> int:
    return int(pd.Timestamp(text).value // 86_400_000_000_000)


def test_guard_drops_a_field_only_one_class_comes_with(builder):
    """Posts (cadence) come with 6 inauthentic accounts and no organic one: the presence rule
    drops cadence; a count both classes carry stays; a count carried by far more organic than
    inauthentic rows (presence gap 0.5) goes too."""
    acc = accounts([
        {"account_id": str(i), "created_at": "2020-01-01", "observed_at": "2020-06-01",
         "followers_count": i, "following_count": 3, "label": i % 2,
         "statuses_count": i if i % 2 == 0 or i < 10 else None} for i in range(20)])
    posts = pd.DataFrame({
        "account_id": [str(i) for i in (1, 3, 5, 7, 9, 11)],
        "post_id": [f"p{i}" for i in range(6)],
        "created_at": pd.to_datetime(["2020-02-01"] * 6, utc=True)})
    X = builder.transform(acc, cadence=compute_cadence(posts))
    kept, dropped = presence_guard(X, acc["label"].astype(int).to_numpy())
    assert "log_followers" in kept and "posts_count" not in kept
    reasons = dropped.set_index("feature")["reason"]
    assert reasons["posts_count"] == ("present on 60.0% of inauthentic and 0.0% of organic rows:"
                                      " only one class comes with it")
    assert "its presence alone would tell the classes apart" in reasons["log_statuses"]
    assert reasons["log_favourites"] == "no training row has it"


def test_guard_drops_what_a_single_class_profile_lacks():
    """Two profiles: 'full' holds both classes, 'io' only inauthentic accounts (no organic
    account could be shown in it) and lacks statuses: statuses would say 'bot' by being
    missing, although overall presence differs by less than the gap."""
    y = np.array([0] * 50 + [1] * 50 + [1] * 10)
    profiles = np.array(["full"] * 100 + ["io"] * 10)
    frame = pd.DataFrame({"log_followers": np.arange(110.0),
                          "log_statuses": np.r_[np.arange(100.0), [np.nan] * 10]})
    kept, dropped = presence_guard(frame, y, profiles=profiles)
    assert kept == ["log_followers"]
    assert dropped.loc[0, "reason"].startswith("missing in profile io, whose accounts are all "
                                               "inauthentic")
    both = np.array(["full"] * 100 + ["io"] * 5 + ["io"] * 5)
    y_both = np.r_[y[:105], [0] * 5]  # organic accounts shown as io: nothing to drop
    assert presence_guard(frame, y_both, profiles=both)[0] == ["log_followers", "log_statuses"]


def test_a_dense_collection_pooled_with_a_sparse_one_of_other_years_shows_no_burst():
    """caverlee-2011's legitimate users (dense, growing with Twitter until late 2009) pooled
    with cresci-2017's genuine accounts (sparse, 2007 to 2015): where the dense collection
    ends, the months after it hold only the sparse one's accounts. Judged by those months, its
    last months would look like a burst (measured with both sides summed: ratios up to 2.9 from
    1.3); judged by the denser side they do not move."""
    rng = np.random.default_rng(0)
    tau = 120 / np.log(2)  # sign-ups doubling every four months
    t = tau * np.log(1 + rng.random(20_000) * (np.exp(3 * 365 / tau) - 1))
    dense = pd.Series(pd.Timestamp("2007-01-01", tz="UTC") + pd.to_timedelta(t.astype(int), "D"))
    sparse = pd.Series(pd.Timestamp("2007-01-01", tz="UTC")
                       + pd.to_timedelta(rng.integers(0, 9 * 365, 3000), unit="D"))
    ref = CreationReference().fit(sparse.iloc[::2])  # the model knows only the sparse one
    pooled = pd.concat([dense, sparse], ignore_index=True)
    alone = cohort_block(dense, CohortCounter().add(dense), ref)
    together = cohort_block(pooled, CohortCounter().add(pooled), ref)
    for name, values in alone.items():
        moved = np.abs(together[name][:len(dense)] - values)
        assert (moved <= 0.1).mean() > 0.99 and together[name][:len(dense)].max() < 2, name
