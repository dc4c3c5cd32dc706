"""Name family: screen-name shape and how human-like its characters are.

All name features are missing for hashed ids (IO archives hash the screen name of accounts under
5,000 followers) and for accounts without a screen name.

The character-bigram likelihood is learned from the training rows' screen names only
(:class:`ScreenNameBigrams`, scikit-learn estimator contract, JSON-serialisable), and reused
unchanged when scoring.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Characters kept by the bigram model; every other character maps to one "other" symbol.
ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789_"
#: Longest screen name the name features look at (Twitter allows 15; other sources more).
MAX_CHARS = 32
_BOUNDARY = len(ALPHABET) + 1  # start/end of name symbol
_OTHER = len(ALPHABET)
_N_SYMBOLS = len(ALPHABET) + 2

_LOOKUP = np.full(128, _OTHER, dtype=np.int64)  # ASCII code point -> symbol
for _i, _ch in enumerate(ALPHABET):
    _LOOKUP[ord(_ch)] = _i
    if _ch.isalpha():
        _LOOKUP[ord(_ch.upper())] = _i


def usable_names(accounts: pd.DataFrame) -> pd.Series:
    """The screen names name features may look at: missing where hashed or absent."""
    names = accounts["screen_name"].astype("string").str.strip()
    hashed = accounts["ids_hashed"].astype("boolean").fillna(False).astype(bool)
    return names.mask(hashed | (names == ""))


def char_codes(names: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Unicode code points of each name, shape (n, MAX_CHARS), zero-padded, and the lengths."""
    arr = names.fillna("").to_numpy(dtype=f"U{MAX_CHARS}")
    codes = arr.view(np.uint32).reshape(len(arr), MAX_CHARS).astype(np.int64)
    lengths = (codes != 0).sum(axis=1)
    return codes, lengths


def _symbols(codes: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Map code points to bigram symbols, framed by boundary symbols: shape (n, MAX_CHARS+2)."""
    sym = np.where(codes < 128, _LOOKUP[np.minimum(codes, 127)], _OTHER)
    n = len(codes)
    framed = np.full((n, MAX_CHARS + 2), -1, dtype=np.int64)
    framed[:, 0] = _BOUNDARY
    framed[:, 1 : MAX_CHARS + 1] = np.where(codes != 0, sym, -1)
    framed[np.arange(n), lengths + 1] = _BOUNDARY
    return framed


def bigram_pairs(names: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Bigram indices (a*N+b) of every name and the number of bigrams per name."""
    codes, lengths = char_codes(names)
    framed = _symbols(codes, lengths)
    left, right = framed[:, :-1], framed[:, 1:]
    valid = (left >= 0) & (right >= 0)
    idx = np.where(valid, left * _N_SYMBOLS + right, -1)
    return idx, valid.sum(axis=1)


class ScreenNameBigrams:
    """Character-bigram model of screen names (lower-cased; letters, digits, underscore).

    ``score`` is the mean natural-log probability per bigram of a name, with the name's start
    and end as symbols: high for names shaped like the training names, low for random strings.

    Parameters
    ----------
    alpha : float
        Additive (Laplace) smoothing per bigram count.
    """

    def __init__(self, *, alpha: float = 0.5) -> None:
        self.alpha = alpha

    def fit(self, names: pd.Series) -> ScreenNameBigrams:
        """Learn bigram log-probabilities from ``names`` (missing names are ignored)."""
        names = names.dropna()
        idx, _ = bigram_pairs(names)
        counts = np.bincount(idx[idx >= 0], minlength=_N_SYMBOLS * _N_SYMBOLS).astype(float)
        counts = counts.reshape(_N_SYMBOLS, _N_SYMBOLS) + self.alpha
        self.log_prob_ = np.log(counts / counts.sum(axis=1, keepdims=True))
        self.n_names_ = len(names)
        return self

    def score(self, names: pd.Series) -> np.ndarray:
        """Mean log-probability per bigram, shape (n,); NaN where the name is missing."""
        idx, n_bigrams = bigram_pairs(names)
        flat = self.log_prob_.ravel()
        logp = np.where(idx >= 0, flat[np.maximum(idx, 0)], 0.0).sum(axis=1)
        out = logp / np.maximum(n_bigrams, 1)
        return np.where(names.isna().to_numpy(), np.nan, out)

    def to_dict(self) -> dict:
        """JSON-ready learned state."""
        return {"alpha": self.alpha, "n_names_": self.n_names_,
                "log_prob_": np.round(self.log_prob_, 10).tolist(), "alphabet": ALPHABET}

    @classmethod
    def from_dict(cls, data: dict) -> ScreenNameBigrams:
        """Rebuild a fitted model from :meth:`to_dict` output."""
        if data.get("alphabet") != ALPHABET:
            raise ValueError("screen-name bigram model was fitted with another alphabet")
        model = cls(alpha=data["alpha"])
        model.log_prob_ = np.asarray(data["log_prob_"], dtype=float)
        model.n_names_ = int(data["n_names_"])
        return model


def name_block(names: pd.Series) -> dict[str, np.ndarray]:
    """Length, digit count, digit share and trailing digit run of each screen name.

    Returns arrays of shape (n,), NaN where the name is missing.
    """
    codes, lengths = char_codes(names)
    digit = (codes >= 48) & (codes <= 57)
    n_digits = digit.sum(axis=1)
    # trailing run: digits after the last non-digit character
    pos = np.arange(codes.shape[1])
    last_non_digit = np.where((codes != 0) & ~digit, pos, -1).max(axis=1)
    trailing = lengths - 1 - last_non_digit
    missing = names.isna().to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        share = n_digits / lengths
    upper = ((codes >= 65) & (codes <= 90)).sum(axis=1)
    return {
        "length": np.where(missing, np.nan, lengths),
        "digits": np.where(missing, np.nan, n_digits),
        "digit_share": np.where(missing, np.nan, share),
        "trailing_digits": np.where(missing, np.nan, trailing),
        "upper": np.where(missing, np.nan, upper),
    }
