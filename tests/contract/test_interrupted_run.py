"""A `pulumi up` after one that was killed mid-create: what the real engine does, through the real server.

The engine keeps nothing of a create whose plugin died, so the next `pulumi up` starts with no state
for the resource: Check runs from scratch and chooses a new creation token (and, without an explicit
name, a new autoname). Each scenario reproduces exactly that: a deployment's create is under way on
one provider server (its POST landed; it waits for the endpoint to run) when the server is
SIGKILLed; then a *new* `Deployment`, with no state, on a fresh server, runs the program again.

The endpoint the killed run left carries the resource's identity tag (`pulumi-hf-id:<identity>`),
computed by the resource constructor from the stack and resource names, so the fresh run
recognises it: under an explicit name it is taken over; under an autoname it cannot be (the
outputs must echo the new name), so the fresh run warns, naming it and the command that deletes it.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from endpoint_stack import (
    NAMESPACE,
    EmulatorApi,
    RecordingProviderServer,
    goals,
    only_resource,
    plain,
    start_emulator,
    start_provider_server,
)

from pulumi_huggingface_emulator import EmulatorServer
from support import Deployment, DeploymentError, StepOp

pytestmark = pytest.mark.contract

RESOURCE = "victim"
POST_ROUTE = "POST /v2/endpoint/{namespace}"
# The orphan warning's delete command, as the provider words it.
DELETE_COMMAND = re.compile(r"`hf endpoints delete (?P<name>\S+) --namespace (?P<namespace>\S+)`")


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    with start_emulator() as server:
        yield server


@pytest.fixture
def api(emulator: EmulatorServer) -> Iterator[EmulatorApi]:
    client = EmulatorApi(emulator)
    yield client
    client.close()


@pytest.fixture
def servers() -> Iterator[list[RecordingProviderServer]]:
    started: list[RecordingProviderServer] = []
    yield started
    for server in started:
        server.close()


def _until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        time.sleep(0.02)


def kill_mid_create(emulator: EmulatorServer, servers: list[RecordingProviderServer], **inputs: Any) -> str:
    """Run `pulumi up` of one endpoint and SIGKILL its provider server once the POST has landed.

    Returns:
        The id of the endpoint the killed run left.
    """
    # At the default cadence: the killed create must still be waiting when the kill lands.
    server = start_provider_server(emulator, poll_interval=None)
    servers.append(server)
    deployment = Deployment(server)
    outcome: dict[str, BaseException] = {}

    def run() -> None:
        try:
            deployment.up(goals(emulator, RESOURCE, **inputs))
        except BaseException as exc:  # surfaced below
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    _until(lambda: bool(emulator.app.endpoint_ids(NAMESPACE)))
    server.kill()
    thread.join()
    assert isinstance(outcome.get("error"), DeploymentError), outcome
    assert deployment.state == {}  # the engine keeps nothing of a create whose plugin died
    (left,) = emulator.app.endpoint_ids(NAMESPACE)
    return left


def fresh_run(
    emulator: EmulatorServer, servers: list[RecordingProviderServer]
) -> tuple[Deployment, RecordingProviderServer]:
    """The next `pulumi up`: a new plugin process and no state for the resource."""
    server = start_provider_server(emulator)
    servers.append(server)
    return Deployment(server), server


def test_an_explicitly_named_endpoint_left_by_a_killed_run_is_taken_over(
    emulator: EmulatorServer, api: EmulatorApi, servers: list[RecordingProviderServer]
) -> None:
    left = kill_mid_create(emulator, servers, name="victim-ep")
    assert left == f"{NAMESPACE}/victim-ep"
    killed_tags = api.get(left)["tags"]  # type: ignore[index]

    deployment, server = fresh_run(emulator, servers)
    plan = deployment.up(goals(emulator, RESOURCE, name="victim-ep", tags=["team-a"]))

    assert plan.ops()[plan.steps[0].urn] is StepOp.CREATE
    resource = only_resource(deployment)
    assert resource.id == left
    assert emulator.app.endpoint_ids(NAMESPACE) == [left]
    # The fresh run's own POST was refused (409: the name is taken); its GET showed the endpoint,
    # and nothing was posted after that.
    assert emulator.app.request_counts()["byRoute"][POST_ROUTE] == 2
    assert "Taking it over" in server.wait_for_stderr("carries this resource's identity tag")
    # The endpoint now carries the fresh run's token, kept in state, beside the same identity.
    token = plain(resource.inputs)["__creation_token"]
    identity_tags = [tag for tag in killed_tags if tag.startswith("pulumi-hf-id:")]
    assert len(identity_tags) == 1
    live = api.get(left)
    assert live is not None and live["status"]["state"] == "running"
    assert sorted(live["tags"]) == sorted(["team-a", f"pulumi-hf:{token}", *identity_tags])
    assert f"pulumi-hf:{token}" not in killed_tags
    assert plain(resource.outputs)["tags"] == ["team-a"]

    deployment.up([])
    assert emulator.app.endpoint_ids(NAMESPACE) == []


def test_an_autonamed_endpoint_left_by_a_killed_run_is_named_in_a_warning_and_deleted_as_it_says(
    emulator: EmulatorServer, api: EmulatorApi, servers: list[RecordingProviderServer]
) -> None:
    left = kill_mid_create(emulator, servers)

    deployment, server = fresh_run(emulator, servers)
    deployment.up(goals(emulator, RESOURCE))

    managed = only_resource(deployment).id
    assert managed != left
    assert sorted(emulator.app.endpoint_ids(NAMESPACE)) == sorted([left, managed])
    stderr = server.stderr_text()
    warnings = [line for line in stderr.splitlines() if "carries the identity tag of" in line]
    assert len(warnings) == 1, stderr
    assert f"endpoint {left} carries the identity tag of resource {RESOURCE!r}" in warnings[0]
    command = DELETE_COMMAND.search(warnings[0])
    assert command is not None, warnings[0]

    api.delete(f"{command['namespace']}/{command['name']}")
    _until(lambda: api.get(left) is None)

    assert emulator.app.endpoint_ids(NAMESPACE) == [managed]

    # A create-before-delete replacement: the old endpoint has the same identity and another token,
    # but it is the one being replaced (its diff ran on this server), so no warning names it.
    plan = deployment.up(goals(emulator, RESOURCE, region="eu-west-1"))
    assert plan.ops()[plan.steps[0].urn] is StepOp.REPLACE
    replacement = only_resource(deployment).id
    assert replacement not in (managed, left)
    assert emulator.app.endpoint_ids(NAMESPACE) == [replacement]
    after = server.stderr_text()[len(stderr) :]
    assert "carries the identity tag of" not in after, after

    deployment.up([])
    assert emulator.app.endpoint_ids(NAMESPACE) == []
