"""diff: which input changes update the endpoint in place and which replace it.

The expected outcome of every input is written out here, independently of `schema.FIELDS`, so a
wrong entry in the table fails a test instead of silently changing behaviour.
"""

from __future__ import annotations

from typing import Any

import pytest
from provider_fakes import EmulatedApi, make_provider
from pulumi.output import Unknown

from pulumi_huggingface import schema
from pulumi_huggingface.schema import FIELDS

IN_PLACE = "in place"
REPLACE = "replace"

# Previous outputs: every input set, so that each case is a change from one value to another.
BASE: dict[str, Any] = {
    "name": "chat",
    "namespace": "alice",
    "repository": "openai-community/gpt2",
    "framework": "pytorch",
    "task": "text-generation",
    "revision": "main",
    "accelerator": "cpu",
    "instance_size": "x2",
    "instance_type": "intel-icl",
    "vendor": "aws",
    "region": "us-east-1",
    "min_replica": 0,
    "max_replica": 2,
    "scale_to_zero_timeout": 15,
    "scaling_metric": "hardwareUsage",
    "scaling_threshold": 80.0,
    "type": "authenticated",
    "custom_image": {"url": "ghcr.io/acme/server:1", "port": 80},
    "container_registry_username": "robot",
    "container_registry_password": "old-password",
    "container_command": ["serve"],
    "container_args": ["--quiet"],
    "env": {"LOG_LEVEL": "info"},
    "secrets": {"API_KEY": "old-secret"},
    "tags": ["dev"],
    "domain": "old.example.com",
    "path": "/old",
    "cache_http_responses": False,
    "private_link_account_id": "111111111111",
    "private_link_region": "us-east-1",
    "desired_state": "running",
    "adopt_existing": False,
    "secrets_already_set": False,
    "timeouts": {"create": "30m"},
}
OUTPUTS = {
    **BASE,
    "url": "https://chat.endpoints.test",
    "state": "running",
    "updated_at": "2025-01-01T00:00:01.000Z",
    "__defaults": [],
}
ID = "alice/chat"

# (input, new value, expected outcome): written by hand from the API reference's mutability matrix.
CASES: list[tuple[str, Any, str]] = [
    ("name", "chat-v2", REPLACE),
    ("namespace", "acme-org", REPLACE),
    ("repository", "distilbert/distilbert-base-uncased", IN_PLACE),
    ("framework", "custom", IN_PLACE),
    ("task", "text-classification", IN_PLACE),
    ("revision", "v2.0", IN_PLACE),
    # [D] the API refuses a CPU<->GPU switch in place.
    ("accelerator", "gpu", REPLACE),
    ("instance_size", "x4", IN_PLACE),
    ("instance_type", "intel-spr", IN_PLACE),
    ("vendor", "gcp", REPLACE),
    ("region", "eu-west-1", REPLACE),
    ("min_replica", 1, IN_PLACE),
    ("max_replica", 4, IN_PLACE),
    ("scale_to_zero_timeout", 30, IN_PLACE),
    ("scaling_metric", "pendingRequests", IN_PLACE),
    ("scaling_threshold", 50.0, IN_PLACE),
    ("type", "private", IN_PLACE),
    ("custom_image", {"url": "ghcr.io/acme/server:2", "port": 80}, IN_PLACE),
    ("container_registry_username", "deployer", IN_PLACE),
    ("container_registry_password", "new-password", IN_PLACE),
    ("container_command", ["serve", "--fast"], IN_PLACE),
    ("container_args", ["--verbose"], IN_PLACE),
    ("env", {"LOG_LEVEL": "debug"}, IN_PLACE),
    ("secrets", {"API_KEY": "new-secret"}, IN_PLACE),
    ("tags", ["prod"], IN_PLACE),
    ("domain", "new.example.com", IN_PLACE),
    ("path", "/new", IN_PLACE),
    ("cache_http_responses", True, IN_PLACE),
    ("private_link_account_id", "222222222222", REPLACE),
    ("private_link_region", "eu-west-1", REPLACE),
    ("desired_state", "paused", IN_PLACE),
    ("adopt_existing", True, IN_PLACE),
    ("secrets_already_set", True, IN_PLACE),
    ("timeouts", {"create": "1h"}, IN_PLACE),
]


