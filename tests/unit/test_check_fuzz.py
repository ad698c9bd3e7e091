"""check under arbitrary input: acceptance or a failure naming a field, never an exception, never a request.

Hypothesis throws arbitrary JSON-like values (and the preview's unknowns) at every input, one field
at a time on top of valid inputs, and at whole input maps. Derandomized with a fixed example count,
so CI runs the same few hundred cases every time in about a second.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from provider_fakes import base_inputs
from pulumi.output import Unknown

from pulumi_huggingface.provider import InferenceEndpointProvider
from pulumi_huggingface.schema import FIELDS, INTERNAL_CREATION_TOKEN, INTERNAL_DEFAULTS, create_payload

FIELD_NAMES = [field.name for field in FIELDS]
INTERNAL = [INTERNAL_DEFAULTS, "__resource_name", INTERNAL_CREATION_TOKEN]
FUZZ = settings(
    max_examples=300,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(["", " ", "cpu", "main", "/health", "pulumi-hf:x", "protected", "90s", "0m", "1h30m"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.one_of(st.text(max_size=12), st.sampled_from(["url", "port", "create"])), inner, max_size=4
        ),
    ),
    max_leaves=12,
)
fuzzed = st.one_of(values, st.builds(Unknown))


def requestless_provider() -> tuple[InferenceEndpointProvider, list[httpx.Request]]:
    """A provider with a token, whose every HTTP request would be recorded (and refused)."""
    sent: list[httpx.Request] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(500)

    provider = InferenceEndpointProvider(
        transport=httpx.MockTransport(refuse),
        environ={"HF_TOKEN": "hf_fuzz"},
        info=lambda _: None,
        warn=lambda _: None,
    )
    return provider, sent


def assert_well_formed(
    provider: InferenceEndpointProvider, news: dict[str, Any], sent: list[Any]
) -> list[str]:
    result = provider.check({}, news)
    named = [failure.property for failure in result.failures]
    assert set(named) <= set(FIELD_NAMES), named
    assert all(isinstance(failure.reason, str) and failure.reason for failure in result.failures)
    if not result.failures and not any(isinstance(v, Unknown) for v in result.inputs.values()):
        # Accepted inputs must make a body httpx can encode (no NaN, no infinities) without raising.
        json.dumps(create_payload(result.inputs), allow_nan=False)
    assert sent == []
    return named


@FUZZ
@given(field=st.sampled_from(FIELD_NAMES + INTERNAL), value=fuzzed)
def test_any_value_of_one_input_is_accepted_or_fails_check_on_a_named_field(field: str, value: Any) -> None:
    provider, sent = requestless_provider()
    assert_well_formed(provider, {**base_inputs(), field: value}, sent)


@FUZZ
@given(
    field=st.sampled_from([f for f in FIELDS if f.kind.value in ("string", "integer", "boolean")]),
    data=st.data(),
)
def test_a_value_of_the_wrong_type_fails_check_on_that_field(field: Any, data: st.DataObject) -> None:
    wrong = {
        "string": st.one_of(st.integers(), st.booleans(), st.lists(st.text(), min_size=1), st.floats()),
        "integer": st.one_of(
            st.text(min_size=1), st.booleans(), st.floats().filter(lambda f: not f.is_integer())
        ),
        "boolean": st.one_of(st.text(), st.integers(), st.floats()),
    }[field.kind.value]
    provider, sent = requestless_provider()
    named = assert_well_formed(provider, {**base_inputs(), field.name: data.draw(wrong)}, sent)
    assert field.name in named


@FUZZ
@given(
    news=st.dictionaries(
        st.sampled_from(FIELD_NAMES + INTERNAL + ["__provider", "extra"]), fuzzed, max_size=10
    )
)
def test_any_input_map_is_accepted_or_fails_check_on_named_fields(news: dict[str, Any]) -> None:
    provider, sent = requestless_provider()
    assert_well_formed(provider, news, sent)


@FUZZ
@given(olds=st.dictionaries(st.sampled_from(FIELD_NAMES + INTERNAL), fuzzed, max_size=6), value=fuzzed)
def test_any_previous_inputs_are_tolerated(olds: dict[str, Any], value: Any) -> None:
    """The previous inputs come from state, which a hostile edit may have mangled: still no exception."""
    provider, sent = requestless_provider()
    result = provider.check(olds, {**base_inputs(), "tags": value})
    assert {failure.property for failure in result.failures} <= set(FIELD_NAMES)
    assert sent == []


def test_non_finite_numbers_anywhere_in_an_input_fail_check_on_that_input() -> None:
    """JSON has no NaN or infinity: httpx would refuse the body mid-create with a bare ValueError."""
    provider, sent = requestless_provider()
    cases = {
        "scaling_threshold": ({"scaling_metric": "pendingRequests"}, float("inf")),
        "custom_image": ({}, {"url": "registry.example.com/model:1", "extra": float("nan")}),
    }
    for name, (extra, value) in cases.items():
        result = provider.check({}, {**base_inputs(), **extra, name: value})
        assert [failure.property for failure in result.failures] == [name]
        assert "NaN or infinite" in result.failures[0].reason
    assert sent == []
