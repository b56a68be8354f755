"""Shared fixtures: a configuration in a temporary instance folder, and a Runtime on a real SQLite database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.config import load_config
from bot.runtime import Runtime

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def make_config(tmp_path: Path):
    """Build a configuration rooted in ``tmp_path``; keyword overrides are deep-merged."""

    def _make(**overrides: Any) -> dict[str, Any]:
        base: dict[str, Any] = {"instance_path": str(tmp_path / "instance")}
        base.update(overrides)
        return load_config(path="", overrides=base, environ={})

    return _make


@pytest.fixture
def config(make_config) -> dict[str, Any]:
    return make_config()


@pytest.fixture
def runtime(config) -> Runtime:
    runtime = Runtime(config)
    yield runtime
    runtime.engine.dispose()