@pytest.fixture
def provider() -> Any:
    return make_provider(EmulatedApi())[0]


def test_cases_cover_every_input_of_the_table() -> None:
    """A new input in the table needs a case here, with its expected outcome written out."""
    assert [name for name, _, _ in CASES] == [field.name for field in FIELDS]
    assert set(BASE) == {field.name for field in FIELDS}


@pytest.mark.parametrize(("name", "value", "outcome"), CASES, ids=[case[0] for case in CASES])
def test_changing_one_input(provider: Any, name: str, value: Any, outcome: str) -> None:
    """Changing an input alone is a change; replace-only inputs, and only they, name a replacement."""
    result = provider.diff(ID, dict(OUTPUTS), {**BASE, name: value})
    assert result.changes is True
    assert result.replaces == ([name] if outcome == REPLACE else [])


def test_unchanged_inputs_are_no_change(provider: Any) -> None:
    """The outputs echo the inputs, so the same inputs again diff to nothing."""
    result = provider.diff(ID, dict(OUTPUTS), dict(BASE))
    assert result.changes is False
    assert result.replaces == []


@pytest.mark.parametrize(
    ("name", "outcome"),
    [("repository", IN_PLACE), ("scale_to_zero_timeout", IN_PLACE), ("region", REPLACE), ("name", REPLACE)],
)
def test_unknown_new_value_counts_as_a_change(provider: Any, name: str, outcome: str) -> None:
    """During preview a value not yet known may differ: it is a change, a replacement if replace-only."""
    result = provider.diff(ID, dict(OUTPUTS), {**BASE, name: Unknown()})
    assert result.changes is True
    assert result.replaces == ([name] if outcome == REPLACE else [])


def test_unknown_nested_inside_a_map_counts_as_a_change(provider: Any) -> None:
    """An unknown inside env (a value from another resource's output) is still a change."""
    result = provider.diff(ID, dict(OUTPUTS), {**BASE, "env": {"LOG_LEVEL": Unknown()}})
    assert (result.changes, result.replaces) == (True, [])


@pytest.mark.parametrize("name", ["task", "scaling_metric"])
def test_removing_a_keep_input_replaces_nothing_and_updates_only_the_outputs(
    provider: Any, name: str
) -> None:
    """Removing an input whose removal keeps the server's value is an update that sends no request
    (tests/unit/test_field_convergence.py): the outputs stop echoing the input, so that a refresh
    does not write it back into the inputs."""
    news = {key: value for key, value in BASE.items() if key != name}
    result = provider.diff(ID, dict(OUTPUTS), news)
    assert (result.changes, result.replaces) == (True, [])


def test_an_omitted_namespace_is_no_change(provider: Any) -> None:
    """An omitted namespace, resolved at create and marked by check, never causes a diff."""
    news = {key: value for key, value in BASE.items() if key != "namespace"}
    olds = {**OUTPUTS, "__defaults": ["namespace"]}
    assert provider.diff(ID, olds, {**news, "__defaults": ["namespace"]}).changes is False


def test_removing_a_declared_namespace_replaces_nothing(provider: Any) -> None:
    """The endpoint stays where it is; the outputs learn that the namespace is no longer declared."""
    news = {key: value for key, value in BASE.items() if key != "namespace"}
    olds = {**OUTPUTS, "__defaults_version": 2}
    result = provider.diff(ID, olds, {**news, "__defaults": ["namespace"], "__defaults_version": 2})
    assert (result.changes, result.replaces) == (True, [])


def test_state_of_a_release_without_the_namespace_mark_previews_no_change(provider: Any) -> None:
    """State written by 0.1.0 has no `__defaults_version`: its `__defaults` never recorded an
    undeclared namespace, so upgrading alone must not preview an update."""
    news = {key: value for key, value in BASE.items() if key != "namespace"}
    olds = {**OUTPUTS, "__defaults": ["name"]}
    checked = {**news, "__defaults": ["name", "namespace"], "__defaults_version": 2}
    assert provider.diff(ID, olds, checked).changes is False


