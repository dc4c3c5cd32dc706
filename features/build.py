"""Build feature frames: the fitted feature state and the one call that makes the vectors.

>>> builder = FeatureBuilder().fit(train_accounts)            # learns bigrams + reference
>>> X = builder.transform(accounts, cadence=compute_cadence(posts))

``FeatureBuilder`` follows the scikit-learn contract: parameters stored unchanged in
``__init__``, learning in ``fit`` (training rows only), learned state in attributes ending in
``_``, ``get_feature_names_out``; ``to_dict``/``from_dict`` serialise the learned state to JSON
for the model bundle.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.cadence import CADENCE_COLUMNS, compute_cadence
from features.cohort import CohortCounter, CreationReference, cohort_block
from features.names import ScreenNameBigrams, usable_names
from features.registry import BY_NAME, FEATURE_NAMES, FEATURES, RowContext

STATE_VERSION = 1


class FeatureBuilder:
    """Turns canonical accounts (and their posts' cadence) into feature vectors.

    Parameters
    ----------
    bigram_alpha : float
        Additive smoothing of the screen-name bigram model.
    reference_smooth_days : int
        Half-width (days) of the box smoothing the organic creation-date histogram.
    reference_uniform_weight : float
        Weight of the uniform floor in the creation reference, 0..1.
    """

    def __init__(self, *, bigram_alpha: float = 0.5, reference_smooth_days: int = 15,
                 reference_uniform_weight: float = 0.1) -> None:
        self.bigram_alpha = bigram_alpha
        self.reference_smooth_days = reference_smooth_days
        self.reference_uniform_weight = reference_uniform_weight

    def fit(self, accounts: pd.DataFrame) -> FeatureBuilder:
        """Learn the stateful pieces from training accounts.

        The bigram model and the creation reference describe organic accounts: they are fitted
        on the rows with ``label == 0`` when there are any, else on all rows. The reference
        needs creation dates: when no organic row has one (organic accounts that come with an
        age only, as cresci-stock-2018's), it is fitted on the dated rows of any label, and
        when no row has a date at all it is flat (cohort features, which need creation dates,
        are then missing for every row anyway).
        """
        labels = accounts["label"] if "label" in accounts.columns else pd.Series(dtype="Int8")
        organic = accounts[labels.eq(0).fillna(False).astype(bool)] if labels.eq(0).any() \
            else accounts
        self.bigrams_ = ScreenNameBigrams(alpha=self.bigram_alpha).fit(usable_names(organic))
        dated = organic if organic["created_at"].notna().any() else accounts
        self.reference_ = CreationReference(
            smooth_days=self.reference_smooth_days,
            uniform_weight=self.reference_uniform_weight,
        ).fit(dated["created_at"], dated["observed_at"])
        self.n_fit_rows_ = len(organic)
        self.feature_names_in_ = list(accounts.columns)
        return self

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Feature names in vector order."""
        return np.asarray(FEATURE_NAMES, dtype=object)

    def row_features(self, accounts: pd.DataFrame, names: list[str] | None = None
                     ) -> pd.DataFrame:
        """The row-stage features of ``accounts`` (pure per row, given the fitted state);
        only those in ``names`` when given."""
        ctx = RowContext(accounts, self.bigrams_)
        wanted = None if names is None else set(names)
        data = {f.name: f.func(ctx) for f in FEATURES
                if f.stage == "row" and (wanted is None or f.name in wanted)}
        return pd.DataFrame(data, index=accounts.index, dtype="float64")

    def transform(self, accounts: pd.DataFrame, *, cadence: pd.DataFrame | None = None,
                  population: CohortCounter | None = None,
                  population_by: str | None = None,
                  names: list[str] | None = None) -> pd.DataFrame:
        """Feature frame of ``accounts``, columns in :data:`FEATURE_NAMES` order.

        Parameters
        ----------
        accounts : canonical accounts, shape (n, *).
        cadence : per-account cadence indexed by account_id (:func:`compute_cadence`); accounts
            absent from it, or all accounts when it is None, get NA cadence.
        population : creation-day counts of the scored population; default: ``accounts``.
        population_by : instead of one population, treat each value of this column (e.g.
            ``source``) as its own population.
        names : compute only these features (in this order); default: all.

        Returns
        -------
        DataFrame, shape (n, len(names)), float64, same index as ``accounts``.
        """
        rows = self.row_features(accounts, names)
        return self.complete(rows, accounts, cadence=cadence, population=population,
                             population_by=population_by, names=names)

    def complete(self, rows: pd.DataFrame, accounts: pd.DataFrame, *,
                 cadence: pd.DataFrame | None = None, population: CohortCounter | None = None,
                 population_by: str | None = None, names: list[str] | None = None
                 ) -> pd.DataFrame:
        """Add the cadence and cohort features to row features computed earlier.

        ``accounts`` needs only ``account_id``, ``created_at`` (and the ``population_by``
        column): a scorer can keep those and the row features from a first pass over a large
        input and finish the vectors once the population is known.
        """
        names = list(FEATURE_NAMES) if names is None else list(names)
        out = {col: rows[col].to_numpy(dtype="float64") for col in rows.columns}
        if any(n in CADENCE_COLUMNS for n in names):
            ids = accounts["account_id"].astype("string")
            cad = cadence.reindex(ids.to_numpy()) if cadence is not None and len(cadence) \
                else None
            for col in CADENCE_COLUMNS:
                out[col] = np.full(len(rows), np.nan) if cad is None else \
                    cad[col].to_numpy(dtype="float64")
        if any(BY_NAME[n].stage == "cohort" for n in names):
            out.update(self._cohort(accounts, population, population_by,
                                    [n for n in names if BY_NAME[n].stage == "cohort"]))
        # one float64 block in column order (what LightGBM reads, without another copy)
        matrix = np.empty((len(rows), len(names)), dtype="float64", order="F")
        for j, n in enumerate(names):
            matrix[:, j] = out[n]
        return pd.DataFrame(matrix, index=rows.index, columns=names, copy=False)

    def _cohort(self, accounts: pd.DataFrame, population: CohortCounter | None,
                population_by: str | None, names: list[str]) -> dict[str, np.ndarray]:
        if population_by is None:
            counter = population or CohortCounter().add(accounts["created_at"])
            return cohort_block(accounts["created_at"], counter, self.reference_, names)
        out: dict[str, np.ndarray] = {}
        groups = accounts.groupby(population_by, dropna=False, sort=False).indices
        for at in groups.values():
            created = accounts["created_at"].iloc[at]
            counter = CohortCounter().add(created)
            for col, values in cohort_block(created, counter, self.reference_,
                                            names).items():
                out.setdefault(col, np.full(len(accounts), np.nan))[at] = values
        return out

    def to_dict(self) -> dict:
        """JSON-ready parameters and learned state."""
        return {
            "version": STATE_VERSION,
            "params": {"bigram_alpha": self.bigram_alpha,
                       "reference_smooth_days": self.reference_smooth_days,
                       "reference_uniform_weight": self.reference_uniform_weight},
            "n_fit_rows_": self.n_fit_rows_,
            "bigrams_": self.bigrams_.to_dict(),
            "reference_": self.reference_.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict) -> FeatureBuilder:
        """Rebuild a fitted builder from :meth:`to_dict` output."""
        if data.get("version") != STATE_VERSION:
            raise ValueError(f"feature state version {data.get('version')} is not the "
                             f"version this code reads ({STATE_VERSION})")
        builder = cls(**data["params"])
        builder.n_fit_rows_ = data["n_fit_rows_"]
        builder.bigrams_ = ScreenNameBigrams.from_dict(data["bigrams_"])
        builder.reference_ = CreationReference.from_dict(data["reference_"])
        return builder


def build_features(accounts: pd.DataFrame, posts=None, *, builder: FeatureBuilder | None = None,
                   population_by: str | None = None) -> pd.DataFrame:
    """One call from canonical tables to the feature frame (for notebooks and scripts).

    ``posts`` may be a canonical posts frame, or a path, glob or list of posts files; without a
    fitted ``builder`` one is fitted on ``accounts`` (fine for exploration, not for evaluation:
    fit on training rows only).
    """
    builder = builder or FeatureBuilder().fit(accounts)
    cadence = compute_cadence(posts) if posts is not None else None
    return builder.transform(accounts, cadence=cadence, population_by=population_by)
