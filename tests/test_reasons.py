"""Reasons from the paths of an account's leaves (models/reasons.py): exact credits, reasons
that argue for the decision they explain, and agreement with TreeSHAP."""

from __future__ import annotations

import re

import numpy as np
import pytest
from conftest import ROOT

from features.sources import read_files
from models.bundle import Bundle
from models.reasons import BASE_ONLY, PathTable, levels, reason_texts

SAMPLE_INPUTS = [str(ROOT / "sample_data" / d) for d in ("release", "release_b", "controls")]
REASON = r"\w+ (NA|-?[\d.]+(e[+-]\d+)?)( \((low|high)\))? [+-]\d+\.\d\d"


@pytest.fixture(scope="module")
def scored(sample_bundle):
    bundle = Bundle.load(sample_bundle)
    accounts = read_files(SAMPLE_INPUTS).accounts
    return bundle, accounts, bundle.features_of(accounts)


def test_credits_and_base_add_up_to_the_raw_score_in_log_odds(scored):
    bundle, _, X = scored
    raw = bundle.booster.predict(X)
    table = PathTable(bundle.booster.model_to_string(), len(bundle.features))
    credits = table.credits(bundle.booster.predict(X, pred_leaf=True))
    np.testing.assert_allclose(credits.sum(axis=1) + table.base, np.log(raw / (1 - raw)),
                               atol=1e-4)
    # the float64 table itself is exact
    leaves = bundle.booster.predict(X.iloc[:50], pred_leaf=True)
    exact = np.stack([table.table[leaves[i] + table.offsets].sum(axis=0) for i in range(50)])
    np.testing.assert_allclose(exact.sum(axis=1) + table.base,
                               np.log(raw[:50] / (1 - raw[:50])), atol=1e-9)


def test_a_hand_made_tree_credits_each_split_to_its_feature():
    text = "\n".join([
        "tree", "version=v4", "num_class=1", "feature_names=a b", "",
        "Tree=0", "num_leaves=3", "split_feature=0 1", "left_child=1 -1", "right_child=-3 -2",
        "leaf_value=-1 2 5", "internal_value=1 0.5", "is_linear=0", "",
        "end of trees"])
    table = PathTable(text, 2)
    # leaf 0: root (1) -> node 1 (0.5) on a -> leaf 0 (-1) on b
    np.testing.assert_allclose(table.table, [[-0.5, -1.5], [-0.5, 1.5], [4.0, 0.0]])
    assert table.base == 1.0


@pytest.mark.parametrize("prior", [None, 0.5])
def test_a_flagged_row_never_shows_an_organic_ward_reason_nor_an_unflagged_one_a_bot_ward(
        scored, prior):
    bundle, _, X = scored
    out = bundle.score_features(X, prior=prior, reasons="all")
    assert out["is_bot"].any() and (~out["is_bot"]).any()
    assert (out["reasons"] != "").all()
    for flagged, text in zip(out["is_bot"], out["reasons"], strict=True):
        if text == BASE_ONLY:  # no feature moves it toward its decision: none is shown
            continue
        parts = text.split("; ")
        assert len(parts) <= 3
        for part in parts:
            assert re.fullmatch(REASON, part), part
            credit = float(part.rsplit(" ", 1)[1])
            assert credit > 0 if flagged else credit < 0, (flagged, text)
    assert (out["reasons"] != BASE_ONLY).mean() > 0.9


def test_reasons_are_strongest_first_and_say_low_or_high_against_the_training_accounts():
    credits = np.array([[0.2, 1.5, -0.3, 0.9], [0.2, 1.5, -0.3, 0.9]])
    X = np.array([[0.01, np.nan, 3.0, 1.0], [0.01, np.nan, 3.0, 1.0]])
    reference = {"a": {"edges": [0.1, 0.2, 0.3], "shares": [0.25, 0.25, 0.25, 0.25, 0.0]},
                 "d": {"edges": [0.0, 1.0], "shares": [0.0, 0.5, 0.5, 0.0]}}
    level = levels(reference, ["a", "b", "c", "d"], X)
    texts = reason_texts(credits, X, np.array([True, False]), ["a", "b", "c", "d"], level)
    assert texts[0] == "b NA +1.50; d 1 +0.90; a 0.01 (low) +0.20"  # (d: a flag, no level)
    assert texts[1] == "c 3 -0.30"  # the only organic-ward credit
    assert reason_texts(credits[:1], X[:1], np.array([False]), ["a", "b", "c", "d"],
                        level[:1]) == ["c 3 -0.30"]
    assert reason_texts(np.array([[0.5, 0.2]]), np.array([[1.0, 2.0]]), np.array([False]),
                        ["a", "b"], np.zeros((1, 2), np.int8)) == [BASE_ONLY]


def test_paths_and_treeshap_mostly_agree_on_the_top_reason(scored):
    bundle, _, X = scored
    paths = bundle.credits(X, "paths")
    shap = bundle.credits(X, "shap")
    agree = (np.argmax(np.abs(paths), 1) == np.argmax(np.abs(shap), 1)).mean()
    assert agree > 0.6, agree  # (measured on the real-data model: README)
    out = bundle.score_features(X.iloc[:200], reasons="all", method="shap")
    assert out["reasons"].str.len().gt(0).mean() > 0.9
