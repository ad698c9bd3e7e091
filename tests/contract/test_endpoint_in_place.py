"""Every input the field table calls "in place", changed alone, is applied in place and read back.

The table (`schema.FIELDS`) says which inputs update in place. That claim is only true if the API
really stores the new value: a field the API silently dropped would still diff as "update" and
leave state saying the new value. So each in-place input gets one endpoint, created with a base
value and then changed to a new value written out below, through the SDK's provider server; the
new value is then read from the emulator with plain HTTP (or, for what the API never reads back,
from the emulator's stored configuration).

All endpoints are created in one `pulumi up` and changed in a second one, as one program would:
each endpoint changes one input, so each case still isolates its field, and the provider
server's workers run the creates and the PUTs side by side instead of one at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

import pytest
from endpoint_stack import (
    BASE_INPUTS,
    EmulatorApi,
    RecordingProviderServer,
    leaks,
    mutating_requests,
    program_goals,
    split_id,
    start_emulator,
    start_provider_server,
)

from pulumi_huggingface import InferenceEndpoint
from pulumi_huggingface.schema import FIELDS, Mutability, identity_tags, is_reserved_tag, owner_tags
from pulumi_huggingface_emulator import EmulatorServer
from support import Deployment, DeploymentError, Plan, ResourceState, StepOp

pytestmark = pytest.mark.contract

Doc = Mapping[str, Any]
IMAGE = {"url": "registry.example.com/acme/server:1.0", "port": 8080}
CREDENTIALS = {
    "custom_image": IMAGE,
    "container_registry_username": "bot-a",
    "container_registry_password": "pw-1",
}


@dataclass(frozen=True)
class Case:
    """One in-place input: the endpoint's base inputs, the new value, and where the API keeps it.

    Attributes:
        field: The input changed.
        base: Inputs over `BASE_INPUTS` for the endpoint (the field's base value included).
        new: The field's new value.
        live: Reads the value from the endpoint as the API returns it (GET) and as the emulator
            stores it (for what the API never returns).
        also: Other inputs that must change with it for the change to be valid.
        settled: The state the endpoint settles in after the change.
    """

    field: str
    base: Mapping[str, Any]
    new: Any
    live: Callable[[Doc, Doc], Any]
    also: Mapping[str, Any] = dataclass_field(default_factory=dict)
    settled: str = "running"


def got(*path: str) -> Callable[[Doc, Doc], Any]:
    """Read a path of the endpoint's GET answer."""

    def read(doc: Doc, stored: Doc) -> Any:
        node: Any = doc
        for key in path:
            node = node.get(key) if isinstance(node, Mapping) else None
        return node

    return read


def user_tags(doc: Doc) -> list[str]:
    """The endpoint's tags without the provider's hidden ones (`pulumi-hf:<token>`, `pulumi-hf-id:<id>`)."""
    return [tag for tag in doc.get("tags") or [] if not is_reserved_tag(tag)]


def stored(*path: str) -> Callable[[Doc, Doc], Any]:
    """Read a path of the emulator's stored configuration: for values the API never reads back."""

    def read(doc: Doc, config: Doc) -> Any:
        return got(*path)(config, {})

    return read


CASES: list[Case] = [
    Case("repository", {}, "openai-community/gpt2", got("model", "repository")),
    Case("framework", {}, "tensorflow", got("model", "framework")),
    Case("task", {}, "sentiment-analysis", got("model", "task")),
    # The API reads a revision back as the commit it resolves to; what it was asked for is stored.
    Case("revision", {"revision": "main"}, "v2.0", stored("model", "revision")),
    Case("instance_size", {}, "x4", got("compute", "instanceSize")),
    Case("instance_type", {}, "intel-icl", got("compute", "instanceType")),
    Case(
        "min_replica",
        {"min_replica": 1, "max_replica": 2, "scale_to_zero_timeout": None},
        2,
        got("compute", "scaling", "minReplica"),
    ),
    Case("max_replica", {}, 3, got("compute", "scaling", "maxReplica")),
    Case("scale_to_zero_timeout", {}, 45, got("compute", "scaling", "scaleToZeroTimeout")),
    Case(
        "scaling_metric",
        {"scaling_metric": "hardwareUsage"},
        "pendingRequests",
        got("compute", "scaling", "metric"),
    ),
    Case(
        "scaling_threshold",
        {"scaling_metric": "pendingRequests", "scaling_threshold": 4},
        8,
        got("compute", "scaling", "measure", "pendingRequests"),
    ),
    Case("type", {"type": "authenticated"}, "public", got("type")),
    Case(
        "custom_image",
        {"framework": "custom", "custom_image": IMAGE},
        {"url": "registry.example.com/acme/server:2.0", "port": 8080},
        got("model", "image", "custom", "url"),
    ),
    Case(
        "container_registry_username",
        {"framework": "custom", **CREDENTIALS},
        "bot-b",
        stored("model", "image", "custom", "credentials", "username"),
    ),
    Case(
        "container_registry_password",
        {"framework": "custom", **CREDENTIALS},
        "pw-2",
        stored("model", "image", "custom", "credentials", "password"),
    ),
    Case(
        "container_command",
        {"container_command": ["python", "serve.py"]},
        ["python", "-m", "server"],
        got("model", "command"),
    ),
    Case("container_args", {"container_args": ["--port", "80"]}, ["--workers", "2"], got("model", "args")),
    Case("env", {"env": {"LOG_LEVEL": "info"}}, {"LOG_LEVEL": "debug"}, got("model", "env")),
    Case("secrets", {"secrets": {"API_KEY": "key-1"}}, {"API_KEY": "key-2"}, stored("model", "secrets")),
    Case("tags", {"tags": ["team-a"]}, ["team-a", "prod"], lambda doc, config: user_tags(doc)),
    Case("domain", {"domain": "a.example.com", "path": "/v1"}, "b.example.com", got("route", "domain")),
    Case("path", {"domain": "a.example.com", "path": "/v1"}, "/v2", got("route", "path")),
    Case("cache_http_responses", {"cache_http_responses": False}, True, got("cacheHttpResponses")),
    # Applied with the API's pause call, not a PUT; the endpoint then settles paused.
    Case("desired_state", {"desired_state": "running"}, "paused", got("status", "state"), settled="paused"),
]
BY_FIELD = {case.field: case for case in CASES}
# The compare value of the custom image: the API stores it as {"custom": {...}} with defaults filled.
EXPECTED = {"custom_image": "registry.example.com/acme/server:2.0"}


def resource_name(case: Case) -> str:
    return f"ip-{CASES.index(case):02d}"


def inputs_of(case: Case, *, changed: bool) -> dict[str, Any]:
    inputs = {**BASE_INPUTS, **case.base, "name": resource_name(case)}
    if changed:
        inputs.update({case.field: case.new, **case.also})
    return {key: value for key, value in inputs.items() if value is not None}


def matrix_program(*, changed: bool) -> Callable[[], None]:
    def program() -> None:
        for case in CASES:
            InferenceEndpoint(resource_name(case), **inputs_of(case, changed=changed))

    return program


@dataclass
class Matrix:
    """What the two runs did: plans, state and the endpoints as the API had them before and after."""

    created: Plan
    updated: Plan
    before: dict[str, ResourceState]
    after: dict[str, ResourceState]
    docs_before: dict[str, tuple[Doc, Doc]]
    docs_after: dict[str, tuple[Doc, Doc]]
    writes: dict[str, int]
    server: RecordingProviderServer


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    with start_emulator() as server:
        yield server


@pytest.fixture(scope="module")
def matrix(emulator: EmulatorServer) -> Iterator[Matrix]:
    api = EmulatorApi(emulator)

    def snapshot(deployment: Deployment) -> dict[str, tuple[Doc, Doc]]:
        docs: dict[str, tuple[Doc, Doc]] = {}
        for state in deployment.state.values():
            doc = api.get(state.id)
            view = emulator.app.inspect(*split_id(state.id))
            if doc is not None and view is not None:
                docs[state.urn.rsplit("::", 1)[1]] = (doc, view["config"])
        return docs

    def attempt(run: Callable[[], Plan]) -> Plan:
        try:
            return run()
        except DeploymentError as error:
            return error.plan

    server = start_provider_server(emulator)
    deployment = Deployment(server)
    try:
        created = attempt(lambda: deployment.up(program_goals(emulator, matrix_program(changed=False))))
        before, docs_before = dict(deployment.state), snapshot(deployment)
        emulator.app.reset_request_counts()
        updated = attempt(lambda: deployment.up(program_goals(emulator, matrix_program(changed=True))))
        writes = mutating_requests(emulator)
        after, docs_after = dict(deployment.state), snapshot(deployment)
        yield Matrix(created, updated, before, after, docs_before, docs_after, writes, server)
    finally:
        try:
            deployment.destroy()
        finally:
            server.close()
            api.close()


def test_every_in_place_input_of_the_table_has_a_case() -> None:
    """A new in-place input in `schema.FIELDS` must get a case here, with a value and a readback."""
    in_place = [field.name for field in FIELDS if field.mutability is Mutability.IN_PLACE]

    assert [case.field for case in CASES] == in_place


@pytest.mark.parametrize("case", CASES, ids=[case.field for case in CASES])
def test_an_in_place_input_changed_alone_is_updated_in_place_and_the_api_has_the_new_value(
    matrix: Matrix, case: Case
) -> None:
    """Diff says update (no replaces), Update keeps id and url, and the API holds the new value."""
    name = resource_name(case)
    created = next(step for step in matrix.created.steps if step.urn.endswith(f"::{name}"))
    assert created.ok, created.error or created.failures
    step = next(step for step in matrix.updated.steps if step.urn.endswith(f"::{name}"))
    assert step.ok, step.error or step.failures
    assert step.op is StepOp.UPDATE
    assert step.diff is not None and step.diff.replaces == []

    old, new = matrix.before[step.urn], matrix.after[step.urn]
    assert (new.id, new.outputs["url"]) == (old.id, old.outputs["url"])
    expected = EXPECTED.get(case.field, case.new)
    assert case.live(*matrix.docs_before[name]) != expected, "the base value already equals the new one"
    assert case.live(*matrix.docs_after[name]) == expected
    assert matrix.docs_after[name][0]["status"]["state"] == case.settled
    # The tags the provider hides in `tags` survive every update, a change of `tags` included.
    for hidden in (owner_tags, identity_tags):
        assert hidden(matrix.docs_after[name][0]) == hidden(matrix.docs_before[name][0])
        assert len(hidden(matrix.docs_after[name][0])) == 1


def test_the_update_run_sent_one_call_per_endpoint_and_nothing_else(matrix: Matrix) -> None:
    """One PUT per configuration change; the state change is the API's pause call alone."""
    assert matrix.writes == {
        "PUT /v2/endpoint/{namespace}/{name}": len(CASES) - 1,
        "POST /v2/endpoint/{namespace}/{name}/pause": 1,
    }


def test_no_secret_of_the_matrix_came_back_in_the_clear(matrix: Matrix) -> None:
    secrets = {"password": "pw-1", "new password": "pw-2", "API_KEY": "key-1", "new API_KEY": "key-2"}

    assert leaks(matrix.server, secrets) == []
