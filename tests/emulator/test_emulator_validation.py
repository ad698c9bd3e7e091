"""Request validation and update merging, as the reference describes the real API (§1.4, §4, §7)."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from emulator_helpers import NAMESPACE, PROVISION, create_body

from pulumi_huggingface_emulator import EmulatorApp

URL = f"/v2/endpoint/{NAMESPACE}"


def _with(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A mutation setting a dotted path of the body (`...=_DELETE` removes the key)."""

    def mutate(body: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target = body
        for key in parents:
            target = target[key]
        if value is _DELETE:
            del target[last]
        else:
            target[last] = value

    return mutate


def _both(*mutations: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    def mutate(body: dict[str, Any]) -> None:
        for one in mutations:
            one(body)

    return mutate


_DELETE = object()
_EU_WEST_1 = _with("provider", {"vendor": "aws", "region": "eu-west-1"})

INVALID_CREATES = [
    ("name-uppercase", _with("name", "MyEndpoint"), "name: Must only contains lowercase alphanumeric"),
    ("name-33-chars", _with("name", "a" * 33), "length of 32 characters maximum"),
    ("name-underscore", _with("name", "my_endpoint"), "lowercase alphanumeric"),
    (
        "task-null",
        _with("model.task", None),
        "Failed to parse the request body as JSON: model.task: expected value",
    ),
    (
        "timeout-too-small",
        _with("compute.scaling.scaleToZeroTimeout", 14),
        "must be between 15 and 2880 minutes",
    ),
    (
        "timeout-too-large",
        _with("compute.scaling.scaleToZeroTimeout", 2881),
        "must be between 15 and 2880 minutes",
    ),
    (
        "timeout-with-min-replica",
        _with("compute.scaling.minReplica", 1),
        "requires compute.scaling.minReplica to be 0",
    ),
    (
        "min-above-max",
        _with("compute.scaling", {"minReplica": 3, "maxReplica": 2}),
        "minReplica must be lower than or equal to compute.scaling.maxReplica",
    ),
    (
        "unknown-instance",
        _with("compute.instanceType", "c6i"),
        "400: Instance compute 'Cpu' - 'c6i' - 'x2' in 'aws' - 'us-east-1' not found",
    ),
    (
        "unknown-region",
        _with("provider", {"vendor": "aws", "region": "mars-1"}),
        "in 'aws' - 'mars-1' not found",
    ),
    ("accelerator-mismatch", _with("compute.accelerator", "gpu"), "Instance compute 'Gpu' - 'intel-icl'"),
    (
        "unavailable-hardware",
        _both(
            _with("provider", {"vendor": "azure", "region": "eastus"}),
            _with("compute.accelerator", "gpu"),
            _with("compute.instanceType", "nvidia-a100"),
            _with("compute.instanceSize", "x4"),
        ),
        "Bad Request: Compute instance not available yet",
    ),
    (
        "deprecated-hardware",
        _both(_with("compute.accelerator", "gpu"), _with("compute.instanceType", "nvidia-t4")),
        "Bad Request: Compute instance not available yet",
    ),
    (
        "l4-absent-from-eu-west-1",
        _both(
            _EU_WEST_1,
            _with("compute.accelerator", "gpu"),
            _with("compute.instanceType", "nvidia-l4"),
            _with("compute.instanceSize", "x1"),
        ),
        "Instance compute 'Gpu' - 'nvidia-l4' - 'x1' in 'aws' - 'eu-west-1' not found",
    ),
    (
        "unknown-image-variant",
        _with("model.image", {"vllm": {"url": "vllm/vllm-openai"}}),
        "unknown variant `vllm`",
    ),
    (
        "variant-without-url",
        _with("model.image", {"tgi": {"port": 80}}),
        "model.image.tgi: missing field `url`",
    ),
    (
        "two-image-variants",
        _with("model.image", {"huggingface": {}, "tgi": {"url": "x"}}),
        "model.image: invalid type: map, expected map with a single key",
    ),
    ("missing-model", _with("model", _DELETE), "missing field `model`"),
    ("missing-repository", _with("model.repository", _DELETE), "model: missing field `repository`"),
    ("wrong-type", _with("compute.scaling.maxReplica", "two"), "compute.scaling.maxReplica: invalid type"),
    ("negative-replicas", _with("compute.scaling.minReplica", -1), "invalid value: integer `-1`"),
    ("unknown-endpoint-type", _with("type", "open"), "type: unknown variant `open`"),
    ("tags-not-strings", _with("tags", [1]), "tags[0]: invalid type"),
    ("unknown-framework", _with("model.framework", "torch"), "model.framework: unknown variant `torch`"),
    ("unknown-task", _with("model.task", "chat"), "model.task: unknown variant `chat`"),
    ("name-leading-dash", _with("name", "-chat"), "name: Must only contains lowercase alphanumeric"),
    ("name-trailing-dash", _with("name", "chat-"), "name: Must only contains lowercase alphanumeric"),
]
# Bodies that do not deserialise: 422 `text/plain` from the framework (reference §4.1); the rest
# are the service's own 400 `{"error": ...}`.
DESERIALIZE_FAILURES = {
    "unknown-image-variant",
    "variant-without-url",
    "two-image-variants",
    "missing-model",
    "missing-repository",
    "wrong-type",
    "negative-replicas",
    "unknown-endpoint-type",
    "tags-not-strings",
    "unknown-framework",
    "unknown-task",
}


@pytest.mark.parametrize(
    ("mutate", "message"), [c[1:] for c in INVALID_CREATES], ids=[c[0] for c in INVALID_CREATES]
)
def test_invalid_create_is_answered_as_the_service_answers(
    request: pytest.FixtureRequest,
    client: httpx.Client,
    app: EmulatorApp,
    mutate: Callable[[dict[str, Any]], None],
    message: str,
) -> None:
    """A body that does not deserialise answers 422 `text/plain` with the framework's wording and
    the position; a refused value answers 400 `{"error", "code"}`. Nothing is stored."""
    body = create_body("bad")
    mutate(body)
    response = client.post(URL, json=body)
    if request.node.callspec.id in DESERIALIZE_FAILURES:
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("text/plain")
        assert response.text.startswith("Failed to deserialize the JSON body into the target type: ")
        assert message in response.text
        assert re.search(r" at line 1 column \d+$", response.text), response.text
    else:
        assert response.status_code == 400, response.text
        assert response.json() == {"error": response.json()["error"], "code": "BAD_REQUEST"}
        assert message in response.json()["error"]
    assert client.get(URL).json()["items"] == []


def test_malformed_json_is_400(client: httpx.Client) -> None:
    """A body that is not JSON gets the parse-error wording."""
    response = client.post(URL, content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"].startswith("Failed to parse the request body as JSON: ")


def test_unknown_keys_are_accepted_and_dropped(client: httpx.Client) -> None:
    """Unknown keys, snake_case ones included, are ignored, not refused ([D] commit 55898746)."""
    body = create_body("extra", health_route="/custom", surprise={"a": 1})
    body["model"]["image"] = {"custom": {"url": "registry.example/x:1", "health_route": "/ignored"}}
    response = client.post(URL, json=body)
    assert response.status_code == 200
    assert "health_route" not in response.json() and "surprise" not in response.json()
    assert response.json()["healthRoute"] == "/health"


def test_min_replica_zero_without_timeout_gets_the_default(client: httpx.Client) -> None:
    """minReplica 0 and no timeout is accepted and read back as 15 ([O]/[I] reference §4)."""
    body = create_body("default-timeout")
    body["compute"]["scaling"]["scaleToZeroTimeout"] = None
    scaling = client.post(URL, json=body).json()["compute"]["scaling"]
    assert scaling["scaleToZeroTimeout"] == 15


def test_min_replica_one_without_timeout_disables_scale_to_zero(client: httpx.Client) -> None:
    """minReplica 1 with a null timeout is accepted; the timeout reads back null ([O] trending-deploy#8)."""
    body = create_body("always-on")
    body["compute"]["scaling"] = {"minReplica": 1, "maxReplica": 2, "scaleToZeroTimeout": None}
    scaling = client.post(URL, json=body).json()["compute"]["scaling"]
    assert (scaling["minReplica"], scaling["scaleToZeroTimeout"]) == (1, None)


def _stored(client: httpx.Client, name: str) -> dict[str, Any]:
    return client.get(f"{URL}/{name}").json()


def _put(client: httpx.Client, name: str, body: dict[str, Any]) -> httpx.Response:
    return client.put(f"{URL}/{name}", json=body)


@pytest.fixture
def rich(client: httpx.Client) -> str:
    """An endpoint with env, secrets, command, tags and a route, for merge tests."""
    body = create_body("rich", tags=["a", "b"], route={"path": "/v1"})
    body["model"].update(env={"A": "1", "B": "2"}, secrets={"S": "x"}, command=["serve"], args=["--fast"])
    assert client.post(URL, json=body).status_code == 200
    return "rich"


ROUTE_MERGED = {"path": "/v1", "domain": "x.example"}

MERGES = [
    # (id, PUT body, path into the stored document, expected value)
    (
        "scaling-per-key",
        {"compute": {"scaling": {"maxReplica": 3}}},
        ("compute", "scaling"),
        {
            "minReplica": 0,
            "maxReplica": 3,
            "scaleToZeroTimeout": 15,
            "metric": "hardwareUsage",
            "measure": {"hardwareUsage": None},
        },
    ),
    ("compute-per-key", {"compute": {"instanceSize": "x4"}}, ("compute", "instanceType"), "intel-icl"),
    (
        "compute-id-follows",
        {"compute": {"instanceSize": "x4"}},
        ("compute", "id"),
        "aws-us-east-1-intel-icl-x4",
    ),
    (
        "model-per-key",
        {"model": {"task": "text-classification"}},
        ("model", "repository"),
        "openai-community/gpt2",
    ),
    ("env-replaced-whole", {"model": {"env": {"C": "3"}}}, ("model", "env"), {"C": "3"}),
    ("env-null-clears", {"model": {"env": None}}, ("model", "env"), {}),
    ("env-absent-kept", {"compute": {"scaling": {"maxReplica": 2}}}, ("model", "env"), {"A": "1", "B": "2"}),
    ("command-replaced", {"model": {"command": ["run"]}}, ("model", "command"), ["run"]),
    ("args-empty-list-clears", {"model": {"args": []}}, ("model", "args"), []),
    ("tags-replaced-whole", {"tags": ["c"]}, ("tags",), ["c"]),
    ("tags-null-clears", {"tags": None}, ("tags",), []),
    # The default route_update="merge"; "replace" is in test_emulator_switches.py.
    ("route-merged", {"route": {"domain": "x.example"}}, ("route",), ROUTE_MERGED),
    (
        "image-replaced-whole",
        {"model": {"image": {"tei": {"url": "ghcr.io/tei:1"}}}},
        ("model", "image"),
        {"tei": {"url": "ghcr.io/tei:1", "port": 80, "healthRoute": "/health"}},
    ),
    (
        "measure-sets-metric",
        {"compute": {"scaling": {"measure": {"pendingRequests": 4}}}},
        ("compute", "scaling", "metric"),
        "pendingRequests",
    ),
    (
        "timeout-updated",
        {"compute": {"scaling": {"scaleToZeroTimeout": 120}}},
        ("compute", "scaling", "scaleToZeroTimeout"),
        120,
    ),
    (
        "min-one-with-explicit-null",
        {"compute": {"scaling": {"minReplica": 1, "scaleToZeroTimeout": None}}},
        ("compute", "scaling", "scaleToZeroTimeout"),
        None,
    ),
    ("revision-pinned", {"model": {"revision": "A" * 40}}, ("model", "revision"), "a" * 40),
    ("name-ignored", {"name": "renamed"}, ("name",), "rich"),
    (
        "provider-ignored",
        {"provider": {"vendor": "gcp", "region": "us-east4"}},
        ("provider",),
        {"vendor": "aws", "region": "us-east-1"},
    ),
    ("type-in-place", {"type": "public"}, ("type",), "public"),
]


@pytest.mark.parametrize(("body", "path", "expected"), [m[1:] for m in MERGES], ids=[m[0] for m in MERGES])
def test_update_merges_as_the_reference_says(
    client: httpx.Client, rich: str, body: dict[str, Any], path: tuple[str, ...], expected: Any
) -> None:
    """PUT merges per key (route too, by default); image, command, args, env, secrets and tags are
    replaced whole."""
    response = _put(client, rich, body)
    assert response.status_code == 200, response.text
    for document in (response.json(), _stored(client, rich)):
        value = document
        for key in path:
            value = value[key]
        assert value == expected


INVALID_UPDATES = [
    ("timeout-out-of-range", {"compute": {"scaling": {"scaleToZeroTimeout": 3000}}}, "between 15 and 2880"),
    ("task-null", {"model": {"task": None}}, "model.task: expected value"),
    (
        "min-above-max",
        {"compute": {"scaling": {"minReplica": 2, "maxReplica": 1, "scaleToZeroTimeout": None}}},
        "lower than or equal",
    ),
    ("unknown-hardware", {"compute": {"instanceType": "intel-xyz"}}, "not found"),
    (
        "accelerator-switch",
        {"compute": {"accelerator": "gpu", "instanceType": "nvidia-t4", "instanceSize": "x1"}},
        "Cannot change the accelerator of an endpoint from cpu to gpu",
    ),
    ("unknown-variant", {"model": {"image": {"TGI": {"url": "x"}}}}, "unknown variant `TGI`"),
    ("repository-null", {"model": {"repository": None}}, "model.repository: invalid type: null"),
]


@pytest.mark.parametrize(
    ("body", "message"), [c[1:] for c in INVALID_UPDATES], ids=[c[0] for c in INVALID_UPDATES]
)
def test_invalid_update_is_refused_and_changes_nothing(
    client: httpx.Client, app: EmulatorApp, rich: str, body: dict[str, Any], message: str
) -> None:
    """An invalid PUT answers 400 (422 for a body that does not deserialise) and leaves
    configuration and state as they were."""
    app.advance_clock(PROVISION)
    before = _stored(client, rich)
    assert before["status"]["state"] == "running"
    response = _put(client, rich, copy.deepcopy(body))
    assert response.status_code in (400, 422)
    assert message in (response.json()["error"] if response.status_code == 400 else response.text)
    assert _stored(client, rich) == before


def test_unknown_endpoint_is_404_on_every_route(client: httpx.Client) -> None:
    """GET, PUT, DELETE, pause, resume and scale-to-zero of an unknown name answer 404."""
    for method, suffix in [
        ("GET", ""),
        ("PUT", ""),
        ("DELETE", ""),
        ("POST", "/pause"),
        ("POST", "/resume"),
        ("POST", "/scale-to-zero"),
    ]:
        response = client.request(method, f"{URL}/ghost{suffix}", json={} if method == "PUT" else None)
        assert (response.status_code, response.json()) == (
            404,
            {"error": "Endpoint not found", "code": "NOT_FOUND"},
        ), (
            method,
            suffix,
        )


def test_secrets_are_replaced_but_never_read_back(client: httpx.Client, app: EmulatorApp, rich: str) -> None:
    """Secrets are stored (visible to the emulator) but the API shows `{}`."""
    assert _put(client, rich, {"model": {"secrets": {"T": "y"}}}).json()["model"]["secrets"] == {}
    view = app.inspect(NAMESPACE, rich)
    assert view is not None and view["config"]["model"]["secrets"] == {"T": "y"}


def test_a_deserialize_error_points_at_the_value_line_and_column(client: httpx.Client) -> None:
    """The 422 ends with where serde stopped: after the bad value, or at the end of the object
    lacking a field; lines count in a pretty-printed body."""
    body = create_body("pos")
    body["compute"]["scaling"]["maxReplica"] = "two"
    text = json.dumps(body, indent=2)
    response = client.post(URL, content=text, headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    lines = text.splitlines()
    (line,) = [i for i, content in enumerate(lines, 1) if '"maxReplica": "two"' in content]
    column = lines[line - 1].index('"two"') + len('"two"')
    assert response.text == (
        "Failed to deserialize the JSON body into the target type: compute.scaling.maxReplica: "
        f'invalid type: string "two", expected u32 at line {line} column {column}'
    )

    del body["model"]["repository"]
    body["compute"]["scaling"]["maxReplica"] = 1
    text = json.dumps(body)
    response = client.post(URL, content=text, headers={"Content-Type": "application/json"})
    model_end = text.index('"model": ') + len('"model": ') + len(json.dumps(body["model"]))
    assert response.text.endswith(f"model: missing field `repository` at line 1 column {model_end}")


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_a_body_without_a_json_content_type_is_415(client: httpx.Client, content_type: str | None) -> None:
    """Create and update refuse a body not sent as JSON, before looking at it (axum's `Json`)."""
    headers = {} if content_type is None else {"Content-Type": content_type}
    text = json.dumps(create_body("typed"))
    response = client.post(URL, content=text, headers=headers)
    assert (response.status_code, response.text) == (
        415,
        "Expected request with `Content-Type: application/json`",
    )
    assert client.post(URL, json=create_body("typed")).status_code == 200
    response = client.put(f"{URL}/typed", content=json.dumps({"tags": ["x"]}), headers=headers)
    assert response.status_code == 415
    assert client.get(f"{URL}/typed").json()["tags"] == []


def test_a_null_in_an_enum_field_is_the_one_parse_error(client: httpx.Client) -> None:
    """`model.task: null` keeps the observed 400 "Failed to parse the request body as JSON" wording,
    with a `code`; a null in a plain string field is a 422 type error."""
    body = create_body("nulls")
    body["model"]["task"] = None
    response = client.post(URL, json=body)
    assert (response.status_code, response.json()) == (
        400,
        {
            "error": "Failed to parse the request body as JSON: model.task: expected value",
            "code": "BAD_REQUEST",
        },
    )
    body = create_body("nulls")
    body["model"]["repository"] = None
    response = client.post(URL, json=body)
    assert response.status_code == 422
    assert "model.repository: invalid type: null, expected a string at line 1 column" in response.text
