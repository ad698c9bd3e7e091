"""Fixtures for the emulator tier: the emulator on loopback, huggingface_hub pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from emulator_helpers import AUTH, FAST, IN_PROCESS, TOKEN
from huggingface_hub import HfApi, constants

from pulumi_huggingface_emulator import EmulatorApp, EmulatorServer


@pytest.fixture
def server() -> Iterator[EmulatorServer]:
    """The emulator on a free loopback port, with fast timings and a fixed token."""
    with EmulatorServer(token=TOKEN, **FAST) as running:
        yield running


@pytest.fixture
def app() -> Iterator[EmulatorApp]:
    """An in-process emulator with a fixed token; tests advance its clock by hand."""
    emulator = EmulatorApp(token=TOKEN, **IN_PROCESS)
    yield emulator
    emulator.close()


@pytest.fixture
def client(app: EmulatorApp) -> Iterator[httpx.Client]:
    """An httpx client wired to `app` in process, sending the token."""
    with httpx.Client(transport=app.transport(), base_url="http://emulator", headers=AUTH) as http:
        yield http


@pytest.fixture
def hf_api(server: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> HfApi:
    """huggingface_hub's own client pointed at the loopback emulator, changed in nothing else.

    The endpoints base URL is a constant read at call time; whoami uses `constants.ENDPOINT`, read
    when an `HfApi` is built (and `InferenceEndpoint.from_raw` builds one per result).
    """
    monkeypatch.setattr(constants, "INFERENCE_ENDPOINTS_ENDPOINT", server.base_url)
    monkeypatch.setattr(constants, "ENDPOINT", server.hub_url)
    return HfApi(endpoint=server.hub_url)
