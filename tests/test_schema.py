"""The canonical tables' contract: each kind of bad row has one defined outcome."""

from __future__ import annotations

import pandas as pd
import pytest

from features.schema import (
    ACCOUNT_DTYPES,
    POST_DTYPES,
    SchemaError,
    conform_accounts,
    conform_posts,
)


def _accounts(**cols):
    base = {"account_id": ["a", "b", "c"], "followers_count": [1, 2, 3],
            "following_count": [4, 5, 6]}
    base.update(cols)
    return pd.DataFrame(base)


def test_missing_required_column_is_an_error_naming_file_and_column():
    frame = _accounts().drop(columns="following_count")
    with pytest.raises(SchemaError, match=r"users\.csv.*following_count"):
        conform_accounts(frame, file="users.csv")


def test_canonical_columns_and_dtypes_and_missing_is_na():
    out = conform_accounts(_accounts(), file="f").frame
    assert list(out.columns) == list(ACCOUNT_DTYPES)
    assert {c: str(out[c].dtype) for c in out} == {c: str(d) for c, d in ACCOUNT_DTYPES.items()}
    # a column the input does not carry is NA, never 0 or False
    assert out["statuses_count"].isna().all()
    assert out["default_profile_image"].isna().all()


def test_negative_count_is_rejected_with_reason_and_row():
    frame = _accounts(followers_count=[1, -2, 3])  # row 2: negative
    res = conform_accounts(frame, file="f", rows=pd.Series([10, 11, 12]))
    assert res.frame["account_id"].tolist() == ["a", "c"]
    assert res.rejects[["row", "column"]].values.tolist() == [[11, "followers_count"]]
    assert res.rejects["reason"].iloc[0] == "negative count -2"
    assert res.rows.tolist() == [10, 12]


def test_missing_required_value_is_rejected():
    frame = _accounts(following_count=[4, None, 6])
    res = conform_accounts(frame, file="f")
    assert res.rejects["reason"].tolist() == ["required value following_count is missing"]


def test_duplicate_account_observation_keeps_first_and_rejects_the_rest():
    frame = _accounts(account_id=["a", "b", "a"])  # row 3 repeats row 1
    res = conform_accounts(frame, file="f")
    assert res.frame["followers_count"].tolist() == [1, 2]
    assert res.rejects[["row", "reason"]].values.tolist() == [
        [3, "duplicate account observation"]
    ]
    # tweets repeat their author: there duplicates are expected
    assert len(conform_accounts(frame, file="f", unique=False).frame) == 3


def test_posts_contract():
    frame = pd.DataFrame({"account_id": ["a", "a", None], "post_id": ["1", "1", "3"]})
    res = conform_posts(frame, file="t")
    assert list(res.frame.columns) == list(POST_DTYPES)
    assert res.rejects["reason"].tolist() == [
        "required value account_id is missing", "duplicate post"
    ]
    assert len(res.frame) == 1


def test_uncastable_value_is_an_error():
    with pytest.raises(SchemaError, match="followers_count"):
        conform_accounts(_accounts(followers_count=["x", "1", "2"]), file="f")
