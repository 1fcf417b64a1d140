from __future__ import annotations

from pathlib import Path

import pytest

from footprint.config import Settings, load_settings


def test_defaults_are_embedded() -> None:
    settings = load_settings({"FOOTPRINT_CONFIG": "/nonexistent.toml"})
    assert settings == Settings()
    assert settings.hashset_store == Path("var/hashsets.sqlite")


def test_toml_then_environment(tmp_path: Path) -> None:
    config = tmp_path / "footprint.toml"
    config.write_text('[footprint]\nvar_dir = "/data/fp"\npixel_limit = 5000\ndecode = "exact"\n')
    settings = load_settings({"FOOTPRINT_CONFIG": str(config), "FOOTPRINT_DECODE": "fast"})
    assert settings.var_dir == Path("/data/fp")
    assert settings.hashset_store == Path("/data/fp/hashsets.sqlite")  # follows var_dir
    assert settings.pixel_limit == 5000
    assert settings.decode == "fast"  # environment wins over the file


def test_unknown_and_malformed_settings_are_named(tmp_path: Path) -> None:
    config = tmp_path / "footprint.toml"
    config.write_text('colour = "blue"\n')
    with pytest.raises(ValueError, match="colour"):
        load_settings({"FOOTPRINT_CONFIG": str(config)})
    with pytest.raises(ValueError, match="workers"):
        load_settings({"FOOTPRINT_CONFIG": "/none", "FOOTPRINT_WORKERS": "many"})
