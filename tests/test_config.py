"""The training config: one schema, strict about keys and types, overridable from the CLI."""

from __future__ import annotations

import pytest
from conftest import ROOT

from models.config import ConfigError, load_config

DEFAULT = ROOT / "configs" / "default.yaml"


def test_default_and_real_configs_validate():
    cfg = load_config(DEFAULT)
    assert cfg.name == "sample" and len(cfg.sources) == 3
    assert cfg.model.target_precisions == [0.8, 0.9, 0.99]
    assert all(p.startswith(str(ROOT)) for s in cfg.sources for p in s.paths)  # resolved
    real = load_config(ROOT / "configs" / "real.yaml")
    assert {s.label for s in real.sources} == {0, 1, None}  # cresci-stock: a label column
    assert len(real.sources) == 16
    collections = {s.collection or s.name for s in real.sources}
    assert {"cresci-2017", "caverlee-2011", "cresci-stock-2018", "thailand_092020",
            "RNA_0621", "ira_2018_sample", "iran_201810"} <= collections
    for s in real.sources:  # mappings resolve next to the config
        assert s.mapping is None or s.mapping.startswith(str(ROOT / "configs" / "mappings"))


def test_overrides_parse_as_yaml_and_reach_nested_keys():
    cfg = load_config(DEFAULT, ["tune.n_trials=5", "tracking.uri=sqlite:///x.db",
                                "features.exclude=[age_days]", "sources.0.label=0"])
    assert cfg.tune.n_trials == 5
    assert cfg.tracking.resolved_uri() == "sqlite:///x.db"
    assert cfg.features.exclude == ["age_days"]
    assert cfg.sources[0].label == 0


def test_tracking_uri_from_environment(monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "sqlite:///env.db")
    assert load_config(DEFAULT).tracking.resolved_uri() == "sqlite:///env.db"
    monkeypatch.delenv("MLFLOW_TRACKING_URI")
    assert load_config(DEFAULT).tracking.resolved_uri() == "sqlite:///mlflow.db"


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("tune.n_trail=5", r"tune\.n_trail: Extra inputs are not permitted"),
        ("tune.n_trials=many", r"tune\.n_trials"),
        ("tune.n_trials=0", r"tune\.n_trials"),
        ("features.families=[profile, vibes]", "unknown feature families"),
        ("features.exclude=[not_a_feature]", "unknown features"),
        ("sources.0.format=xml", "unknown format"),
        ("model.calibration=magic", r"model\.calibration"),
        ("tune", "expected section.key=value"),
    ],
)
def test_bad_keys_and_types_are_rejected_with_the_key_named(override, message):
    with pytest.raises(ConfigError, match=message):
        load_config(DEFAULT, [override])


def test_unreadable_or_non_mapping_config(tmp_path):
    with pytest.raises(ConfigError, match="cannot read config"):
        load_config(tmp_path / "missing.yaml")
    bad = tmp_path / "list.yaml"
    bad.write_text("- a\n- b\n")
    with pytest.raises(ConfigError, match="mapping"):
        load_config(bad)
