"""Faults during an operation: client retries end at the operation's deadline, a lost answer to a
call that is not idempotent is looked up before it is sent again, and an outage reads as one.

The provider runs against the in-process emulator; its sleeps move the emulator's clock, so no
test waits wall time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from provider_fakes import (
    SMALL_CPU_ENDPOINT,
    EmulatedApi,
    EmulatedStack,
    FakeClock,
    base_inputs,
    make_provider,
    stack_config,
)
from pulumi.dynamic import Config, ConfigureRequest

from pulumi_huggingface.errors import DeadlineExceededError, HuggingFaceError
from pulumi_huggingface.provider import InferenceEndpointProvider
from pulumi_huggingface_emulator import EmulatorApp
from pulumi_huggingface_emulator.inprocess import EmulatorTransport

TOKEN = "hf_retry_deadline_token"
USER = "emulator-user"
CONFIG = stack_config(TOKEN)
ENDPOINT_ROUTE = "/v2/endpoint/{namespace}/{name}"


@pytest.fixture
def app() -> Iterator[EmulatorApp]:
    app = EmulatorApp(token=TOKEN, user=USER, provision_seconds=30)
    yield app
    app.close()


class Harness(EmulatedStack):
    def __init__(self, app: EmulatorApp) -> None:
        super().__init__(
            app, token=TOKEN, declared={"__resource_name": "r", "name": "r-ep", **SMALL_CPU_ENDPOINT}
        )


@pytest.fixture
def h(app: EmulatorApp) -> Harness:
    return Harness(app)


class TestRetriesEndAtTheDeadline:
    def test_a_delete_rate_limited_with_long_retry_afters_gives_up_within_its_timeout(self) -> None:
        """Six attempts 100 s apart would block ~10 minutes under timeouts.delete='90s'."""
        api = EmulatedApi()
        clock = FakeClock()
        provider, _, _ = make_provider(api, clock=clock)
        created = provider.create(provider.check({}, base_inputs(name="chat")).inputs)
        assert created.outs is not None
        api.app.add_fault("rate_limit", method="DELETE", route=ENDPOINT_ROUTE, retry_after=100, times=10)
        started = clock.time

        with pytest.raises(HuggingFaceError, match="429"):
            provider.delete(created.id, {**created.outs, "timeouts": {"delete": "90s"}})

        assert clock.time - started <= 90
        assert api.state("chat") == "running"


class TestLostAnswers:
    """A PUT, pause or resume whose answer was lost is looked up, never sent blindly again: each
    one sent redeploys (or pauses, or resumes) the endpoint once more."""

    def test_an_update_whose_answer_was_lost_after_the_server_acted_is_not_sent_again(
        self, h: Harness
    ) -> None:
        inputs = h.checked()
        created = h.provider.create(dict(inputs))
        assert created.outs is not None
        h.app.add_fault("server_error", status=502, method="PUT", route=ENDPOINT_ROUTE, after=True, times=1)
        h.app.reset_request_counts()

        updated = h.provider.update(created.id, created.outs, h.checked(inputs, max_replica=2))

        assert updated.outs is not None and updated.outs["max_replica"] == 2
        assert h.sent("PUT", ENDPOINT_ROUTE) == 1
        assert h.client.get_endpoint(USER, "r-ep")["compute"]["scaling"]["maxReplica"] == 2
        assert any("answer to updating endpoint" in line and "was lost" in line for line in h.info)

    def test_an_update_whose_answer_was_lost_before_the_server_acted_is_sent_again(self, h: Harness) -> None:
        inputs = h.checked()
        created = h.provider.create(dict(inputs))
        assert created.outs is not None
        h.app.add_fault("server_error", status=502, method="PUT", route=ENDPOINT_ROUTE, times=1)
        h.app.reset_request_counts()

        updated = h.provider.update(created.id, created.outs, h.checked(inputs, max_replica=2))

        assert updated.outs is not None and updated.outs["max_replica"] == 2
        assert h.sent("PUT", ENDPOINT_ROUTE) == 2
        assert h.client.get_endpoint(USER, "r-ep")["compute"]["scaling"]["maxReplica"] == 2

    @pytest.mark.parametrize(
        ("first", "then", "action"),
        [("running", "paused", "pause"), ("paused", "running", "resume")],
        ids=["pause", "resume"],
    )
    def test_a_pause_or_resume_whose_answer_was_lost_is_not_sent_again(
        self, h: Harness, first: str, then: str, action: str
    ) -> None:
        inputs = h.checked(desired_state=first)
        created = h.provider.create(dict(inputs))
        assert created.outs is not None
        route = f"{ENDPOINT_ROUTE}/{action}"
        h.app.add_fault("server_error", status=502, method="POST", route=route, after=True, times=1)
        h.app.reset_request_counts()

        updated = h.provider.update(created.id, created.outs, h.checked(inputs, desired_state=then))

        assert updated.outs is not None and updated.outs["state"] == then
        assert h.sent("POST", route) == 1
        assert h.client.get_endpoint(USER, "r-ep")["status"]["state"] == then


class Vanishing(httpx.BaseTransport):
    """The emulator until a request of `after` passes; from then on nothing answers (connection refused)."""

    def __init__(self, inner: httpx.BaseTransport, after: str) -> None:
        self.inner = inner
        self.after = after
        self.gone = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.gone:
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        response = self.inner.handle_request(request)
        self.gone = request.method == self.after
        return response


class TestAnOutageReadsAsOne:
    def test_a_wait_ended_by_an_outage_says_the_api_could_not_be_reached(self, h: Harness) -> None:
        inputs = h.checked()
        created = h.provider.create(dict(inputs))
        assert created.outs is not None
        vanishing = Vanishing(EmulatorTransport(h.app), after="PUT")
        provider = InferenceEndpointProvider(
            transport=vanishing,
            clock=h.clock,
            environ={},
            info=h.info.append,
            warn=h.info.append,
        )
        provider.configure(ConfigureRequest(Config(raw_config=CONFIG, project_name="p")))
        news = h.checked(inputs, max_replica=2, timeouts={"update": "2m"})

        with pytest.raises(DeadlineExceededError) as caught:
            provider.update(created.id, created.outs, news)

        message = str(caught.value)
        assert vanishing.gone
        assert f"Inference endpoint {USER}/r-ep did not settle within 120 s" in message
        assert "could not be reached" in message and "ConnectError" in message
        assert re.search(r"for the last \d+ s", message), message
        assert "http://emulator.test" in message

    def test_retry_lines_name_the_endpoint_once_then_summarise(self, h: Harness) -> None:
        """During an outage every poll is retried: the lines name the endpoint, and after the first
        one a summary comes at most every 30 s instead of a line per retry."""
        inputs = h.checked()
        created = h.provider.create(dict(inputs))
        assert created.outs is not None
        vanishing = Vanishing(EmulatorTransport(h.app), after="PUT")
        lines: list[str] = []
        provider = InferenceEndpointProvider(
            transport=vanishing,
            clock=h.clock,
            environ={},
            info=lines.append,
            warn=lines.append,
        )
        provider.configure(ConfigureRequest(Config(raw_config=CONFIG, project_name="p")))
        started = h.now

        with pytest.raises(DeadlineExceededError):
            provider.update(
                created.id, created.outs, h.checked(inputs, max_replica=2, timeouts={"update": "2m"})
            )

        retries = [line for line in lines if "retr" in line]
        assert retries, lines
        assert all(f"endpoint {USER}/r-ep" in line for line in retries), retries
        assert "{namespace}" not in "".join(retries)
        first, *summaries = retries
        assert "GET failed (ConnectError), retrying in" in first
        assert summaries and all("more retries in the last" in line for line in summaries), summaries
        assert len(retries) <= 1 + (h.now - started) / 30 + 1
