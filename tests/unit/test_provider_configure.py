"""configure(): the server's pool is widened only inside a provider server, and a new configuration
never closes a client that a running call still waits on."""

from __future__ import annotations

from typing import Any

import pytest
from provider_fakes import TOKEN, EmulatedApi, FakeClock, base_inputs

from pulumi_huggingface import _server
from pulumi_huggingface.client import EndpointsClient
from pulumi_huggingface.provider import InferenceEndpointProvider
from pulumi_huggingface.settings import Settings, require_token


class RecordingClient(EndpointsClient):
    """An `EndpointsClient` that remembers whether it was closed and whether it was used afterwards."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.closed = False

    def close(self) -> None:
        self.closed = True
        super().close()


def configure_request(config: dict[str, Any]) -> Any:
    from pulumi.dynamic import Config, ConfigureRequest

    return ConfigureRequest(Config(raw_config=config, project_name="test"))


def recording_provider(
    api: EmulatedApi, info: list[str] | None = None
) -> tuple[InferenceEndpointProvider, list[RecordingClient]]:
    """A provider on the emulator and a fake clock that keeps every client it builds."""
    clock = FakeClock()
    clock.app = api.app
    built: list[RecordingClient] = []

    def factory(settings: Settings) -> EndpointsClient:
        client = RecordingClient(
            token=require_token(settings),
            api_url=settings.api_url,
            hub_url=settings.hub_url,
            transport=api.transport(),
            sleep=clock.sleep,
        )
        built.append(client)
        return client

    provider = InferenceEndpointProvider(
        client_factory=factory,
        clock=clock,
        environ={},
        info=(info.append if info is not None else lambda _: None),
        warn=lambda _: None,
    )
    return provider, built


def test_outside_a_provider_server_configure_leaves_the_pool_alone_and_prints_nothing(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A program or a unit test has no server pool: no attempt, so no warning meant for the CLI."""
    monkeypatch.setattr(_server, "_outcome", None)
    provider, _ = recording_provider(EmulatedApi())
    provider.configure(configure_request({"huggingface:token": TOKEN}))

    assert _server._outcome is None
    assert capsys.readouterr().err == ""


def test_the_same_config_again_keeps_the_client() -> None:
    api = EmulatedApi()
    provider, built = recording_provider(api)
    config = {"huggingface:token": TOKEN, "huggingface:namespace": "alice"}
    provider.configure(configure_request(config))
    provider.create(provider.check({}, base_inputs(name="one")).inputs)
    provider.configure(configure_request(dict(config)))
    provider.create(provider.check({}, base_inputs(name="two")).inputs)

    assert len(built) == 1 and not built[0].closed


def test_a_new_config_during_a_wait_closes_the_old_client_only_once_the_wait_is_over() -> None:
    """The create keeps polling through the client it started with; later calls use the new one."""
    api = EmulatedApi(provision_seconds=30)  # long enough to be seen initializing
    lines: list[str] = []
    provider, built = recording_provider(api, lines)
    provider.configure(configure_request({"huggingface:token": TOKEN, "huggingface:namespace": "alice"}))
    reconfigured: list[bool] = []

    def reconfigure_mid_wait(line: str) -> None:
        lines.append(line)
        if "initializing" in line and not reconfigured:
            # Runs on the watcher's poller thread while the create below is still waiting.
            provider.configure(
                configure_request({"huggingface:token": TOKEN, "huggingface:namespace": "acme-org"})
            )
            reconfigured.append(built[0].closed)

    provider._info = reconfigure_mid_wait
    created = provider.create(provider.check({}, base_inputs(name="chat")).inputs)

    assert created.id == "alice/chat" and created.outs["state"] == "running"
    assert reconfigured == [False], "the client was closed while the create still used it"
    assert built[0].closed, "the replaced client is closed once no call uses it"

    provider.create(provider.check({}, base_inputs(name="next")).inputs)
    assert len(built) == 2 and not built[1].closed
    assert api.exists("next", "acme-org") and api.state("next", "acme-org") == "running"
