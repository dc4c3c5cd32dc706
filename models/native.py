"""A LightGBM model scored through LightGBM's own C library, without the Python package.

``import lightgbm`` imports scikit-learn and SciPy (about 1.3 s and 60 MiB here) although
scoring uses neither: the package's ``Booster.predict`` is a thin layer over the library's
``LGBM_BoosterPredictForMat``. :class:`NativeBooster` loads the library file the installed
package ships and makes the same calls, so its predictions are the package's, to the bit
(``tests/test_bundle.py`` checks it), and scoring starts in a fraction of the time.
"""

from __future__ import annotations

import ctypes
import importlib.util
import platform
import threading
from pathlib import Path

import numpy as np
import pandas as pd

# the C API's constants (LightGBM's c_api.h)
_DTYPE_FLOAT64 = 1
_ROW_MAJOR, _COL_MAJOR = 1, 0
_PREDICT_NORMAL, _PREDICT_LEAF, _PREDICT_CONTRIB = 0, 2, 3
_MAX_ROWS = 2**31 - 1  # the C API counts rows in int32

_LIB: ctypes.CDLL | None = None
_LIB_LOCK = threading.Lock()


class NativeError(RuntimeError):
    """An error reported by LightGBM's library."""


def library_path() -> Path:
    """The library file of the installed ``lightgbm`` package (found without importing it)."""
    spec = importlib.util.find_spec("lightgbm")
    if spec is None or not spec.submodule_search_locations:
        raise NativeError("the lightgbm package is not installed")
    package = Path(next(iter(spec.submodule_search_locations)))
    name = {"Windows": "lib_lightgbm.dll", "Darwin": "lib_lightgbm.dylib"}.get(
        platform.system(), "lib_lightgbm.so")
    for folder in (package / "lib", package / "bin", package.parent):
        if (folder / name).is_file():
            return folder / name
    raise NativeError(f"no {name} in the lightgbm package at {package}")


def _lib() -> ctypes.CDLL:
    global _LIB
    with _LIB_LOCK:
        if _LIB is None:
            lib = ctypes.cdll.LoadLibrary(str(library_path()))
            lib.LGBM_GetLastError.restype = ctypes.c_char_p
            _LIB = lib
    return _LIB


def _check(code: int) -> None:
    if code != 0:
        raise NativeError(_lib().LGBM_GetLastError().decode("utf-8", "replace"))


class NativeBooster:
    """The parts of ``lightgbm.Booster`` scoring needs: ``predict`` (probabilities, or
    per-feature contributions with ``pred_contrib=True``), ``feature_name`` and
    ``model_to_string``, for a model given as LightGBM's model text."""

    def __init__(self, model_text: str, *, threads: int | None = None) -> None:
        self._text = model_text
        #: OpenMP threads for a prediction (None: LightGBM's default, one per core; a Spark
        #: task, one of several on a machine, sets 1).
        self.threads = threads
        self._handle = ctypes.c_void_p()
        iterations = ctypes.c_int(0)
        _check(_lib().LGBM_BoosterLoadModelFromString(
            ctypes.c_char_p(model_text.encode("utf-8")), ctypes.byref(iterations),
            ctypes.byref(self._handle)))
        n = ctypes.c_int(0)
        _check(_lib().LGBM_BoosterGetNumFeature(self._handle, ctypes.byref(n)))
        self._n_features = n.value
        models = ctypes.c_int(0)
        _check(_lib().LGBM_BoosterNumberOfTotalModel(self._handle, ctypes.byref(models)))
        self.n_trees = models.value
        self._names = _feature_names(model_text)
        if len(self._names) != self._n_features:
            raise NativeError(f"the model text names {len(self._names)} features, the model "
                              f"has {self._n_features}")

    def __del__(self) -> None:
        if getattr(self, "_handle", None) and self._handle.value and _LIB is not None:
            _LIB.LGBM_BoosterFree(self._handle)

    def feature_name(self) -> list[str]:
        return list(self._names)

    def model_to_string(self) -> str:
        return self._text

    def predict(self, X: pd.DataFrame | np.ndarray, *, pred_contrib: bool = False,
                pred_leaf: bool = False) -> np.ndarray:
        """What ``lightgbm.Booster.predict(X)`` returns for a binary model: probabilities,
        shape (n,); with ``pred_contrib``, contributions and the expected value, (n, f + 1);
        with ``pred_leaf``, the index of the leaf each row falls in, per tree (n, trees)."""
        mat = X.to_numpy(dtype="float64") if isinstance(X, pd.DataFrame) else np.asarray(
            X, dtype="float64")
        if mat.ndim != 2 or mat.shape[1] != self._n_features:
            raise NativeError(f"expected a matrix of {self._n_features} features, got shape "
                              f"{mat.shape}")
        kind, width = ((_PREDICT_CONTRIB, self._n_features + 1) if pred_contrib
                       else (_PREDICT_LEAF, self.n_trees) if pred_leaf
                       else (_PREDICT_NORMAL, 1))
        out = np.empty((mat.shape[0], width), dtype="float64")
        for lo in range(0, mat.shape[0], _MAX_ROWS):
            self._predict_rows(mat[lo:lo + _MAX_ROWS], kind, out[lo:lo + _MAX_ROWS])
        if pred_leaf:
            return out.astype(np.int32)
        return out if pred_contrib else out[:, 0]

    def _predict_rows(self, mat: np.ndarray, kind: int, out: np.ndarray) -> None:
        if mat.flags["F_CONTIGUOUS"]:  # a DataFrame's block: no copy, as the package does
            flat, layout = mat.ravel(order="F"), _COL_MAJOR
        else:
            flat, layout = np.ascontiguousarray(mat).ravel(), _ROW_MAJOR
        written = ctypes.c_int64(0)
        params = f"num_threads={self.threads}" if self.threads else ""
        _check(_lib().LGBM_BoosterPredictForMat(
            self._handle, flat.ctypes.data_as(ctypes.c_void_p), ctypes.c_int(_DTYPE_FLOAT64),
            ctypes.c_int32(mat.shape[0]), ctypes.c_int32(mat.shape[1]), ctypes.c_int(layout),
            ctypes.c_int(kind), ctypes.c_int(0), ctypes.c_int(-1), ctypes.c_char_p(params.encode()),
            ctypes.byref(written), out.ctypes.data_as(ctypes.POINTER(ctypes.c_double))))
        if written.value != out.size:
            raise NativeError(f"LightGBM wrote {written.value} predictions, expected {out.size}")


def _feature_names(model_text: str) -> list[str]:
    """The ``feature_names=`` line of LightGBM's model text."""
    for line in model_text.splitlines():
        if line.startswith("feature_names="):
            return line[len("feature_names="):].split()
        if line.startswith("Tree="):
            break
    raise NativeError("the model text has no feature_names line")
