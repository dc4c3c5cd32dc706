"""Why an account scored as it did: each feature's share of its raw score, read off the paths
of the leaves it falls in, at about the cost of the score itself.

For every tree, walking from the root to a leaf, each split changes the tree's value from the
node's to the child's; that change is credited to the split's feature (the path attribution of
Saabas, also called "tree interpreter"). Summed over a leaf's path the changes give the leaf's
value minus the root's, so for an account the credits of all its leaves, plus the sum of the
root values (the model's base value), give its raw score in log-odds exactly. The credits of
every leaf are computed once per model into a table (:class:`PathTable`); an account's reasons
then need only the index of its leaf in each tree (LightGBM's ``pred_leaf``, as fast as a
prediction) and one sparse product. TreeSHAP (LightGBM's ``pred_contrib``) spreads credit more
fairly among features that interact, at 60 times the cost; it stays available
(``--reasons-method shap``) and the two agree on most accounts' top reason (README).

A flagged account's reasons are its strongest bot-ward credits (positive), an unflagged one's
its strongest organic-ward ones (negative), so a reason never argues against the decision it
explains. Each is written ``feature value (low|high) +credit``: the value as the model saw it,
where it falls among the training accounts (below their 25th percentile: low, above the 75th:
high; nothing for a flag or a typical value) and the credit in log-odds of the raw score.
"""

from __future__ import annotations

import numpy as np

#: How many reasons an account gets.
N_REASONS = 3
#: The reason of an account no feature moves toward its decision: the model's base value alone
#: is on that side of the threshold (e.g. a list scored at a prior above the training mix).
BASE_ONLY = "base value alone"


def parse_trees(model_text: str) -> list[dict[str, np.ndarray]]:
    """The trees of a LightGBM model text: per tree, its split features, children (a negative
    child ``c`` is leaf ``-c - 1``), node values and leaf values."""
    trees: list[dict[str, np.ndarray]] = []
    current: dict[str, np.ndarray] | None = None
    for line in model_text.splitlines():
        if line.startswith("Tree="):
            current = {}
            trees.append(current)
        elif line.startswith("end of trees"):
            break
        elif current is not None and "=" in line:
            key, _, value = line.partition("=")
            if key in ("split_feature", "left_child", "right_child"):
                current[key] = np.array(value.split(), dtype=np.int64)
            elif key in ("leaf_value", "internal_value"):
                current[key] = np.array(value.split(), dtype=np.float64)
            elif key == "is_linear" and value.strip() != "0":
                raise ValueError("linear trees have no path attribution")
    return trees


class PathTable:
    """Each leaf's credits per feature (a row per leaf of every tree) and the base value."""

    def __init__(self, model_text: str, n_features: int) -> None:
        trees = parse_trees(model_text)
        self.offsets = np.zeros(len(trees), dtype=np.int64)
        rows: list[np.ndarray] = []
        self.base = 0.0
        for t, tree in enumerate(trees):
            self.offsets[t] = sum(len(r) for r in rows)
            leaves = tree["leaf_value"]
            credit = np.zeros((len(leaves), n_features))
            if len(leaves) == 1:  # a tree without splits: all of it is base value
                self.base += float(leaves[0])
            else:
                values = tree["internal_value"]
                self.base += float(values[0])
                stack = [(0, np.zeros(n_features))]
                while stack:
                    node, path = stack.pop()
                    feature = tree["split_feature"][node]
                    for child in (tree["left_child"][node], tree["right_child"][node]):
                        after = leaves[-child - 1] if child < 0 else values[child]
                        step = path.copy()
                        step[feature] += after - values[node]
                        if child < 0:
                            credit[-child - 1] = step
                        else:
                            stack.append((child, step))
            rows.append(credit)
        self.table = np.vstack(rows) if rows else np.zeros((0, n_features))
        self._table32: np.ndarray | None = None

    def credits(self, leaves: np.ndarray) -> np.ndarray:
        """Per-feature credits, shape (n, features), of accounts whose leaf in each tree is
        ``leaves`` (shape (n, trees), as LightGBM's ``pred_leaf`` gives). In single precision:
        a sum of a few hundred credits is exact to about 1e-5, far below what a reason shows,
        and the product runs three times as fast."""
        from scipy import sparse

        if self._table32 is None:
            self._table32 = self.table.astype(np.float32)
        n, t = leaves.shape
        cols = (leaves.astype(np.int32) + self.offsets[None, :].astype(np.int32)).ravel()
        index = np.int32 if n * t < 2**31 else np.int64  # (SciPy's fast path: 32-bit indices)
        onehot = sparse.csr_matrix(
            (np.ones(n * t, dtype=np.float32), cols.astype(index),
             np.arange(0, n * t + 1, t, dtype=index)), shape=(n, len(self.table)))
        return np.asarray(onehot @ self._table32)


def levels(drift_reference: dict | None, names: list[str], X: np.ndarray) -> np.ndarray:
    """Where each value falls among the training accounts' values: -1 below their 25th
    percentile, 1 above the 75th, 0 in between, for a flag (a 0/1 feature) or where the
    bundle keeps no reference (shape of ``X``)."""
    out = np.zeros(X.shape, dtype=np.int8)
    for j, name in enumerate(names):
        spec = (drift_reference or {}).get(name)
        if not spec or set(spec["edges"]) <= {0.0, 1.0}:
            continue
        edges = np.asarray(spec["edges"])
        shares = np.asarray(spec["shares"][:-1])  # (the last bin is the missing values)
        present = shares.sum()
        if present <= 0:
            continue
        cum = np.concatenate([[0.0], np.cumsum(shares)]) / present
        middle = (cum[:-1] + cum[1:]) / 2  # each bin's middle, as a share of the values
        col = X[:, j]
        bins = np.searchsorted(edges, np.nan_to_num(col), side="right")
        level = np.where(middle[bins] < 0.25, -1, np.where(middle[bins] > 0.75, 1, 0))
        out[:, j] = np.where(np.isnan(col), 0, level)
    return out


def reason_texts(credits: np.ndarray, X: np.ndarray, flagged: np.ndarray, names: list[str],
                 level: np.ndarray) -> list[str]:
    """The reasons of each account: its ``N_REASONS`` strongest credits toward its decision
    (bot-ward for a flagged account, organic-ward for the others), strongest first, e.g.
    ``follower_share 0.0213 (low) +1.31; cohort_burst_ratio_3d 37.7 (high) +0.57``; an
    account without a credit toward its decision gets :data:`BASE_ONLY`."""
    toward = np.where(flagged[:, None], credits, -credits)
    k = min(N_REASONS, credits.shape[1])
    top = np.argpartition(-toward, k - 1, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(toward, top, axis=1), axis=1)
    top = np.take_along_axis(top, order, axis=1)
    rows = np.arange(len(top))[:, None]
    # every slot's text, formatted from flat Python lists (indexing numpy element by element
    # costs more than the formatting); then each account's slots toward its decision, joined
    words = (" (low)", "", " (high)")
    slots = [f"{name}{'NA' if v != v else format(v, '.4g')}{words[lv + 1]} {c:+.2f}"
             for name, v, lv, c in zip(np.asarray([f"{n} " for n in names], dtype=object)[top]
                                       .ravel().tolist(), X[rows, top].ravel().tolist(),
                                       level[rows, top].ravel().tolist(),
                                       credits[rows, top].ravel().tolist(), strict=True)]
    shown = (toward[rows, top] > 0).sum(axis=1).tolist()  # (sorted: the positive ones first)
    return ["; ".join(slots[i * k:i * k + m]) if m else BASE_ONLY
            for i, m in enumerate(shown)]
