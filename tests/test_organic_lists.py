"""Flags that mean something on a real list (../shared/data; skipped where it is absent).

A list of organic accounts from a collection the model never saw, scored on its own, must come
out (almost) unflagged at the default prior and 90% precision; the same list scored alone, in
halves or pooled with another organic list must get the same decisions (the cohort features
do not move with the list); accounts created together far beyond the organic reference must
still stand out, in the list's burst report and in their scores. The models are trained as
``train.py`` trains them (``configs/real.yaml``), with fixed parameters instead of a tuning
study, on every collection but the one scored.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT, SHARED_DATA
from sklearn.metrics import roc_auc_score

from features.cohort import CohortCounter, bursts_of
from models.config import load_config
from models.dataset import load_dataset, select_features
from models.fit import fit_bundle
from models.generalisation import default_params, evaluate

pytestmark = [pytest.mark.real_data, pytest.mark.skipif(
    not SHARED_DATA.is_dir(),
    reason=f"real datasets not found at {SHARED_DATA} (they sit beside the repo in CI)")]

CONFIG = ROOT / "configs" / "real.yaml"
#: The most a list of organic accounts may have flagged at the default prior and precision.
MAX_FLAGGED = 0.05


def model_without(collection: str):
    """(bundle trained on every collection of configs/real.yaml but ``collection``, the
    collection's accounts, its cadence)."""
    config = load_config(CONFIG)
    others = [s for s in config.sources if (s.collection or s.name) != collection]
    mine = [s.model_copy(update={"role": "train"}) for s in config.sources
            if (s.collection or s.name) == collection]
    train = config.model_copy(update={"sources": others})
    data = load_dataset(train)
    features = select_features(data, config.features).names
    params = default_params(config)
    ev = evaluate(data, train, params, grouped=False, random=False)
    bundle = fit_bundle(data, train, features, params, ev, model_version="test",
                        training={})
    scored = load_dataset(config.model_copy(update={"sources": mine}))
    return bundle, scored


@pytest.fixture(scope="module")
def without_caverlee():
    return model_without("caverlee-2011")


@pytest.fixture(scope="module")
def without_cresci():
    return model_without("cresci-2017")


def flagged(bundle, accounts: pd.DataFrame) -> pd.Series:
    """Decisions (default prior and precision) of ``accounts`` scored as one list."""
    scores = bundle.score(accounts, reasons="none")
    return pd.Series(scores["is_bot"].to_numpy(), index=accounts["account_id"].to_numpy())


@pytest.mark.parametrize(("trained", "least", "can_flag"), [
    ("without_caverlee", 19_000, True),
    # without cresci-2017 only caverlee-2011 and cresci-stock-2018 can be left out (no organic
    # account can be shown in a release's format), and on them no threshold reaches 90%
    # precision at a 5% prior: such a model flags nothing, and says so (threshold None)
    ("without_cresci", 3_400, False)])
def test_a_collections_organic_accounts_alone_are_rarely_flagged(trained, least, can_flag,
                                                                 request):
    """caverlee-2011's legitimate users by the model that left caverlee-2011 out; cresci-2017's
    genuine accounts by the model that left cresci-2017 out; and that model still ranks the
    collection's bots above its organic accounts."""
    bundle, data = request.getfixturevalue(trained)
    organic = data.accounts[data.labels == 0]
    assert len(organic) > least
    assert (bundle.threshold() is not None) == can_flag
    share = flagged(bundle, organic).mean()
    assert share <= MAX_FLAGGED, f"{share:.1%} of the organic accounts flagged ({trained})"
    raw = bundle.booster.predict(bundle.features_of(data.accounts))
    assert roc_auc_score(data.labels, raw) > 0.8  # the ranking carries over


def test_organic_decisions_do_not_move_with_the_list(without_caverlee, without_cresci):
    """caverlee-2011's legitimate users scored alone, in two halves, and pooled with
    cresci-2017's genuine accounts (another era, a sixth as many) get the same probabilities
    and decisions. At the default prior that model flags none of them, so the decisions are
    compared at a prior of 50% too, where it flags some."""
    bundle, data = without_caverlee
    legit = data.accounts[data.labels == 0].reset_index(drop=True)
    genuine = without_cresci[1].accounts[without_cresci[1].labels == 0]
    half = len(legit) // 2
    for prior in (None, 0.5):
        alone = bundle.score(legit, prior=prior, reasons="none")
        halves = pd.concat([bundle.score(legit.iloc[:half], prior=prior, reasons="none"),
                            bundle.score(legit.iloc[half:], prior=prior, reasons="none")],
                           ignore_index=True)
        pooled = bundle.score(pd.concat([legit, genuine], ignore_index=True), prior=prior,
                              reasons="none").iloc[:len(legit)]  # (in input order)
        if prior == 0.5:  # some flagged (measured: 1.8%), decisions to compare
            assert 50 <= alone["is_bot"].sum() < len(legit) // 2
        for other in (halves, pooled):
            assert other["account_id"].tolist() == alone["account_id"].tolist()
            moved = (other["is_bot"].to_numpy() != alone["is_bot"].to_numpy()).sum()
            assert moved <= len(legit) // 1000, f"{moved} decisions moved at prior {prior}"
            same = np.isclose(other["bot_probability"], alone["bot_probability"])
            assert same.mean() >= 0.99, f"{(~same).sum()} probabilities moved"


def test_an_injected_creation_burst_is_flagged(without_caverlee):
    """300 of caverlee-2011's legitimate profiles re-dated into the same four days of 2008 and
    scored among the other legitimate users (a model that never saw caverlee-2011): the list's
    burst report finds them, the cohort features single them out (a burst ratio far above
    1), and their scores rise; before and after, at most 5% of them are flagged (measured
    after: 2%).

    A burst alone does not get an organic-looking profile past the 90% precision threshold at
    a 5% prior: in cresci-2017, 99 of 3,474 genuine accounts were created inside its bot
    families' creation bursts, so a burst's own precision at that prior is far below 90% and
    the model learns it as evidence to add to the profile's, not as a verdict."""
    bundle, data = without_caverlee
    legit = data.accounts[data.labels == 0].reset_index(drop=True)
    before = bundle.score(legit, reasons="none")
    rng = np.random.default_rng(0)
    picked = legit.sample(300, random_state=0)
    farm = picked.copy()
    farm["account_id"] = "farm-" + farm["account_id"].astype(str)
    day = pd.Timestamp("2008-06-10", tz="UTC")  # about 6 legitimate sign-ups a day then
    farm["created_at"] = day + pd.to_timedelta(rng.integers(0, 4, len(farm)), unit="D")
    listed = pd.concat([legit, farm], ignore_index=True)
    bursts = bursts_of(CohortCounter().add(listed["created_at"]), bundle.builder.reference_)
    assert len(bursts) == 1  # the list's report flags the burst, and only it
    assert bursts.loc[0, "start"] <= "2008-06-10" and bursts.loc[0, "end"] >= "2008-06-13"
    assert bursts.loc[0, "accounts"] >= 300
    ratio = bundle.features_of(listed)["cohort_burst_ratio_3d"].to_numpy()
    assert (ratio[len(legit):] > 2).all()
    # legitimate users stay below 2, but those created in the burst's days (its window is
    # theirs); Twitter's 2009 surge is steeper in this list than in the reference the model
    # learned, so some of its weeks reach 1.7 (measured: 92% exactly 1, none above 1.8)
    away = (legit["created_at"] - day).abs() > pd.Timedelta("7D")
    assert (ratio[:len(legit)][away.to_numpy()] < 2).all()
    # the raw model score (the calibrated probability at a 5% prior is flat in this range);
    # re-dating also changes the counts per day of age, so some scores move either way
    raw_after = bundle.booster.predict(bundle.features_of(listed))[len(legit):]
    raw_before = bundle.booster.predict(bundle.features_of(legit))[picked.index.to_numpy()]
    lift = np.median(raw_after) / np.median(raw_before)
    assert lift >= 1.5, f"median raw score only {lift:.2f} times as high in the burst"
    assert before.loc[picked.index, "is_bot"].mean() <= MAX_FLAGGED
    # not flagged at 90% precision at a 5% prior: a burst alone is not that certain (above)
    after = bundle.score(listed, reasons="none").iloc[len(legit):]
    assert after["is_bot"].mean() <= MAX_FLAGGED
