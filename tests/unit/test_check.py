"""check: validation before any API call, the `protected` alias, and autonaming."""

from __future__ import annotations

import re
from typing import Any

import pytest
from provider_fakes import EmulatedApi, base_inputs, make_provider
from pulumi.output import Unknown

from pulumi_huggingface.validation import autoname, parse_duration

SECRET_VALUE = "sup3r-s3cret-value"
PASSWORD = "registry-passw0rd"
ENV_VALUE = "env-value-not-shown"

# (case id, input overrides, the property the failure must name, a fragment of its reason)
BAD_INPUTS: list[tuple[str, dict[str, Any], str, str]] = [
    ("missing-repository", {"repository": None}, "repository", "required"),
    ("name-uppercase", {"name": "My-Endpoint"}, "name", "lowercase"),
    ("name-too-long", {"name": "a" * 33}, "name", "32"),
    ("name-trailing-dash", {"name": "chat-"}, "name", "starting and ending"),
    ("name-not-string", {"name": 42}, "name", "string"),
    ("type-unknown", {"type": "internal"}, "type", "'public', 'authenticated', 'private'"),
    ("accelerator-unknown", {"accelerator": "tpu"}, "accelerator", "'cpu', 'gpu', 'neuron'"),
    ("scaling-metric-unknown", {"scaling_metric": "cpu"}, "scaling_metric", "'hardwareUsage'"),
    ("timeout-too-short", {"scale_to_zero_timeout": 5}, "scale_to_zero_timeout", "between 15 and 2880"),
    ("timeout-too-long", {"scale_to_zero_timeout": 3000}, "scale_to_zero_timeout", "between 15 and 2880"),
    ("timeout-not-whole", {"scale_to_zero_timeout": 15.5}, "scale_to_zero_timeout", "whole number"),
    (
        "timeout-with-min-replica",
        {"min_replica": 1, "scale_to_zero_timeout": 30},
        "scale_to_zero_timeout",
        "needs min_replica 0, but min_replica is 1",
    ),
    (
        "min-above-max",
        {"min_replica": 3, "max_replica": 2, "scale_to_zero_timeout": None},
        "min_replica",
        "above",
    ),
    ("min-negative", {"min_replica": -1}, "min_replica", "at least 0"),
    ("max-zero", {"max_replica": 0, "min_replica": 0}, "max_replica", "at least 1"),
    ("threshold-without-metric", {"scaling_threshold": 10.0}, "scaling_threshold", "needs scaling_metric"),
    (
        "password-without-username",
        {"container_registry_password": PASSWORD},
        "container_registry_password",
        "username",
    ),
    (
        "credentials-without-image",
        {"container_registry_username": "robot"},
        "container_registry_username",
        "custom_image",
    ),
    (
        "credentials-on-managed-variant",
        {"custom_image": {"tgi": {"url": "ghcr.io/x/tgi:3"}}, "container_registry_username": "robot"},
        "container_registry_username",
        "custom container",
    ),
    (
        "private-link-without-region",
        {"private_link_account_id": "123456789012"},
        "private_link_region",
        "needs",
    ),
    ("private-link-region-alone", {"private_link_region": "us-east-1"}, "private_link_account_id", "needs"),
    ("path-without-slash", {"path": "models/gpt2"}, "path", "start with '/'"),
    ("domain-with-scheme", {"domain": "https://x.example.com"}, "domain", "bare host name"),
    ("tags-not-list", {"tags": "prod"}, "tags", "list of strings"),
    ("tags-empty-item", {"tags": ["prod", ""]}, "tags", "tags[1]"),
    ("env-not-map", {"env": ["A=1"]}, "env", "map"),
    ("env-value-not-string", {"env": {"WORKERS": 4}}, "env", "quote numbers"),
    ("env-bad-name", {"env": {"1BAD": ENV_VALUE}}, "env", "invalid variable name"),
    ("secrets-value-not-string", {"secrets": {"API_KEY": 12345678}}, "secrets", "must be a string"),
    (
        "image-two-variants",
        {"custom_image": {"tgi": {"url": "a"}, "tei": {"url": "b"}}},
        "custom_image",
        "exactly one",
    ),
    (
        "image-variant-without-url",
        {"custom_image": {"vLLM": {"port": 8000}}},
        "custom_image",
        "needs a 'url'",
    ),
    ("image-bad-port", {"custom_image": {"url": "ghcr.io/x/y:1", "port": 70000}}, "custom_image", "port"),
    (
        "image-with-credentials",
        {"custom_image": {"url": "ghcr.io/x/y:1", "credentials": {}}},
        "custom_image",
        "credentials",
    ),
    ("timeouts-bad-duration", {"timeouts": {"create": "ten minutes"}}, "timeouts", "not a duration"),
    ("timeouts-unknown-key", {"timeouts": {"refresh": "1m"}}, "timeouts", "unknown key"),
    ("timeouts-zero", {"timeouts": {"delete": "0s"}}, "timeouts", "zero"),
    ("adopt-not-bool", {"adopt_existing": "yes"}, "adopt_existing", "true or false"),
    ("cache-not-bool", {"cache_http_responses": 1}, "cache_http_responses", "true or false"),
]


