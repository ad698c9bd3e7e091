"""Secrets stay hidden when things go wrong, through the SDK's provider server against the emulator.

The happy path is scanned in `test_endpoint_lifecycle.py`. Here every call fails, in ways that put
a secret value into what the API says: the model's load error quotes the secret env value and the
registry password (a container that prints its environment would), an update fails the same way,
and a token the API rejects. The error details the engine receives (and prints), every answer,
and the server's stderr (progress and retry lines) must not contain the token or any secret value.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from endpoint_stack import (
    CONTRACT_DIR,
    NAMESPACE,
    POLL_INTERVAL,
    TOKEN,
    RecordingProviderServer,
    as_plain_data,
    exposed,
    goals,
    start_provider_server,
)

from pulumi_huggingface_emulator import EmulatorServer
from support import Deployment, DeploymentError, ProviderServer

pytestmark = pytest.mark.contract

SECRETS = {"API_KEY": "sk-Fail93kQz", "password": "pw-Fail27xLm"}


@pytest.fixture
def server(emulator: EmulatorServer) -> Iterator[RecordingProviderServer]:
    server = start_provider_server(emulator)
    try:
        yield server
    finally:
        server.close()


def secretive(emulator: EmulatorServer, **inputs: Any) -> list[Any]:
    return goals(
        emulator,
        "leaky",
        name="leaky",
        framework="custom",
        custom_image={"url": "registry.example.com/acme/server:1.0", "port": 8080},
        container_registry_username="acme-bot",
        container_registry_password=SECRETS["password"],
        secrets={"API_KEY": SECRETS["API_KEY"]},
        **inputs,
    )


def quoting_message() -> str:
    return f"container exited: API_KEY={SECRETS['API_KEY']} REGISTRY_PASSWORD={SECRETS['password']}"


def scan(server: ProviderServer, texts: list[str], answers: list[tuple[str, Any]]) -> list[str]:
    found = []
    for value in [*SECRETS.values(), TOKEN]:
        for index, text in enumerate([*texts, server.stderr_text()]):
            if value in text:
                found.append(f"{value!r} in text #{index}")
        for method, answer in answers:
            found.extend(f"{value!r} in {method} at {path}" for path in exposed(as_plain_data(answer), value))
    return found


def test_a_failed_create_quoting_secrets_reports_without_them(
    emulator: EmulatorServer, server: RecordingProviderServer
) -> None:
    emulator.app.inject_endpoint_fault(
        NAMESPACE, "leaky", on="create", outcome="fail", message=quoting_message()
    )
    deployment = Deployment(server)

    with pytest.raises(DeploymentError) as caught:
        deployment.up(secretive(emulator))

    details = str(caught.value)
    assert "container exited: API_KEY=*** REGISTRY_PASSWORD=***" in details
    assert "was deleted so that nothing is left behind" in details
    assert scan(server, [details], server.answers) == []
    assert emulator.app.endpoint_ids(NAMESPACE) == []


def test_a_failed_update_quoting_secrets_reports_without_them(
    emulator: EmulatorServer, server: RecordingProviderServer
) -> None:
    deployment = Deployment(server)
    deployment.up(secretive(emulator))
    emulator.app.configure(failed_update="allow")
    emulator.app.inject_endpoint_fault(
        NAMESPACE, "leaky", on="update", outcome="fail", message=quoting_message()
    )

    with pytest.raises(DeploymentError) as caught:
        deployment.up(secretive(emulator, max_replica=2))
    details = str(caught.value)
    deployment.refresh()  # the refreshed status message quotes them too
    (resource,) = deployment.state.values()

    assert "updateFailed" in details and "API_KEY=***" in details
    assert "API_KEY=***" in str(resource.outputs["status_message"])
    assert scan(server, [details], [*server.answers, ("state", resource.outputs)]) == []
    deployment.destroy()


def test_a_rejected_token_is_never_quoted(emulator: EmulatorServer) -> None:
    wrong = "hf_wrongTokenX81kd02"
    server = RecordingProviderServer(CONTRACT_DIR, project="contract", stack="dev")
    server.start()
    try:
        server.configure(
            {
                "huggingface:token": wrong,
                "huggingface:apiUrl": emulator.base_url,
                "huggingface:hubUrl": emulator.hub_url,
                "huggingface:pollInterval": POLL_INTERVAL,
            },
            secret_keys=["huggingface:token"],
        )
        with pytest.raises(DeploymentError) as caught:
            Deployment(server).up(secretive(emulator))
        details = str(caught.value)
        assert "401" in details and "stack config huggingface:token" in details
        assert wrong not in details and wrong not in server.stderr_text()
        assert all(not exposed(as_plain_data(answer), wrong) for _, answer in server.answers)
    finally:
        server.close()
