"""The peer every claim of improvement is measured against: a BotometerLite-style random forest.

BotometerLite (Yang et al. 2020, "Scalable and Generalizable Social Bot Detection through Data
Selection", AAAI) scores an account from its user object alone: 20 features, a random forest.
Here it is run through the same protocol and the same folds as botsieve's model (same training
rows, same scored rows), without botsieve's design choices: no field-profile augmentation, no
monotone constraints, no tuning, scikit-learn's defaults with 100 trees. Missing values stay
missing (scikit-learn's trees route them); nothing is imputed.

The 20 features, by BotometerLite's names, and the registry features that compute them (a random
forest splits on order, so a monotone transform such as ``log1p`` or a rate per day instead of
per hour changes nothing):
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: BotometerLite feature -> the registry feature that computes it (or a monotone transform).
PEER_FEATURES: dict[str, str] = {
    "statuses_count": "log_statuses",
    "followers_count": "log_followers",
    "friends_count": "log_following",
    "favourites_count": "log_favourites",
    "listed_count": "log_listed",
    "default_profile": "default_profile",
    "profile_use_background_image": "profile_background_image",
    "verified": "verified",
    "tweet_freq": "statuses_per_day",
    "followers_growth_rate": "followers_per_day",
    "friends_growth_rate": "following_per_day",
    "favourites_growth_rate": "favourites_per_day",
    "listed_growth_rate": "listed_per_day",
    "followers_friends_ratio": "followers_per_following",
    "screen_name_length": "screen_name_length_chars",
    "num_digits_in_screen_name": "screen_name_digits",
    "name_length": "name_length_chars",
    "num_digits_in_name": "name_digits",
    "description_length": "description_length_chars",
    "screen_name_likelihood": "screen_name_bigram_logp",
}
__doc__ += "\n".join(f"- ``{k}``: ``{v}``" for k, v in PEER_FEATURES.items()) + "\n"

#: Registry features the peer reads, in its column order.
INPUTS: list[str] = list(PEER_FEATURES.values())


class PeerForest:
    """A random forest on the BotometerLite features (scikit-learn contract).

    Parameters
    ----------
    n_estimators : int
        Trees (BotometerLite: 100).
    seed : int
        Random state of the forest.
    n_jobs : int
        Threads.
    """

    def __init__(self, *, n_estimators: int = 100, seed: int = 0, n_jobs: int = 2) -> None:
        self.n_estimators = n_estimators
        self.seed = seed
        self.n_jobs = n_jobs

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> PeerForest:
        """Fit on a feature frame holding at least :data:`INPUTS` (registry names)."""
        from sklearn.ensemble import RandomForestClassifier

        self.forest_ = RandomForestClassifier(n_estimators=self.n_estimators,
                                              random_state=self.seed, n_jobs=self.n_jobs)
        self.forest_.fit(X[INPUTS].to_numpy(dtype="float64"), np.asarray(y))
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Share of trees voting inauthentic (the forest's probability), shape (n,)."""
        return self.forest_.predict_proba(X[INPUTS].to_numpy(dtype="float64"))[:, 1]
