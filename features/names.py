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
#: Longest screen name the name features look at (Twitter allows 15; longer names from other
#: sources are cut to this many characters).
MAX_CHARS = 20
_BOUNDARY = len(ALPHABET) + 1  # start/end of name symbol
_OTHER = len(ALPHABET)
_N_SYMBOLS = len(ALPHABET) + 2

_LOOKUP = np.full(129, _OTHER, dtype=np.int16)  # ASCII code point -> symbol; 128: non-ASCII
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
    codes = arr.view(np.uint32).reshape(len(arr), MAX_CHARS)
    lengths = np.count_nonzero(codes, axis=1)
    return codes, lengths


def bigram_index(codes: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bigram indices (a * N_SYMBOLS + b, -1 for padding) of each name, shape
    (n, MAX_CHARS + 1), and the number of bigrams per name (length + 1, names framed by a
    start and an end symbol)."""
    n = len(codes)
    sym = _LOOKUP[np.minimum(codes, 128)]
    framed = np.full((n, MAX_CHARS + 2), -1, dtype=np.int16)
    framed[:, 0] = _BOUNDARY
    framed[:, 1 : MAX_CHARS + 1] = np.where(codes != 0, sym, -1)
    framed[np.arange(n), lengths + 1] = _BOUNDARY
    left, right = framed[:, :-1], framed[:, 1:]
    idx = left * _N_SYMBOLS + right
    idx[(left < 0) | (right < 0)] = -1
    return idx, lengths + 1


def bigram_pairs(names: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """:func:`bigram_index` of names given as strings."""
    return bigram_index(*char_codes(names))


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

    def score(self, names: pd.Series, codes: tuple[np.ndarray, np.ndarray] | None = None
              ) -> np.ndarray:
        """Mean log-probability per bigram, shape (n,); NaN where the name is missing.

        ``codes`` may pass :func:`char_codes` of ``names`` when the caller already has them.
        """
        idx, n_bigrams = bigram_index(*(codes if codes is not None else char_codes(names)))
        # one extra slot holding 0.0 for padding
        flat = np.append(self.log_prob_.ravel(), 0.0)
        logp = flat[idx].sum(axis=1)  # idx -1 picks the final 0.0
        out = logp / n_bigrams
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


def name_block(names: pd.Series, codes: tuple[np.ndarray, np.ndarray] | None = None
               ) -> dict[str, np.ndarray]:
    """Length, digit count, digit share, trailing digit run and upper-case letters of each
    screen name. Returns arrays of shape (n,), NaN where the name is missing."""
    codes, lengths = codes if codes is not None else char_codes(names)
    digit = (codes >= 48) & (codes <= 57)
    n_digits = digit.sum(axis=1)
    # trailing run: digits after the last non-digit character
    pos = np.arange(codes.shape[1], dtype=np.int16)
    last_non_digit = np.where((codes != 0) & ~digit, pos, np.int16(-1)).max(axis=1)
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
