"""Model-based test: random sequences of declarations, applied as the engine applies them.

A hypothesis `RuleBasedStateMachine` (derandomized) keeps a model of what the program declares.
Each step edits one to three axes of the declaration (every input: replace-only and in-place ones,
additions and removals, `desired_state`), then plays the engine's steps through
`InferenceEndpointProvider` against the in-process emulator (`engine_steps.EngineStack`): check,
diff, then an update or a replacement honouring `delete_before_replace`. After each step it asserts,
from its own model rather than the provider's tables:

* check refused exactly the declarations the API's rules forbid, and then nothing was sent;
* the diff asked for a replacement exactly when a replace-only input changed, deleting first
  exactly when the replacement keeps the namespace and an explicit name;
* every declared input is what the API holds (the emulator's stored configuration, secrets and
  registry credentials included), and the endpoint is in the declared operational state;
* a refresh records no drift, and the next diff is empty;
* no endpoint was deleted that the step did not mean to delete, and the emulator holds exactly
  the stack's endpoint.

At the end of each sequence the stack is destroyed and nothing is left on the emulator. The whole
test runs under each emulator switch that changes a behaviour the provider depends on.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any, ClassVar

import pytest
from engine_steps import USER, CheckRefused, EngineStack
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test

from pulumi_huggingface.errors import BadRequestError
from pulumi_huggingface_emulator import EmulatorApp

# Every switch of the emulator whose answer the provider's behaviour depends on, with the
# emulator's defaults first. `failed_update` only matters for endpoints that failed, which no
# declaration here produces.
SWITCHES: dict[str, dict[str, Any]] = {
    "defaults": {},
    "stale-timeout-refused": {"stale_timeout": "refuse"},
    "route-replaced-whole": {"route_update": "replace"},
    "conflict-while-updating": {"while_updating": "conflict"},
    # The API keeps no top-level cacheHttpResponses: the declared value is not held (documented).
    "cache-experimental": {"cache_http_responses": "experimental"},
    "revision-as-sent": {"revision_readback": "as_sent"},
    "create-202": {"create_status": 202},
    "type-update-refused": {"type_update": "refuse"},
    "accelerator-switch-allowed": {"accelerator_switch": "allow"},
    "name-released-late": {"name_release_seconds": 20.0},
    "list-one-per-page": {"list_page_size": 1},
    # An idle endpoint with min_replica 0 scales to zero within the step (a 15-minute timeout
    # lasts 0.75 s of the emulator's clock, which only the provider's sleeps move).
    "idle-scale-to-zero": {"minute_seconds": 0.05},
}
# Sized for about a minute in all, on a shared CI machine.
SEQUENCES_PER_SWITCH = 6
STEPS_PER_SEQUENCE = 15
FIGURES: Counter[str] = Counter()

IMAGE_A = {"url": "ghcr.io/acme/server:1", "port": 8080}
IMAGE_B = {"url": "ghcr.io/acme/server:2", "healthRoute": "/ready"}
IMAGE_TGI = {"tgi": {"url": "ghcr.io/acme/tgi:3"}}
IMAGE_CUSTOM = {"custom": {"url": "ghcr.io/acme/custom:4", "port": 7000}}

# Axes of the declaration: each maps to the inputs it sets (None: the input is absent). Valid
# values are listed more often than the ones check must refuse, so most steps reach the API.
AXES: dict[str, list[dict[str, Any]]] = {
    "name": [{"name": None}, {"name": "mb-one"}, {"name": "mb-two"}],
    "namespace": [{"namespace": None}, {"namespace": USER}, {"namespace": "emulator-org"}],
    "location": [
        {"vendor": "aws", "region": "us-east-1"},
        {"vendor": "aws", "region": "eu-west-1"},
        {"vendor": "gcp", "region": "us-east4"},
    ],
    "hardware": [
        {"accelerator": "cpu", "instance_type": "intel-spr", "instance_size": "x2"},
        {"accelerator": "cpu", "instance_type": "intel-spr", "instance_size": "x4"},
        {"accelerator": "gpu", "instance_type": "nvidia-t4", "instance_size": "x1"},
    ],
    "private_link": [
        {"private_link_account_id": None, "private_link_region": None},
        {"private_link_account_id": "111111111111", "private_link_region": "us-east-1"},
    ],
    "repository": [{"repository": "openai-community/gpt2"}, {"repository": "openai-community/gpt2-medium"}],
    "framework": [{"framework": "pytorch"}, {"framework": "custom"}],
    "task": [{"task": None}, {"task": "text-generation"}, {"task": "text-classification"}],
    "revision": [{"revision": None}, {"revision": "main"}, {"revision": "v2.0"}, {"revision": "a1" * 20}],
    "scaling": [
        {"min_replica": min_replica, "scale_to_zero_timeout": timeout}
        for min_replica, timeout, copies in [
            (None, None, 2),
            (0, None, 2),
            (0, 15, 2),
            (0, 30, 2),
            (1, None, 2),
            (2, None, 2),
            (None, 30, 1),
            (1, 15, 1),
        ]
        for _ in range(copies)
    ],
    "max_replica": [{"max_replica": None}, {"max_replica": 2}, {"max_replica": 3}],
    "measure": [
        {"scaling_metric": None, "scaling_threshold": None},
        {"scaling_metric": "pendingRequests", "scaling_threshold": None},
        {"scaling_metric": "pendingRequests", "scaling_threshold": 5},
        {"scaling_metric": "hardwareUsage", "scaling_threshold": 80.5},
        {"scaling_metric": None, "scaling_threshold": 3},
    ],
    "type": [{"type": None}, {"type": "public"}, {"type": "authenticated"}, {"type": "private"}],
    "image": [
        {"custom_image": None},
        {"custom_image": IMAGE_A},
        {"custom_image": IMAGE_B},
        {"custom_image": IMAGE_TGI},
        {"custom_image": IMAGE_CUSTOM},
    ],
    "credentials": [
        {"container_registry_username": None, "container_registry_password": None},
        {"container_registry_username": None, "container_registry_password": None},
        {"container_registry_username": "robot", "container_registry_password": None},
        {"container_registry_username": "robot", "container_registry_password": "pw-one-Xq7"},
        {"container_registry_username": "robot-2", "container_registry_password": "pw-two-Lm3"},
    ],
    "command": [{"container_command": None}, {"container_command": ["serve", "--port", "80"]}],
    "args": [{"container_args": None}, {"container_args": ["--verbose"]}, {"container_args": ["-q"]}],
    "env": [{"env": None}, {"env": {"LOG_LEVEL": "info"}}, {"env": {"LOG_LEVEL": "debug", "MODE": "x"}}],
    "secrets": [{"secrets": None}, {"secrets": {"API_KEY": "sk-one-Pq93"}}, {"secrets": {"API_KEY": "sk-2"}}],
    "tags": [{"tags": None}, {"tags": ["prod"]}, {"tags": ["prod", "team-a"]}, {"tags": ["team-a", "prod"]}],
    "route": [
        {"domain": None, "path": None},
        {"domain": "models.example.com", "path": None},
        {"domain": None, "path": "/v1"},
        {"domain": "models.example.com", "path": "/v2"},
    ],
    "cache": [
        {"cache_http_responses": None},
        {"cache_http_responses": True},
        {"cache_http_responses": False},
    ],
    "desired_state": [
        {"desired_state": None},
        {"desired_state": "running"},
        {"desired_state": "paused"},
        {"desired_state": "scaledToZero"},
    ],
    "timeouts": [{"timeouts": None}, {"timeouts": {"update": "45m"}}],
    "adopt_existing": [{"adopt_existing": None}, {"adopt_existing": True}],
}
REPLACE_ONLY = ("name", "namespace", "vendor", "region", "accelerator")
REPLACE_ONLY_IF_SET = ("private_link_account_id", "private_link_region")
BASE: dict[str, Any] = {
    "__resource_name": "mb",
    **{key: value for choices in AXES.values() for key, value in choices[0].items()},
}
PUT = "PUT /v2/endpoint/{namespace}/{name}"
POST = "POST /v2/endpoint/{namespace}"
DELETE = "DELETE /v2/endpoint/{namespace}/{name}"


def rotated(values: list[Any], turn: int) -> list[Any]:
    """`values`, starting at index `turn` (modulo its length)."""
    turn %= len(values)
    return values[turn:] + values[:turn]


def program(declared: dict[str, Any]) -> dict[str, Any]:
    """The inputs the resource sends: absent inputs are left out."""
    return {key: value for key, value in declared.items() if value is not None}


def refused(declared: dict[str, Any]) -> bool:
    """Whether check must refuse the declaration, by the API's rules (not the provider's tables)."""
    min_replica = 1 if declared["min_replica"] is None else declared["min_replica"]
    max_replica = 1 if declared["max_replica"] is None else declared["max_replica"]
    image = declared["custom_image"]
    custom_container = image is not None and ("url" in image or "custom" in image)
    return any(
        [
            declared["scale_to_zero_timeout"] is not None and min_replica != 0,
            min_replica > max_replica,
            declared["desired_state"] == "scaledToZero" and min_replica >= 1,
            declared["scaling_threshold"] is not None and declared["scaling_metric"] is None,
            declared["container_registry_password"] is not None
            and declared["container_registry_username"] is None,
            declared["container_registry_username"] is not None and not custom_container,
        ]
    )


def replace_only_values(declared: dict[str, Any], namespace: str, name: str) -> tuple[Any, ...]:
    """What the replace-only inputs mean. A removed namespace keeps the endpoint where it is (the
    reference's removal column), so the caller passes the namespace in effect."""
    return (
        name,
        declared["namespace"] or namespace,
        declared["vendor"],
        declared["region"],
        declared["accelerator"],
        declared["private_link_account_id"],
        declared["private_link_region"],
    )


def held(declared: dict[str, Any], config: dict[str, Any], state: str) -> dict[str, tuple[Any, Any]]:
    """Each declared input beside what the API holds: {input: (declared meaning, held)}."""
    model, compute = config["model"], config["compute"]
    scaling = compute["scaling"]
    min_replica = 1 if declared["min_replica"] is None else declared["min_replica"]
    timeout = declared["scale_to_zero_timeout"]
    if timeout is None and min_replica == 0:
        timeout = 15  # the API's own default, which it stores for minReplica 0
    image = model["image"]
    credentials = None
    if isinstance(image.get("custom"), dict):
        image = {"custom": dict(image["custom"])}
        credentials = image["custom"].pop("credentials", None)
    wanted_image = declared["custom_image"] or {"huggingface": {}}
    if "url" in wanted_image:
        wanted_image = {"custom": wanted_image}
    ((variant, spec),) = wanted_image.items()
    held_spec = image.get(variant)
    wanted_credentials = None
    if declared["container_registry_username"] is not None:
        wanted_credentials = {"username": declared["container_registry_username"]}
        if declared["container_registry_password"] is not None:
            wanted_credentials["password"] = declared["container_registry_password"]
    (metric,) = scaling["measure"]
    route = config.get("route") or {}
    private = config.get("privateService") or {}
    desired = declared["desired_state"] or "running"
    states = {"running": {"running"}, "paused": {"paused"}, "scaledToZero": {"scaledToZero"}}[desired]
    if desired == "running" and min_replica == 0:
        states = {"running", "scaledToZero"}  # idling to zero is what min_replica 0 allows
    pairs = {
        "repository": (declared["repository"], model["repository"]),
        "framework": (declared["framework"], model["framework"]),
        "revision": (declared["revision"], model["revision"]),
        "vendor": (declared["vendor"], config["provider"]["vendor"]),
        "region": (declared["region"], config["provider"]["region"]),
        "accelerator": (declared["accelerator"], compute["accelerator"]),
        "instance_type": (declared["instance_type"], compute["instanceType"]),
        "instance_size": (declared["instance_size"], compute["instanceSize"]),
        "min_replica": (min_replica, scaling["minReplica"]),
        "max_replica": (declared["max_replica"] or 1, scaling["maxReplica"]),
        "scale_to_zero_timeout": (timeout, scaling["scaleToZeroTimeout"]),
        "scaling_threshold": (declared["scaling_threshold"], scaling["measure"][metric]),
        "type": (declared["type"] or "authenticated", config["type"]),
        "custom_image": (
            spec,
            {key: held_spec[key] for key in spec} if isinstance(held_spec, dict) else None,
        ),
        "container_registry_username": (wanted_credentials, credentials),
        "container_command": (declared["container_command"] or None, model.get("command") or None),
        "container_args": (declared["container_args"] or None, model.get("args") or None),
        "env": (declared["env"] or {}, model["env"]),
        "secrets": (declared["secrets"] or {}, model["secrets"]),
        "tags": (
            sorted(declared["tags"] or []),
            sorted(tag for tag in config["tags"] if not tag.startswith("pulumi-hf")),
        ),
        "domain": (declared["domain"], route.get("domain")),
        "path": (declared["path"], route.get("path")),
        "cache_http_responses": (bool(declared["cache_http_responses"]), config.get("cacheHttpResponses")),
        "private_link_account_id": (declared["private_link_account_id"], private.get("accountId")),
        "private_link_region": (declared["private_link_region"], private.get("region")),
        "desired_state": (True, state in states),
    }
    if declared["task"] is not None:  # removal keeps the endpoint's task
        pairs["task"] = (declared["task"], model["task"])
    if declared["scaling_metric"] is not None:  # removal keeps the endpoint's metric
        pairs["scaling_metric"] = (declared["scaling_metric"], metric)
    return pairs


class EndpointLifecycle(RuleBasedStateMachine):
    """One stack with one endpoint, declared anew at each step."""

    switch: ClassVar[dict[str, Any]] = {}
    # Derandomized, hypothesis draws the same choices under every switch; rotating the lists of
    # values by a number per switch makes each switch walk other sequences.
    turn: ClassVar[int] = 0

    def __init__(self) -> None:
        super().__init__()
        self.deployment = EngineStack(
            EmulatorApp(token="hf_engine_steps_token", provision_seconds=5, **self.switch)
        )
        self.declared = dict(BASE)
        FIGURES["sequences"] += 1

    @initialize()
    def create(self) -> None:
        step = self.deployment.apply(program(self.declared))
        assert step.op == "create" and step.writes[POST] == 1
        self.verify()

    @rule(data=st.data())
    def declare(self, data: st.DataObject) -> None:
        axes = data.draw(
            st.lists(st.sampled_from(rotated(sorted(AXES), self.turn)), min_size=1, max_size=3, unique=True)
        )
        new = dict(self.declared)
        for axis in axes:
            new.update(data.draw(st.sampled_from(rotated(AXES[axis], self.turn)), label=axis))
        if new["accelerator"] == "gpu":
            # The catalogue offers T4s on AWS only, L4s on GCP.
            new["instance_type"] = "nvidia-l4" if new["vendor"] == "gcp" else "nvidia-t4"
        FIGURES["steps"] += 1
        old_id = self.deployment.id
        old_namespace, _, old_name = old_id.partition("/")
        new_name = new["name"] or (old_name if self.declared["name"] is None else None)
        replaces = replace_only_values(self.declared, old_namespace, old_name) != replace_only_values(
            new, old_namespace, new_name
        )

        if refused(new):
            before = self.deployment.app.request_counts()["total"]
            with pytest.raises(CheckRefused):
                self.deployment.apply(program(new))
            assert self.deployment.app.request_counts()["total"] == before, "a refused check sent requests"
            FIGURES["refused at check"] += 1
            self.verify()
            return

        type_changes = (new["type"] or "authenticated") != (self.declared["type"] or "authenticated")
        if self.switch.get("type_update") == "refuse" and type_changes and not replaces:
            # This emulator refuses a type change in place: the update fails with the API's reason
            # and the stack keeps describing the endpoint as it is.
            with pytest.raises(BadRequestError, match="type of an endpoint cannot be changed"):
                self.deployment.apply(program(new))
            FIGURES["refused by the API"] += 1
            self.verify()
            return

        step = self.deployment.apply(program(new))
        self.declared = new
        FIGURES[step.op] += 1

        assert (step.op == "replace") == replaces, (step.op, step.replaces, axes)
        if replaces:
            # An explicit name in the namespace in effect must be freed first. (A replacement of an
            # endpoint whose namespace was removed from the program is created in the default one.)
            same_name = new["name"] == old_name and (new["namespace"] or old_namespace) == old_namespace
            assert step.delete_before_replace == same_name
            assert self.deployment.id == f"{new['namespace'] or USER}/{self.deployment.id.partition('/')[2]}"
            # More than one POST only while a deleted endpoint's name is still held (409, retried).
            assert step.writes[DELETE] == 1 and step.writes[POST] >= 1
            assert step.writes[POST] == 1 or self.switch.get("name_release_seconds")
            assert step.deleted == ([] if self.deployment.id == old_id else [old_id])
        else:
            assert self.deployment.id == old_id and step.deleted == []
            assert step.writes[PUT] <= 1 and step.writes[DELETE] == 0 and step.writes[POST] == 0
        self.verify()

    def verify(self) -> None:
        deployment = self.deployment
        assert deployment.app.endpoint_ids() == [deployment.id], "an endpoint leaked or went missing"
        namespace, _, name = deployment.id.partition("/")
        assert name == (self.declared["name"] or name) and namespace == (
            self.declared["namespace"] or namespace
        )
        pairs = held(self.declared, deployment.config(), deployment.state())
        if self.switch.get("cache_http_responses") == "experimental":
            del pairs["cache_http_responses"]
        mismatched = {key: pair for key, pair in pairs.items() if pair[0] != pair[1]}
        assert mismatched == {}, f"the API does not hold what was declared: {mismatched}"

        # The engine sends whole numbers as doubles; the outputs give them back as integers.
        whole = [deployment.outs.get(key) for key in ("min_replica", "max_replica", "scale_to_zero_timeout")]
        image = deployment.outs.get("custom_image") or {}
        whole += [spec.get("port") for spec in [image, *image.values()] if isinstance(spec, dict)]
        assert not [number for number in whole if isinstance(number, float)], f"floats in outputs: {whole}"

        declared_outs = {key: deployment.outs.get(key) for key in pairs}
        deployment.refresh()
        assert {key: deployment.outs.get(key) for key in pairs} == declared_outs, "refresh found drift"
        # A refresh writes no input the program does not declare (the engine would show it removed).
        checked = deployment.check(program(self.declared))
        extra = {key for key in deployment.inputs if not key.startswith("__")} - set(checked)
        assert extra == set(), f"refresh wrote undeclared inputs: {extra}"
        diff = deployment.pending_diff(program(self.declared))
        assert diff.changes is False, f"diff after refresh: {diff.replaces}"

    def teardown(self) -> None:
        self.deployment.destroy()
        assert self.deployment.app.endpoint_ids() == [], "the destroy left an endpoint"


@pytest.mark.parametrize("switch", list(SWITCHES))
def test_random_declaration_sequences_converge(switch: str) -> None:
    turn = list(SWITCHES).index(switch)
    machine = type(
        f"EndpointLifecycle_{switch}", (EndpointLifecycle,), {"switch": SWITCHES[switch], "turn": turn}
    )
    FIGURES.clear()
    started = time.perf_counter()
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=SEQUENCES_PER_SWITCH,
            stateful_step_count=STEPS_PER_SEQUENCE,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            # Shrinking a failing sequence replays it dozens of times; the sequence as drawn is
            # printed step by step and is short enough to read.
            phases=[Phase.explicit, Phase.generate],
        ),
    )
    elapsed = time.perf_counter() - started
    print(
        f"model-based [{switch}]: {FIGURES['sequences']} sequences, {FIGURES['steps']} steps "
        f"({FIGURES['update']} updates, {FIGURES['replace']} replacements, {FIGURES['same']} unchanged, "
        f"{FIGURES['refused at check']} refused at check, {FIGURES['refused by the API']} refused by "
        f"the API) in {elapsed:.1f} s"
    )
    assert FIGURES["steps"] > 0 and FIGURES["update"] > 0 and FIGURES["replace"] > 0
