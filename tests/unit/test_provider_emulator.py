"""The provider against the in-process emulator (httpx.WSGITransport), with the emulator's clock
driven by the provider's sleeps so that no wall time passes."""

from __future__ import annotations

from typing import Any

import pytest
from provider_fakes import EmulatedProvider, base_inputs, stack_config

from pulumi_huggingface.provider import InferenceEndpointProvider
from pulumi_huggingface_emulator import EmulatorApp

TOKEN = "hf_emulator_unit_token"
CONFIG = stack_config(TOKEN)


@pytest.fixture
def app() -> EmulatorApp:
    return EmulatorApp(token=TOKEN, user="emulator-user", provision_seconds=30)


@pytest.fixture
def provider(app: EmulatorApp) -> InferenceEndpointProvider:
    emulated = EmulatedProvider(app)
    emulated.configure_stack(CONFIG)
    return emulated.provider


def inputs(
    provider: InferenceEndpointProvider, olds: dict[str, Any] | None = None, **overrides: Any
) -> dict[str, Any]:
    news = base_inputs(__resource_name="emu", name="emu-chat", **overrides)
    result = provider.check(olds or {}, news)
    assert result.failures == []
    return result.inputs


def test_full_lifecycle_against_the_emulator(provider: InferenceEndpointProvider) -> None:
    """create → diff (none) → update the timeout → refresh (no drift) → delete → refresh (gone)."""
    declared = inputs(provider, revision="main", secrets={"API_KEY": "secret-value"})
    created = provider.create(dict(declared))
    outs = created.outs
    assert outs is not None
    assert created.id == "emulator-user/emu-chat"
    assert outs["state"] in ("running", "scaledToZero") and outs["url"]
    assert provider.diff(created.id, outs, declared).changes is False

    news = inputs(
        provider, declared, revision="main", secrets={"API_KEY": "secret-value"}, scale_to_zero_timeout=30
    )
    updated = provider.update(created.id, outs, news)
    assert updated.outs is not None and updated.outs["scale_to_zero_timeout"] == 30
    assert updated.outs["url"] == outs["url"]

    refreshed = provider.read(created.id, updated.outs)
    assert refreshed.outs is not None
    assert provider.diff(created.id, refreshed.outs, news).changes is False

    provider.delete(created.id, updated.outs)
    assert provider.read(created.id, updated.outs).id == ""
    provider.delete(created.id, updated.outs)


def test_hardware_missing_from_the_emulator_catalogue_is_refused_before_create(
    provider: InferenceEndpointProvider,
) -> None:
    with pytest.raises(Exception, match="Offered there"):
        provider.create(inputs(provider, instance_size="x64"))
