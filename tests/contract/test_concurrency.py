"""Endpoints declared together are created together by the real provider server.

`pulumi up` sends the creates of independent resources at once, but the SDK's provider server runs
at most 4 calls at a time and each create holds its call until the endpoint has provisioned, so a
fifth endpoint is not even requested before the first four are running. Overlap is read from the
emulator's side: when each endpoint was created and when it became running. The provider's
`configure()` widens the pool (`pulumi_huggingface._server`); when it cannot, it says so once and
the server keeps its four workers.

The provider polls at the contract tier's short `huggingface:pollInterval`. That does not weaken
either test: a create holds its worker until the endpoint is running whatever the cadence, and
provisioning takes several poll intervals, so the overlap measured is the pool's, not the poller's.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from endpoint_stack import BASE_INPUTS, NAMESPACE, SECRET_KEYS, TOKEN, stack_config

from conftest import provider_input
from pulumi_huggingface.provider import InferenceEndpointProvider
from pulumi_huggingface_emulator import EmulatorServer
from support import ProviderServer, make_urn

pytestmark = pytest.mark.contract

TYPE = "huggingface:index:InferenceEndpoint"
COUNT = 8
PROVISION_SECONDS = 3.0


def endpoint_inputs(name: str) -> dict[str, Any]:
    return {**provider_input(InferenceEndpointProvider()), **BASE_INPUTS, "name": name}


def create_all(emulator: EmulatorServer, server: ProviderServer, names: list[str]) -> list[dict[str, Any]]:
    """Configure the server as `pulumi up` does, Check and Create every endpoint at once, and return
    what the emulator saw of each."""
    server.configure({**stack_config(emulator), "huggingface:namespace": NAMESPACE}, secret_keys=SECRET_KEYS)

    def create(name: str) -> str:
        urn = make_urn(TYPE, name)
        checked = server.check(urn, {}, endpoint_inputs(name))
        assert checked.failures == []
        return server.create(urn, checked.inputs).id

    with ThreadPoolExecutor(max_workers=len(names)) as callers:
        ids = list(callers.map(create, names))
    assert ids == [f"{NAMESPACE}/{name}" for name in names]
    views = []
    for name in names:
        view = emulator.app.inspect(NAMESPACE, name)
        assert view is not None and view["state"] == "running"
        views.append(view)
    return views


def created_at(view: dict[str, Any]) -> float:
    return float(view["history"][0]["at"])


def running_at(view: dict[str, Any]) -> float:
    return float(view["becameRunning"][0])


def test_eight_endpoints_are_all_requested_before_the_first_is_running(tmp_path: Path) -> None:
    """With the server's pool widened, all 8 POSTs reach the API within one provisioning time."""
    names = [f"overlap-{i}" for i in range(COUNT)]
    with (
        EmulatorServer(token=TOKEN, provision_seconds=PROVISION_SECONDS) as emulator,
        ProviderServer(tmp_path) as server,
    ):
        views = create_all(emulator, server, names)
        stderr = server.stderr_text()

    assert max(map(created_at, views)) < min(map(running_at, views))
    assert "could not widen" not in stderr


def test_a_server_whose_pool_is_not_as_expected_keeps_four_workers_and_warns_once(tmp_path: Path) -> None:
    """The fallback through the real provider: a gRPC server capping concurrent RPCs (as a future
    SDK might build it) is left alone, one warning line says why, and creates still succeed, four at
    a time."""
    (tmp_path / "sitecustomize.py").write_text(CAPPED_GRPC_SERVER)
    names = [f"stock-{i}" for i in range(5)]
    with (
        EmulatorServer(token=TOKEN, provision_seconds=1.0) as emulator,
        ProviderServer(tmp_path, python_path=[tmp_path]) as server,
    ):
        views = create_all(emulator, server, names)
        stderr = server.stderr_text()

    first_running = min(map(running_at, views))
    assert sum(created_at(view) < first_running for view in views) == 4
    assert stderr.count("could not widen the dynamic provider server's thread pool") == 1
    assert "caps concurrent RPCs (maximum_concurrent_rpcs=1000)" in stderr


# Loaded by the provider server's interpreter at start-up (it is on PYTHONPATH): the SDK's
# `main()` then builds its gRPC server with a cap on concurrent RPCs, an internal that
# `widen_server_pool` checks and refuses to work around.
CAPPED_GRPC_SERVER = """\
import grpc

_server = grpc.server


def server(*args, **kwargs):
    kwargs.setdefault("maximum_concurrent_rpcs", 1000)
    return _server(*args, **kwargs)


grpc.server = server
"""
