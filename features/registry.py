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
import pyarrow as pa
import pyarrow.compute as pc

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

    def text_length(self, column: str, stat: str | None = None) -> np.ndarray:
        """Characters of the stripped text (0: the account has none); where the source does
        not carry the text (<NA>), the ``stat`` column a source of statistics gives instead
        (e.g. ``description_length``); NaN when neither is known."""
        length = self.accounts[column].astype("string").str.strip().str.len().to_numpy(
            dtype="float64", na_value=np.nan)
        if stat is None or stat not in self.accounts.columns:
            return length
        return np.where(np.isnan(length), self.num(stat), length)

    def text_present(self, column: str, stat: str | None = None) -> np.ndarray:
        """1.0 where the text column has non-blank content, 0.0 where it is empty; from the
        ``stat`` column (a length, count or presence flag) where the source carries only that;
        NaN where the source carries neither."""
        length = self.text_length(column, stat)
        return np.where(np.isnan(length), np.nan, (length > 0).astype("float64"))

    @cached_property
    def description_words(self) -> np.ndarray:
        """Words of the description (white-space separated), or the source's word count."""
        text = pa.array(self.accounts["description"].astype("string").array, type=pa.string(),
                        from_pandas=True)
        words = pc.count_substring_regex(text, r"\S+").to_numpy(zero_copy_only=False)
        words = np.asarray(words, dtype="float64")  # (nulls become NaN)
        return np.where(np.isnan(words), self.num("description_words"), words)

    @cached_property
    def age_days(self) -> np.ndarray:
        """Days from creation to observation, else the age the source gives
        (``account_age_days``); NaN where neither is known or the age is negative."""
        created = pd.to_datetime(self.accounts["created_at"], utc=True)
        observed = pd.to_datetime(self.accounts["observed_at"], utc=True)
        age = ((observed - created).dt.total_seconds() / SECONDS_PER_DAY).to_numpy(
            dtype="float64", na_value=np.nan)
        age = np.where(np.isnan(age), self.num("account_age_days"), age)
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

    @cached_property
    def screen_name_length(self) -> np.ndarray:
        """Characters of the usable screen name, else the length a source of statistics gives
        (never for hashed ids: a hash's length is the format's, not the account's)."""
        length = self.name_block["length"]
        hashed = self.accounts["ids_hashed"].astype("boolean").fillna(False).to_numpy(bool)
        stat = np.where(hashed, np.nan, self.num("screen_name_length"))
        return np.where(np.isnan(length), stat, length)

    @cached_property
    def display_name_block(self) -> tuple[np.ndarray, np.ndarray]:
        """(characters, digits) of the display name, missing where hashed or absent; the
        length falls back to a source's ``name_length`` statistic."""
        hashed = self.accounts["ids_hashed"].astype("boolean").fillna(False).to_numpy(bool)
        names = self.accounts["name"].astype("string").str.strip().mask(hashed)
        length = names.str.len().to_numpy(dtype="float64", na_value=np.nan)
        digits = names.str.count(r"[0-9]").to_numpy(dtype="float64", na_value=np.nan)
        length = np.where(np.isnan(length), np.where(hashed, np.nan, self.num("name_length")),
                          length)
        return length, digits

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


def _followers_ratio(ctx: RowContext) -> np.ndarray:
    return ctx.num("followers_count") / np.maximum(ctx.num("following_count"), 1.0)


def _completeness(ctx: RowContext) -> np.ndarray:
    parts = [ctx.text_present("description", "description_length"),
             ctx.text_present("location"), ctx.text_present("url", "url_present")]
    return np.mean(parts, axis=0)  # (NaN when a source lacks one of them)


def _description_present(ctx: RowContext) -> np.ndarray:
    by_length = ctx.text_present("description", "description_length")
    words = ctx.description_words
    return np.where(np.isnan(by_length), np.where(np.isnan(words), np.nan, words > 0),
                    by_length)


