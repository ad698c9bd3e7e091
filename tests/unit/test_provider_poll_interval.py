"""huggingface:pollInterval: the stack config sets how often the provider's waits ask the API.

The provider runs against the in-process emulator with the emulator's clock driven by the
provider's sleeps, so the figures are exact in fake seconds and no wall time passes.
"""

from __future__ import annotations

from typing import Any

import pytest
from provider_fakes import SMALL_CPU_ENDPOINT, EmulatedProvider, stack_config

from pulumi_huggingface.errors import ConfigurationError
from pulumi_huggingface_emulator import EmulatorApp

TOKEN = "hf_poll_interval_token"
CONFIG = stack_config(TOKEN)
# Not a multiple of either cadence below, so each shows in when the endpoint is seen running.
PROVISION_SECONDS = 11.0
GET_ROUTE = "GET /v2/endpoint/{namespace}/{name}"


class Run(EmulatedProvider):
    """A provider on the emulator and a fake clock that the provider's sleeps advance."""

    def __init__(self, environ: dict[str, str] | None = None) -> None:
        super().__init__(
            EmulatorApp(token=TOKEN, user="emulator-user", provision_seconds=PROVISION_SECONDS),
            environ=environ,
        )

    def configure(self, **extra: str) -> None:
        self.configure_stack({**CONFIG, **extra})

    def create(self, name: str) -> tuple[float, int]:
        """Create an endpoint; return the fake seconds the create took and the GETs it sent."""
        checked = self.provider.check({}, inputs(name))
        assert checked.failures == []
        self.app.reset_request_counts()
        started = self.now
        created = self.provider.create(checked.inputs)
        assert created.outs is not None and created.outs["state"] == "running"
        gets: int = self.app.request_counts()["byRoute"].get(GET_ROUTE, 0)
        return self.now - started, gets


def inputs(name: str) -> dict[str, Any]:
    return {"__resource_name": name, "name": name, **SMALL_CPU_ENDPOINT}


def test_without_the_setting_a_create_polls_every_five_seconds_like_hub_wait() -> None:
    run = Run()
    run.configure()

    took, gets = run.create("default-pace")

    # Running at 11 s, seen by the poll at 15 s: polls at 5, 10 and 15.
    assert took == pytest.approx(15.0)
    assert gets == 3


def test_a_short_poll_interval_in_stack_config_sees_readiness_that_much_sooner() -> None:
    run = Run()
    run.configure(**{"huggingface:pollInterval": "0.5"})

    took, gets = run.create("fast-pace")

    assert took == pytest.approx(11.0)
    # One GET per 0.5 s of waiting, the budget wait() would keep at that pace.
    assert gets == 22


def test_the_environment_sets_the_interval_when_the_stack_config_does_not() -> None:
    run = Run(environ={"HF_ENDPOINTS_POLL_INTERVAL": "2"})
    run.configure()

    took, gets = run.create("env-pace")

    assert took == pytest.approx(12.0)
    assert gets == 6


def test_a_new_configuration_changes_the_cadence_of_the_next_waits() -> None:
    """configure() with another interval builds another client, whose waits get their own watcher."""
    run = Run()
    run.configure()
    assert run.create("before") == (pytest.approx(15.0), 3)

    run.configure(**{"huggingface:pollInterval": "1"})

    assert run.create("after") == (pytest.approx(11.0), 11)


def test_a_bad_poll_interval_fails_the_first_api_call_naming_the_setting() -> None:
    run = Run()
    run.configure(**{"huggingface:pollInterval": "0"})
    checked = run.provider.check({}, inputs("refused"))

    with pytest.raises(ConfigurationError, match=r"huggingface:pollInterval must be .* not '0'"):
        run.provider.create(checked.inputs)
    assert run.app.endpoint_ids() == []
