"""Fixtures shared by every tier.

The developer's own Hugging Face credentials and caches must never leak into a test: a test
that passes only because `HF_TOKEN` happens to be set, or that reads `~/.cache/huggingface`,
proves nothing (httpx's test suite keeps a `clean_environ` fixture for the same reason).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.provider_server import SCRUBBED_ENV
from wheels import PREVIOUS_RELEASE, install_release

# Variables that would let a test reach the developer's account, cache or stack config (those a
# provider server never inherits), or change how the provider polls (a test of the default cadence
# must see the default).
_SCRUBBED = (*SCRUBBED_ENV, "HF_ENDPOINTS_POLL_INTERVAL")


@pytest.fixture(autouse=True)
def clean_environ(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Remove credentials from the environment and point `HF_HOME` at an empty folder."""
    for var in _SCRUBBED:
        monkeypatch.delenv(var, raising=False)
    home: Path = tmp_path_factory.mktemp("hf_home")
    monkeypatch.setenv("HF_HOME", str(home))
    assert "HF_TOKEN" not in os.environ
    yield


@pytest.fixture(scope="session")
def previous_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The interpreter of a fresh virtualenv holding `PREVIOUS_RELEASE`, built from its commit."""
    return install_release(PREVIOUS_RELEASE, tmp_path_factory.mktemp("previous-release"))