_PROFILE = [
    Feature("age_days", "profile", "account age at observation, days: observed_at - created_at",
            ("created_at", "observed_at", "account_age_days"), "row", lambda c: c.age_days),
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
    Feature("followers_per_following", "profile",
            "followers_count / max(following_count, 1) (BotometerLite's followers_friends_ratio)",
            ("followers_count", "following_count"), "row", _followers_ratio),
    Feature("followers_per_day", "profile", "followers_count / max(age_days, 1), per day",
            ("followers_count", "created_at", "observed_at", "account_age_days"),
            "row", lambda c: c.per_day("followers_count")),
    Feature("following_per_day", "profile", "following_count / max(age_days, 1), per day",
            ("following_count", "created_at", "observed_at", "account_age_days"),
            "row", lambda c: c.per_day("following_count")),
    Feature("statuses_per_day", "profile", "statuses_count / max(age_days, 1), per day",
            ("statuses_count", "created_at", "observed_at", "account_age_days"),
            "row", lambda c: c.per_day("statuses_count")),
    Feature("favourites_per_day", "profile", "favourites_count / max(age_days, 1), per day",
            ("favourites_count", "created_at", "observed_at", "account_age_days"),
            "row", lambda c: c.per_day("favourites_count")),
    Feature("listed_per_day", "profile", "listed_count / max(age_days, 1), per day",
            ("listed_count", "created_at", "observed_at", "account_age_days"),
            "row", lambda c: c.per_day("listed_count")),
    Feature("default_profile_image", "profile", "1 if the account has the default avatar",
            ("default_profile_image",), "row", lambda c: c.num("default_profile_image")),
    Feature("default_profile", "profile", "1 if the profile theme was never changed",
            ("default_profile",), "row", lambda c: c.num("default_profile")),
    Feature("verified", "profile", "1 if the account is verified", ("verified",), "row",
            lambda c: c.num("verified")),
    Feature("protected", "profile", "1 if the account's posts are protected", ("protected",),
            "row", lambda c: c.num("protected")),
    Feature("profile_banner", "profile", "1 if the profile has a banner image",
            ("profile_banner",), "row", lambda c: c.num("profile_banner")),
    Feature("profile_background_image", "profile", "1 if the profile shows a background image",
            ("profile_use_background_image",), "row",
            lambda c: c.num("profile_use_background_image")),
    Feature("description_empty", "profile", "1 if the description is blank",
            ("description", "description_length", "description_words"), "row",
            lambda c: 1.0 - _description_present(c)),
    Feature("description_length_chars", "profile", "characters of the stripped description",
            ("description", "description_length"), "row",
            lambda c: c.text_length("description", "description_length")),
    Feature("description_words", "profile", "words of the description (runs between ASCII spaces)",
            ("description", "description_words"), "row", lambda c: c.description_words),
    Feature("location_empty", "profile", "1 if the location is blank",
            ("location",), "row", lambda c: 1.0 - c.text_present("location")),
    Feature("url_empty", "profile", "1 if the profile URL is blank", ("url", "url_present"),
            "row",
            lambda c: 1.0 - c.text_present("url", "url_present")),
    Feature("profile_completeness", "profile",
            "share of description, location and URL that are filled in, 0..1",
            ("description", "description_length", "location", "url", "url_present"), "row",
            _completeness),
]

_NAME = [
    Feature("screen_name_length_chars", "name", "characters in the screen name",
            ("screen_name", "ids_hashed", "screen_name_length"), "row",
            lambda c: c.screen_name_length),
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
    Feature("name_length_chars", "name", "characters in the display name",
            ("name", "ids_hashed", "name_length"), "row", lambda c: c.display_name_block[0]),
    Feature("name_digits", "name", "digits in the display name",
            ("name", "ids_hashed"), "row", lambda c: c.display_name_block[1]),
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
    Feature(f"cohort_burst_ratio_{label}", "cohort",
            f"max(1, L(c) / 2e): accounts of the list created within {span} (c) over twice "
            "the count the list's own months before or after (60-180 days away, within the "
            "days the list covers; the denser side) and the organic reference expect (e); "
            "L = 99.9% lower bound; 1 = no burst", ("created_at",), "cohort")
    for label, span in (("same_day", "the same UTC day"), ("3d", "+-3 days"),
                        ("15d", "+-15 days"))
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
