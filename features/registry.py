"""The feature registry: every feature's name, family, definition, inputs and function.

``FEATURES`` fixes the order of the feature vector; ``FEATURE_NAMES`` is derived from it and is
the single source of truth for column order everywhere (training, scoring, the model bundle).

Stages:

- ``row``: a pure function of one account's canonical columns (plus fitted state such as the
  screen-name bigram model). The same row gives the same value in any batch.
- ``cadence``: aggregates of the account's own posts (:mod:`features.cadence`).
- ``cohort``: needs the whole scored population (:mod:`features.cohort`).

A feature whose inputs a source does not carry is NA for that source, never 0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from features import names as name_mod
from features.cadence import CADENCE_COLUMNS

SECONDS_PER_DAY = 86_400.0


@dataclass(frozen=True)
class Feature:
    """One named feature.

    Attributes
    ----------
    name : column name, with its unit where it has one (``age_days``).
    family : ``profile``, ``name``, ``cadence`` or ``cohort``.
    definition : one line: what it measures, units, formula.
    needs : canonical columns it reads (``posts.*`` for the posts table).
    stage : ``row``, ``cadence`` or ``cohort`` (see the module docstring).
    func : for row features, ``func(ctx) -> ndarray`` over a :class:`RowContext`.
    """

    name: str
    family: str
    definition: str
    needs: tuple[str, ...]
    stage: str
    func: Callable[[RowContext], np.ndarray] | None = None


class RowContext:
    """Columns of a batch of accounts as float arrays, computed once and shared by features."""

    def __init__(self, accounts: pd.DataFrame, bigrams: name_mod.ScreenNameBigrams | None
                 ) -> None:
        self.accounts = accounts
        self.bigrams = bigrams

    def num(self, column: str) -> np.ndarray:
        """A count or flag column as float64 with NaN for missing."""
        return self.accounts[column].astype("Float64").to_numpy(dtype="float64", na_value=np.nan)

    def text_present(self, column: str) -> np.ndarray:
        """1.0 where the text column has non-blank content, else 0.0."""
        stripped = self.accounts[column].astype("string").str.strip()
        return stripped.str.len().gt(0).fillna(False).to_numpy(dtype="float64")

    @cached_property
    def age_days(self) -> np.ndarray:
        """Days from creation to observation; NaN where either is missing or age < 0."""
        created = pd.to_datetime(self.accounts["created_at"], utc=True)
        observed = pd.to_datetime(self.accounts["observed_at"], utc=True)
        age = ((observed - created).dt.total_seconds() / SECONDS_PER_DAY).to_numpy(
            dtype="float64", na_value=np.nan)
        return np.where(age < 0, np.nan, age)

    def per_day(self, column: str) -> np.ndarray:
        """``count / max(age_days, 1)``: growth per day of account age."""
        return self.num(column) / np.maximum(self.age_days, 1.0)

    @cached_property
    def screen_names(self) -> pd.Series:
        """Screen names usable by name features (missing for hashed ids)."""
        return name_mod.usable_names(self.accounts)

    @cached_property
    def name_codes(self) -> tuple[np.ndarray, np.ndarray]:
        """Code points and lengths of the screen names (shared by the name features)."""
        return name_mod.char_codes(self.screen_names)

    @cached_property
    def name_block(self) -> dict[str, np.ndarray]:
        """Shape features of the screen names."""
        return name_mod.name_block(self.screen_names, self.name_codes)

    def bigram_logp(self) -> np.ndarray:
        """Mean bigram log-probability of the screen names under the fitted model."""
        if self.bigrams is None:
            raise RuntimeError("screen_name_bigram_logp needs a fitted ScreenNameBigrams")
        return self.bigrams.score(self.screen_names, self.name_codes)


def _log1p(column: str) -> Callable[[RowContext], np.ndarray]:
    return lambda ctx: np.log1p(ctx.num(column))


def _follower_share(ctx: RowContext) -> np.ndarray:
    fol, ing = ctx.num("followers_count"), ctx.num("following_count")
    total = fol + ing
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, fol / total, np.nan)


def _completeness(ctx: RowContext) -> np.ndarray:
    parts = [ctx.text_present(c) for c in ("description", "location", "url")]
    return np.mean(parts, axis=0)


_PROFILE = [
    Feature("age_days", "profile", "account age at observation, days: observed_at - created_at",
            ("created_at", "observed_at"), "row", lambda c: c.age_days),
    Feature("log_followers", "profile", "ln(1 + followers_count)", ("followers_count",), "row",
            _log1p("followers_count")),
    Feature("log_following", "profile", "ln(1 + following_count)", ("following_count",), "row",
            _log1p("following_count")),
    Feature("log_statuses", "profile", "ln(1 + statuses_count)", ("statuses_count",), "row",
            _log1p("statuses_count")),
    Feature("log_favourites", "profile", "ln(1 + favourites_count)", ("favourites_count",),
            "row", _log1p("favourites_count")),
    Feature("log_listed", "profile", "ln(1 + listed_count)", ("listed_count",), "row",
            _log1p("listed_count")),
    Feature("follower_share", "profile",
            "followers / (followers + following), 0..1; NA when both are 0 (scale-free ratio)",
            ("followers_count", "following_count"), "row", _follower_share),
    Feature("followers_per_day", "profile", "followers_count / max(age_days, 1), per day",
            ("followers_count", "created_at", "observed_at"), "row",
            lambda c: c.per_day("followers_count")),
    Feature("following_per_day", "profile", "following_count / max(age_days, 1), per day",
            ("following_count", "created_at", "observed_at"), "row",
            lambda c: c.per_day("following_count")),
    Feature("statuses_per_day", "profile", "statuses_count / max(age_days, 1), per day",
            ("statuses_count", "created_at", "observed_at"), "row",
            lambda c: c.per_day("statuses_count")),
    Feature("favourites_per_day", "profile", "favourites_count / max(age_days, 1), per day",
            ("favourites_count", "created_at", "observed_at"), "row",
            lambda c: c.per_day("favourites_count")),
    Feature("default_profile_image", "profile", "1 if the account has the default avatar",
            ("default_profile_image",), "row", lambda c: c.num("default_profile_image")),
    Feature("default_profile", "profile", "1 if the profile theme was never changed",
            ("default_profile",), "row", lambda c: c.num("default_profile")),
    Feature("verified", "profile", "1 if the account is verified", ("verified",), "row",
            lambda c: c.num("verified")),
    Feature("protected", "profile", "1 if the account's posts are protected", ("protected",),
            "row", lambda c: c.num("protected")),
    Feature("description_empty", "profile", "1 if the description is missing or blank",
            ("description",), "row", lambda c: 1.0 - c.text_present("description")),
    Feature("description_length_chars", "profile", "characters of the stripped description",
            ("description",), "row",
            lambda c: c.accounts["description"].astype("string").str.strip().str.len()
            .fillna(0).to_numpy(dtype="float64")),
    Feature("location_empty", "profile", "1 if the location is missing or blank",
            ("location",), "row", lambda c: 1.0 - c.text_present("location")),
    Feature("url_empty", "profile", "1 if the profile URL is missing or blank", ("url",), "row",
            lambda c: 1.0 - c.text_present("url")),
    Feature("profile_completeness", "profile",
            "share of description, location and URL that are filled in, 0..1",
            ("description", "location", "url"), "row", _completeness),
]

_NAME = [
    Feature("screen_name_length_chars", "name", "characters in the screen name",
            ("screen_name", "ids_hashed"), "row", lambda c: c.name_block["length"]),
    Feature("screen_name_digits", "name", "digits in the screen name",
            ("screen_name", "ids_hashed"), "row", lambda c: c.name_block["digits"]),
    Feature("screen_name_digit_share", "name", "digits / characters of the screen name",
            ("screen_name", "ids_hashed"), "row", lambda c: c.name_block["digit_share"]),
    Feature("screen_name_trailing_digits", "name",
            "length of the run of digits ending the screen name (jane84721 -> 5)",
            ("screen_name", "ids_hashed"), "row", lambda c: c.name_block["trailing_digits"]),
    Feature("screen_name_uppercase", "name", "upper-case ASCII letters in the screen name",
            ("screen_name", "ids_hashed"), "row", lambda c: c.name_block["upper"]),
    Feature("screen_name_bigram_logp", "name",
            "mean ln P per character bigram under the bigram model fitted on training names",
            ("screen_name", "ids_hashed"), "row", lambda c: c.bigram_logp()),
]

_CADENCE_DEFS = {
    "posts_count": "posts by the account in the posts given",
    "posts_per_active_day": "timed posts / distinct UTC days with a post",
    "gap_median_s": "median gap between consecutive posts, seconds",
    "gap_mean_s": "mean gap between consecutive posts, seconds",
    "gap_std_s": "standard deviation of the gaps, seconds",
    "gap_cv": "gap_std_s / gap_mean_s",
    "burstiness": "(gap_std_s - gap_mean_s) / (gap_std_s + gap_mean_s), -1..1",
    "busiest_hour_share": "share of posts in the account's busiest UTC hour of day",
    "hour_entropy_bits": "Shannon entropy of the UTC hour of its posts, bits (max 4.58)",
    "weekday_entropy_bits": "Shannon entropy of the weekday of its posts, bits (max 2.81)",
    "retweet_share": "retweets / posts",
    "reply_share": "replies / posts",
    "quote_share": "quotes / posts",
    "distinct_clients": "number of distinct posting clients",
    "top_client_share": "share of posts from the most used client",
    "active_span_days": "days from first to last post",
}
_CADENCE_NEEDS = {
    "retweet_share": ("posts.is_retweet",), "reply_share": ("posts.is_reply",),
    "quote_share": ("posts.is_quote",), "distinct_clients": ("posts.client",),
    "top_client_share": ("posts.client",), "posts_count": ("posts.account_id",),
}
_CADENCE = [
    Feature(name, "cadence", _CADENCE_DEFS[name],
            _CADENCE_NEEDS.get(name, ("posts.created_at",)), "cadence")
    for name in CADENCE_COLUMNS
]

_COHORT = [
    Feature("cohort_same_day_count", "cohort",
            "accounts of the population created the same UTC day (itself included)",
            ("created_at",), "cohort"),
    Feature("cohort_same_day_share", "cohort", "cohort_same_day_count / population size",
            ("created_at",), "cohort"),
    Feature("cohort_3d_count", "cohort", "accounts of the population created within +-3 days",
            ("created_at",), "cohort"),
    Feature("cohort_3d_share", "cohort", "cohort_3d_count / population size", ("created_at",),
            "cohort"),
    Feature("cohort_15d_count", "cohort", "accounts of the population created within +-15 days",
            ("created_at",), "cohort"),
    Feature("cohort_15d_share", "cohort", "cohort_15d_count / population size",
            ("created_at",), "cohort"),
    Feature("cohort_burst_ratio_3d", "cohort",
            "(cohort_3d_count + 1) / (N * E_3 + 1), E_3 = organic reference share in +-3 days",
            ("created_at",), "cohort"),
    Feature("cohort_burst_ratio_15d", "cohort",
            "(cohort_15d_count + 1) / (N * E_15 + 1), E_15 = organic reference share in +-15 d",
            ("created_at",), "cohort"),
    Feature("cohort_rank_pct", "cohort",
            "share of the population whose cohort_3d_count is at most this account's, 0..1",
            ("created_at",), "cohort"),
]

#: Every feature, in vector order.
FEATURES: tuple[Feature, ...] = tuple(_PROFILE + _NAME + _CADENCE + _COHORT)
#: Feature names in vector order: the single source of truth for column order.
FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)
FAMILIES: tuple[str, ...] = ("profile", "name", "cadence", "cohort")
BY_NAME: dict[str, Feature] = {f.name: f for f in FEATURES}

assert len(set(FEATURE_NAMES)) == len(FEATURE_NAMES), "feature names must be unique"


def features_table() -> str:
    """The registry as a Markdown table (name, family, definition, needs), for the docs."""
    lines = ["| feature | family | definition | needs |", "|---|---|---|---|"]
    for f in FEATURES:
        needs = ", ".join(f"`{n}`" for n in f.needs)
        lines.append(f"| `{f.name}` | {f.family} | {f.definition} | {needs} |")
    return "\n".join(lines) + "\n"