@pytest.mark.parametrize(
    "name", ["revision", "scale_to_zero_timeout", "env", "tags", "container_args", "domain", "secrets"]
)
def test_removing_a_clear_input_is_an_in_place_change(provider: Any, name: str) -> None:
    """Removing an input whose removal clears it on the server is an in-place update."""
    news = {key: value for key, value in BASE.items() if key != name}
    result = provider.diff(ID, dict(OUTPUTS), news)
    assert (result.changes, result.replaces) == (True, [])


@pytest.mark.parametrize(("name", "value"), [("min_replica", 1), ("env", {})])
def test_removing_an_input_already_at_its_default_is_an_update_without_a_request(
    provider: Any, name: str, value: Any
) -> None:
    """min_replica 1 is the default, so removing an explicit 1 sends nothing (an empty env likewise);
    but the outputs must stop echoing it, or a refresh writes it back into the inputs."""
    olds = {**OUTPUTS, name: value}
    news = {key: item for key, item in BASE.items() if key != name}
    result = provider.diff(ID, olds, news)
    assert (result.changes, result.replaces) == (True, [])
    assert schema.update_payload(schema.changed_fields(olds, news, is_unknown=lambda _: False), news) == {}


def test_explicit_namespace_equal_to_the_resolved_one_is_no_change(provider: Any) -> None:
    """Declaring the namespace the endpoint already lives in is not a move."""
    olds = {**OUTPUTS}
    news = {key: value for key, value in BASE.items() if key != "namespace"}
    assert provider.diff(ID, olds, {**news, "namespace": "alice"}).changes is False


def test_replacement_under_the_same_name_deletes_first(provider: Any) -> None:
    """Names are unique in a namespace, so a new endpoint with the same name can exist only after the
    old one is deleted."""
    result = provider.diff(ID, dict(OUTPUTS), {**BASE, "region": "eu-west-1"})
    assert result.replaces == ["region"]
    assert result.delete_before_replace is True


def test_replacement_under_a_new_name_creates_first(provider: Any) -> None:
    """With a different name the new endpoint can be created before the old one is deleted."""
    result = provider.diff(ID, dict(OUTPUTS), {**BASE, "region": "eu-west-1", "name": "chat-eu"})
    assert sorted(result.replaces) == ["name", "region"]
    assert result.delete_before_replace is False


def test_replacement_of_an_autonamed_endpoint_creates_first(provider: Any) -> None:
    """An autonamed endpoint gets a fresh name when the engine re-checks it for the replacement, so
    the new one can serve before the old one is deleted."""
    result = provider.diff(ID, dict(OUTPUTS), {**BASE, "region": "eu-west-1", "__defaults": ["name"]})
    assert result.replaces == ["region"]
    assert result.delete_before_replace is False


def test_internal_inputs_never_count(provider: Any) -> None:
    """The provider's own `__*` inputs are bookkeeping, not configuration."""
    news = {**BASE, "__defaults": ["name"], "__resource_name": "renamed", "__provider": "xyz"}
    assert provider.diff(ID, dict(OUTPUTS), news).changes is False


def test_legacy_type_spelling_in_state_is_no_change(provider: Any) -> None:
    """An endpoint read back as `protected` matches a declared `authenticated`."""
    assert provider.diff(ID, {**OUTPUTS, "type": "protected"}, dict(BASE)).changes is False


def test_numbers_carried_as_doubles_are_no_change(provider: Any) -> None:
    """Pulumi carries numbers as doubles: 2.0 in state is the declared 2."""
    assert provider.diff(ID, {**OUTPUTS, "max_replica": 2.0}, dict(BASE)).changes is False


def test_diff_makes_no_request() -> None:
    """diff needs neither a token nor the API."""
    api = EmulatedApi()
    provider, _, _ = make_provider(api, environ={})
    provider.diff(ID, dict(OUTPUTS), {**BASE, "region": "eu-west-1"})
    assert api.calls == []
