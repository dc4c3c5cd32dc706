"""Shared test helpers: where the fixtures and the real datasets are."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED_DATA = ROOT.parent / "shared" / "data"


def pytest_sessionstart(session) -> None:
    """The embedded sample is generated, not tracked: `make test` generates it first; a
    plain `pytest` run does it here when it is missing (seeded, byte for byte, 3 s)."""
    import subprocess
    import sys

    if not (ROOT / "sample_data" / "release" / "sample_092026_tweets_csv_hashed.csv").exists():
        subprocess.run([sys.executable, str(ROOT / "sample_data" / "generate.py")], check=True,
                       stdout=subprocess.DEVNULL)


def fixture(name: str) -> str:
    """Path of a committed test fixture."""
    return str(FIXTURES / name)


@pytest.fixture
def shared_data() -> Path:
    """The real datasets beside the repository; the test is skipped where they are absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real datasets not found at {SHARED_DATA} (they sit beside the repo in CI)")
    return SHARED_DATA


def read_streamed(path: str, fmt: str = "flat_csv", **options):
    """(accounts, their row numbers, all rejects sorted by row) of a file read with the
    duplicate check left to the caller (as predict.py reads)."""
    import pandas as pd

    from features.sources import ReadOptions, iter_read

    opts = ReadOptions(**options)
    accounts, rows, rejects = [], [], []
    for part in iter_read([path], fmt=fmt, options=opts):
        rejects.append(part.rejects)
        if len(part.accounts):
            accounts.append(part.accounts)
            rows.append(part.account_rows)
    return (pd.concat(accounts, ignore_index=True), pd.concat(rows, ignore_index=True),
            pd.concat(rejects, ignore_index=True).sort_values(["row", "reason"])
            .reset_index(drop=True))


@pytest.fixture(scope="session")
def sample_bundle(tmp_path_factory) -> str:
    """A bundle directory: the sample config's model with fixed parameters (no tuning, no
    MLflow), for tests of what scoring does with a model."""
    from models.config import load_config
    from models.dataset import load_dataset, select_features
    from models.fit import fit_bundle
    from models.generalisation import default_params, evaluate

    config = load_config(ROOT / "configs" / "default.yaml")
    data = load_dataset(config)
    params = default_params(config)
    ev = evaluate(data, config, params, grouped=False, random=False)
    bundle = fit_bundle(data, config, select_features(data, config.features).names, params,
                        ev, model_version="test", training={})
    return str(bundle.save(tmp_path_factory.mktemp("model") / "bundle"))