@pytest.mark.parametrize(
    ("overrides", "prop", "fragment"), [case[1:] for case in BAD_INPUTS], ids=[c[0] for c in BAD_INPUTS]
)
def test_bad_input_fails_check_naming_the_field_without_any_request(
    overrides: dict[str, Any], prop: str, fragment: str
) -> None:
    """Each bad input yields a failure on that field whose reason says what is wrong; no request is sent."""
    api = EmulatedApi()
    provider, _, _ = make_provider(api)
    inputs = base_inputs(**{"secrets": {"API_KEY": SECRET_VALUE}, **overrides})
    result = provider.check({}, {key: value for key, value in inputs.items() if value is not None})
    failures = {failure.property: failure.reason for failure in result.failures}
    assert prop in failures, failures
    assert fragment in failures[prop]
    assert api.calls == []


@pytest.mark.parametrize(
    "overrides",
    [
        {"secrets": {"API_KEY": 12345678, "OTHER": SECRET_VALUE}},
        {"container_registry_password": PASSWORD},
        {"container_registry_username": PASSWORD},
        {"env": {"1BAD": ENV_VALUE, "OK": 3}},
        {"container_registry_password": 123456789},
    ],
    ids=["secrets", "password-without-username", "username-without-image", "env", "password-wrong-type"],
)
def test_failures_never_quote_secret_credential_or_env_values(overrides: dict[str, Any]) -> None:
    """Secrets, registry credentials and env values are named in failures, never shown."""
    provider, _, _ = make_provider(EmulatedApi())
    result = provider.check({}, base_inputs(**overrides))
    assert result.failures
    reasons = " ".join(failure.reason for failure in result.failures)
    for value in (SECRET_VALUE, PASSWORD, ENV_VALUE, "12345678", "123456789"):
        assert value not in reasons


def test_valid_inputs_pass_with_no_request_and_no_token() -> None:
    """check needs neither a token nor the API."""
    api = EmulatedApi()
    provider, _, _ = make_provider(api, environ={})
    result = provider.check({}, base_inputs(custom_image={"url": "ghcr.io/x/y:1", "port": 8080.0}))
    assert result.failures == []
    assert api.calls == []


def test_unknown_values_are_not_judged() -> None:
    """During preview, values that depend on other resources are unknown: neither they nor the rules
    that involve them can fail."""
    provider, _, _ = make_provider(EmulatedApi())
    inputs = base_inputs(
        name=Unknown(),
        min_replica=Unknown(),
        scale_to_zero_timeout=30,
        env={"TOKEN_URL": Unknown()},
        custom_image={"url": Unknown(), "port": 8080},
        path=Unknown(),
    )
    assert provider.check({}, inputs).failures == []


def test_protected_is_accepted_as_authenticated_with_a_warning() -> None:
    """`protected` is the deprecated name of `authenticated`: check rewrites it and warns."""
    provider, _, warnings = make_provider(EmulatedApi())
    result = provider.check({}, base_inputs(type="protected"))
    assert result.failures == []
    assert result.inputs["type"] == "authenticated"
    assert len(warnings) == 1 and "deprecated" in warnings[0]


class TestAutonaming:
    """Without `name`, the endpoint is named after the resource with a random suffix, once."""

    def test_generated_name_follows_the_api_rules(self) -> None:
        provider, _, _ = make_provider(EmulatedApi())
        result = provider.check({}, base_inputs(__resource_name="My Fancy_Endpoint!! for the Sentiment Team"))
        name = result.inputs["name"]
        assert re.fullmatch(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?", name) and len(name) <= 32
        assert name.startswith("my-fancy-endpoint-for-th-")
        assert result.inputs["__defaults"] == ["name", "namespace"]

    def test_generated_name_is_kept_on_later_runs(self) -> None:
        provider, _, _ = make_provider(EmulatedApi())
        first = provider.check({}, base_inputs()).inputs
        second = provider.check(first, base_inputs(max_replica=2)).inputs
        assert second["name"] == first["name"]
        assert second["__defaults"] == ["name", "namespace"]

    def test_an_explicit_name_later_removed_gets_a_fresh_autoname(self) -> None:
        provider, _, _ = make_provider(EmulatedApi())
        first = provider.check({}, base_inputs(name="chat")).inputs
        assert first["__defaults"] == ["namespace"]
        second = provider.check(first, base_inputs()).inputs
        assert second["name"] != "chat" and second["name"].startswith("quickstart-")
        assert second["__defaults"] == ["name", "namespace"]

    def test_a_replacement_checked_without_olds_gets_a_new_suffix(self) -> None:
        """The engine re-checks a replacement without olds, so the new endpoint can exist beside the old."""
        provider, _, _ = make_provider(EmulatedApi())
        first = provider.check({}, base_inputs()).inputs
        again = provider.check({}, base_inputs()).inputs
        assert again["name"] != first["name"]

    def test_autoname_truncates_the_prefix_to_fit(self) -> None:
        name = autoname("x" * 100, choose=lambda alphabet: "a")
        assert name == "x" * 24 + "-aaaaaaa"
        assert autoname("!!!", choose=lambda alphabet: "b") == "endpoint-bbbbbbb"


@pytest.mark.parametrize(("text", "seconds"), [("90s", 90), ("45m", 2700), ("1h30m", 5400), ("2h", 7200)])
def test_durations(text: str, seconds: float) -> None:
    """timeouts take Pulumi customTimeouts-style durations."""
    assert parse_duration(text) == seconds
