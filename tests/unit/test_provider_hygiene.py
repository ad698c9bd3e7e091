"""Errors leaving the provider are scrubbed of the token and the resource's secrets; the provider is
safe to call from several worker threads at once."""

from __future__ import annotations

import traceback
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from provider_fakes import TOKEN, FakeApi, base_inputs, make_provider

from pulumi_huggingface.errors import BadRequestError

SECRET = "sk-live-0123456789"
PASSWORD = "registry-pass-42"
ENV_VALUE = "internal-hostname.local"


def test_server_messages_echoing_secrets_or_the_token_are_scrubbed() -> None:
    """A server that echoes the request (or the token) in an error must not put them in the CLI output."""
    api = FakeApi()
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
    api.fail_next("POST", "/endpoint/alice", lambda request: httpx.Response(400, json={"error": echo}))
    with pytest.raises(BadRequestError) as caught:
        provider.create(inputs)
    rendered = "".join(traceback.format_exception(caught.value))
    for value in (PASSWORD, SECRET, ENV_VALUE, TOKEN):
        assert value not in rendered
        assert value not in (caught.value.server_message or "")
    assert "invalid body" in rendered and "***" in rendered


def test_concurrent_creates_share_one_client_and_all_settle() -> None:
    """The provider server calls one provider instance from several threads at once."""
    api = FakeApi()
    api_provider, _, _ = make_provider(api)
    names = [f"ep-{index}" for index in range(8)]
    inputs = [api_provider.check({}, base_inputs(name=name)).inputs for name in names]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(api_provider.create, inputs))
    assert sorted(result.id for result in results) == sorted(f"alice/{name}" for name in names)
    assert all(result.outs and result.outs["state"] == "running" for result in results)
    assert sum(1 for call in api.calls if call.path.endswith("whoami-v2")) == 1
