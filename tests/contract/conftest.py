"""Fixtures for the contract tier: the SDK's provider server, started as `pulumi up` starts it.

Starting a server costs about a quarter of a second, and a provider is configured once per
process, so servers are shared per module where the tests do not depend on a fresh process.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import toy_providers
from endpoint_stack import EmulatorApi, RecordingProviderServer, serve, start_emulator
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import rpc

from pulumi_huggingface_emulator import EmulatorServer
from support import ProviderServer

CONTRACT_DIR = Path(__file__).resolve().parent


def start_toy_server(**kwargs: object) -> ProviderServer:
    """Start a provider server that can import `toy_providers` (not yet configured)."""
    server = ProviderServer(CONTRACT_DIR, python_path=[CONTRACT_DIR], **kwargs)  # type: ignore[arg-type]
    server.start()
    return server


def provider_input(provider: object) -> dict[str, object]:
    """The `__provider` input the program sends: the dill pickle, a secret as the SDK makes it."""
    return {"__provider": rpc.wrap_rpc_secret(serialize_provider(provider))}


@pytest.fixture(scope="module")
def toy_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder `FileBackedProvider` keeps its resources in."""
    return tmp_path_factory.mktemp("toy-store")


@pytest.fixture(scope="module")
def toy_server(toy_store: Path) -> Iterator[ProviderServer]:
    """One configured server per module, serving `FileBackedProvider`."""
    server = start_toy_server()
    try:
        server.configure(
            {"toy:store": str(toy_store), "huggingface:token": "hf_contract_secret"},
            secret_keys=["huggingface:token"],
        )
        yield server
    finally:
        server.close()


@pytest.fixture(scope="module")
def file_backed() -> dict[str, object]:
    """The `__provider` input of `FileBackedProvider`."""
    return provider_input(toy_providers.FileBackedProvider())


# The endpoint scenarios' defaults: one emulator with its default switches and one provider server
# per module. A module that needs another emulator defines its own `emulator`, and these follow it.


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    """The module's emulator on loopback, with the default switches."""
    with start_emulator() as started:
        yield started


@pytest.fixture(scope="module")
def server(emulator: EmulatorServer) -> Iterator[RecordingProviderServer]:
    """The module's provider server, configured for `emulator` as `pulumi up` does."""
    yield from serve(emulator)


@pytest.fixture
def api(emulator: EmulatorServer) -> Iterator[EmulatorApi]:
    """Plain HTTP against the module's emulator, closed after the test."""
    client = EmulatorApi(emulator)
    try:
        yield client
    finally:
        client.close()
