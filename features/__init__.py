"""botsieve features: canonical account tables in, named feature vectors out.

Notebook use::

    from features import read_files, build_features, compute_cadence, FeatureBuilder
    data = read_files(["../shared/data/io-thailand-092020"])
    cadence = compute_cadence(data.posts)                 # or a path/glob of posts files
    X = FeatureBuilder().fit(train_accounts).transform(data.accounts, cadence=cadence)
"""

from features.build import FeatureBuilder, build_features
from features.cadence import compute_cadence
from features.guard import leakage_audit, normalise_formats, presence_guard
from features.registry import FEATURE_NAMES, FEATURES, features_table
from features.sources import ReadOptions, read_files

__all__ = [
    "FEATURES",
    "FEATURE_NAMES",
    "FeatureBuilder",
    "ReadOptions",
    "build_features",
    "compute_cadence",
    "features_table",
    "leakage_audit",
    "normalise_formats",
    "presence_guard",
    "read_files",
]
