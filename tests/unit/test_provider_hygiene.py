"""Errors leaving the provider are scrubbed of the token and the resource's secrets; the provider is
safe to call from several worker threads at once."""

from __future__ import annotations

import traceback
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from provider_fakes import TOKEN, EmulatedApi, base_inputs, make_provider

from pulumi_huggingface.errors import BadRequestError
from pulumi_huggingface.provider import InferenceEndpointProvider

SECRET = "sk-live-0123456789"
PASSWORD = "registry-pass-42"
ENV_VALUE = "internal-hostname.local"


def test_server_messages_echoing_secrets_or_the_token_are_scrubbed() -> None:
    """A server that echoes the request (or the token) in an error must not put them in the CLI output."""
    api = EmulatedApi()
    provider, _, _ = make_provider(api)
    inputs = provider.check(
        {},
        base_inputs(
            name="chat",
            framework="custom",
            custom_image={"url": "ghcr.io/acme/x:1"},
            container_registry_username="robot",
            container_registry_password=PASSWORD,
            secrets={"API_KEY": SECRET},
            env={"UPSTREAM": ENV_VALUE},
        ),
    ).inputs
    echo = f"invalid body: password={PASSWORD} secrets={SECRET} env={ENV_VALUE} auth=Bearer {TOKEN}"
    api.hostile.answer_next(
        "POST", "/endpoint/alice", lambda request: httpx.Response(400, json={"error": echo})
    )
    with pytest.raises(BadRequestError) as caught:
        provider.create(inputs)
    rendered = "".join(traceback.format_exception(caught.value))
    for value in (PASSWORD, SECRET, ENV_VALUE, TOKEN):
        assert value not in rendered
        assert value not in (caught.value.server_message or "")
    assert "invalid body" in rendered and "***" in rendered


def test_concurrent_creates_share_one_client_and_all_settle() -> None:
    """The provider server calls one provider instance from several threads at once."""
    api = EmulatedApi()
    api_provider, _, _ = make_provider(api)
    names = [f"ep-{index}" for index in range(8)]
    inputs = [api_provider.check({}, base_inputs(name=name)).inputs for name in names]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(api_provider.create, inputs))
    assert sorted(result.id for result in results) == sorted(f"alice/{name}" for name in names)
    assert all(result.outs and result.outs["state"] == "running" for result in results)
    assert sum(1 for call in api.calls if call.path.endswith("whoami-v2")) == 1
    assert api.app.endpoint_ids() == sorted(f"alice/{name}" for name in names)
    assert {api.state(name) for name in names} == {"running"}


def _with_secrets(provider: InferenceEndpointProvider, **overrides: Any) -> dict[str, Any]:
    inputs = base_inputs(secrets={"API_KEY": SECRET}, env={"UPSTREAM": ENV_VALUE}, **overrides)
    result = provider.check({}, inputs)
    assert result.failures == []
    return dict(result.inputs)


def _echo(request: httpx.Request, status: int) -> httpx.Response:
    # No real server is known to quote secrets back; the emulator never does, so this is scripted.
    return httpx.Response(status, json={"error": f"cannot serve {SECRET} for {ENV_VALUE}"})


class TestLogLinesAreScrubbed:
    """Server messages quoted in warnings and progress lines go through the scrubber too."""

    def test_the_warning_when_the_search_for_an_interrupted_run_s_endpoints_fails(self) -> None:
        api = EmulatedApi()
        provider, _, warn = make_provider(api)
        inputs = _with_secrets(provider, __resource_identity="0f1e2d3c4b5a6978")
        api.hostile.answer_next("GET", "/endpoint/alice", lambda r: _echo(r, 400))

        provider.create(inputs)

        [line] = [line for line in warn if "could not look for endpoints" in line]
        assert SECRET not in line and ENV_VALUE not in line and "cannot serve ***" in line

    def test_the_busy_notice_of_a_conflict(self) -> None:
        api = EmulatedApi()
        provider, info, _ = make_provider(api)
        inputs = _with_secrets(provider, name="chat")
        created = provider.create(dict(inputs))
        assert created.outs is not None
        api.hostile.answer_next("PUT", "/endpoint/alice/chat", lambda r: _echo(r, 409))

        provider.update(created.id, created.outs, {**inputs, "max_replica": 2})

        [line] = [line for line in info if "is busy" in line]
        assert SECRET not in line and ENV_VALUE not in line and "cannot serve ***" in line

    def test_the_warning_when_the_hardware_catalogue_cannot_be_read(self) -> None:
        api = EmulatedApi()
        provider, _, warn = make_provider(api)
        api.hostile.answer_next("GET", "/provider/alice", lambda r: _echo(r, 400))

        provider.create(_with_secrets(provider, name="chat"))

        [line] = [line for line in warn if "hardware catalogue" in line]
        assert SECRET not in line and ENV_VALUE not in line and "cannot serve ***" in line


class TestScrubberBlanksValuesNotNames:
    """A short env value must not mangle the names it happens to occur in."""

    def test_an_endpoint_name_holding_a_short_env_value_is_printed_whole(self) -> None:
        api = EmulatedApi()
        provider, info, _ = make_provider(api)
        inputs = provider.check(
            {}, base_inputs(name="my-app-2-3y", env={"WORKERS": "2", "PROFILE": "app-2"})
        ).inputs
        api.hostile.answer_next(
            "PUT",
            "/endpoint/alice/my-app-2-3y",
            lambda r: httpx.Response(409, json={"error": "busy: WORKERS=2 PROFILE=app-2"}),
        )
        created = provider.create(dict(inputs))
        assert created.outs is not None

        provider.update(created.id, created.outs, {**inputs, "max_replica": 2})

        assert any("endpoint alice/my-app-2-3y is " in line for line in info), info
        assert not [line for line in info if "my-app-***" in line or "my-***" in line]
        [busy] = [line for line in info if "is busy" in line]
        assert "busy: WORKERS=*** PROFILE=***" in busy
