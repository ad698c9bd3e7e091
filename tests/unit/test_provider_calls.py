"""Which API calls each provider step makes, counted by spies on the client class.

The provider builds its `EndpointsClient` itself, at the first API call, so a test cannot hand it
an instrumented one: `mocker.spy` on the class wraps every instance's methods, lets each call
through to the in-process emulator unchanged, and records it. Each test then checks the outcome
too: what the emulator holds and that the next diff is empty.
"""

from __future__ import annotations

from typing import Any

import pytest
from provider_fakes import EmulatedProvider, base_inputs, stack_config
from pytest_mock import MockerFixture, MockType

from pulumi_huggingface.client import EndpointsClient
from pulumi_huggingface.provider import InferenceEndpointProvider
from pulumi_huggingface_emulator import EmulatorApp

TOKEN = "hf_call_count_token"
CONFIG = stack_config(TOKEN)
NAMESPACE = "emulator-user"
# Every client method that changes something on the API.
WRITES = (
    "create_endpoint",
    "update_endpoint",
    "delete_endpoint",
    "pause_endpoint",
    "resume_endpoint",
    "scale_to_zero_endpoint",
)


@pytest.fixture
def app() -> EmulatorApp:
    return EmulatorApp(token=TOKEN, provision_seconds=30)


@pytest.fixture
def provider(app: EmulatorApp) -> InferenceEndpointProvider:
    emulated = EmulatedProvider(app)
    emulated.configure_stack(CONFIG)
    return emulated.provider


@pytest.fixture
def spies(mocker: MockerFixture) -> dict[str, MockType]:
    return {name: mocker.spy(EndpointsClient, name) for name in (*WRITES, "get_endpoint")}


def _checked(provider: InferenceEndpointProvider, olds: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    result = provider.check(olds, base_inputs(__resource_name="calls", name="calls", **overrides))
    assert result.failures == []
    return result.inputs


def _writes(spies: dict[str, MockType]) -> dict[str, int]:
    return {name: spies[name].call_count for name in WRITES if spies[name].call_count}


def _reset(spies: dict[str, MockType]) -> None:
    for spy in spies.values():
        spy.reset_mock()


def test_an_in_place_change_is_one_put_carrying_only_that_fields_group(
    provider: InferenceEndpointProvider, app: EmulatorApp, spies: dict[str, MockType]
) -> None:
    """check and diff call nothing; the update is one `update_endpoint` and no other write.

    The idle timeout is sent with `minReplica`, the input it is valid only beside (one group).
    """
    declared = _checked(provider, {})
    created = provider.create(dict(declared))
    assert created.outs is not None
    assert _writes(spies) == {"create_endpoint": 1}
    _reset(spies)

    news = _checked(provider, declared, scale_to_zero_timeout=45)
    assert provider.diff(created.id, created.outs, news).changes is True
    assert _writes(spies) == {} and spies["get_endpoint"].call_count == 0

    updated = provider.update(created.id, created.outs, news)

    assert _writes(spies) == {"update_endpoint": 1}
    (call,) = spies["update_endpoint"].call_args_list
    scaling = {"minReplica": 0, "scaleToZeroTimeout": 45}
    assert call.args[1:] == (NAMESPACE, "calls", {"compute": {"scaling": scaling}})
    assert app.inspect(NAMESPACE, "calls")["config"]["compute"]["scaling"]["scaleToZeroTimeout"] == 45
    assert updated.outs is not None
    assert provider.diff(created.id, updated.outs, news).changes is False


def test_pausing_is_one_pause_call_and_no_put(
    provider: InferenceEndpointProvider, app: EmulatorApp, spies: dict[str, MockType]
) -> None:
    """A change of `desired_state` alone goes through the API's pause call, never a configuration PUT."""
    declared = _checked(provider, {})
    created = provider.create(dict(declared))
    assert created.outs is not None
    _reset(spies)

    news = _checked(provider, declared, desired_state="paused")
    updated = provider.update(created.id, created.outs, news)

    assert _writes(spies) == {"pause_endpoint": 1}
    assert app.inspect(NAMESPACE, "calls")["state"] == "paused"
    assert updated.outs is not None and updated.outs["state"] == "paused"
    assert provider.diff(created.id, updated.outs, news).changes is False


def test_a_refresh_reads_the_endpoint_once_and_writes_nothing(
    provider: InferenceEndpointProvider, spies: dict[str, MockType]
) -> None:
    """`pulumi refresh` is one GET of the endpoint; an unchanged endpoint reads back without drift."""
    declared = _checked(provider, {})
    created = provider.create(dict(declared))
    assert created.outs is not None
    _reset(spies)

    refreshed = provider.read(created.id, created.outs)

    assert _writes(spies) == {}
    assert spies["get_endpoint"].call_count == 1
    assert refreshed.outs is not None
    assert provider.diff(created.id, refreshed.outs, declared).changes is False
