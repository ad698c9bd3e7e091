"""waiting: settling, deadlines, rate limits, outages and progress lines, with an injected clock.

The waits poll through the namespace's watcher on the same fake clock, so the figures below (GETs,
their times, seconds slept) are exact and no wall time passes.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from provider_fakes import FakeClock, endpoint_body

from pulumi_huggingface.client import EndpointsClient
from pulumi_huggingface.errors import (
    AuthenticationError,
    DeadlineExceededError,
    EndpointFailedError,
    NotFoundError,
    RateLimitedError,
    TransportError,
    UnexpectedResponseError,
)
from pulumi_huggingface.waiting import (
    MAX_MALFORMED_POLLS,
    Clock,
    Deadline,
    EndpointWatcher,
    wait_for_state,
    wait_until_absent,
)
from pulumi_huggingface_emulator import EmulatorApp

GONE = NotFoundError(status_code=404, method="GET", path="/endpoint/ns/ep")


def endpoint(state: str, updated: str = "t0", ready: int = 0) -> dict[str, Any]:
    return {
        "name": "ep",
        "status": {
            "state": state,
            "updatedAt": updated,
            "readyReplica": ready,
            "targetReplica": 1,
            "message": f"it is {state}",
        },
    }


class ScriptedReader:
    """Answers GETs of endpoint ``ns/ep`` from a list of endpoints or exceptions; the last answer repeats.

    With a clock, it records when each GET came, in seconds since the clock's start (1000). It
    counts requests as `EndpointsClient.requests_by_this_thread` does, which the watcher reads to
    keep its budget, and records the deadlines its calls were made under.
    """

    def __init__(self, *answers: Any, poll_interval: float = 5.0, clock: FakeClock | None = None) -> None:
        self.answers = list(answers)
        # What `EndpointsClient` carries by default: huggingface_hub's wait() pace.
        self.poll_interval = poll_interval
        self.clock = clock
        self.gets = 0
        self.times: list[float] = []
        self.requests: Counter[tuple[str, str]] = Counter()
        self.deadlines: list[float | None] = []
        self._deadline: float | None = None

    def requests_by_this_thread(self) -> dict[tuple[str, str], int]:
        # Only the poller thread sends requests through this fake while the watcher measures them.
        return dict(self.requests)

    @contextlib.contextmanager
    def deadline(self, at: float) -> Iterator[None]:
        self._deadline = at
        try:
            yield
        finally:
            self._deadline = None

    def list_endpoints(self, namespace: str) -> list[dict[str, Any]]:
        raise AssertionError("one endpoint waited on is polled with GETs, never with a list")

    def get_endpoint(self, namespace: str, name: str) -> dict[str, Any]:
        assert (namespace, name) == ("ns", "ep")
        self.gets += 1
        self.requests["GET", "/endpoint/{namespace}/{name}"] += 1
        self.deadlines.append(self._deadline)
        if self.clock is not None:
            self.times.append(self.clock.time - 1000)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


def on(clock: FakeClock, reader: ScriptedReader) -> EndpointWatcher:
    """A watcher polling `reader` on the fake clock, as the provider builds one for an injected clock."""
    return EndpointWatcher(
        reader, "ns", clock=clock.now, sleep=clock.sleep, budget_interval=reader.poll_interval
    )


def settle(
    clock: FakeClock,
    reader: ScriptedReader,
    *,
    accept: frozenset[str] = frozenset({"running"}),
    seconds: float = 60,
    on_progress: Callable[[str], None] = lambda _: None,
    **options: Any,
) -> dict[str, Any]:
    """`wait_for_state` on endpoint ``ns/ep``, polling `reader` on the fake clock for at most `seconds`.

    `options` are the rest of `wait_for_state`'s keywords (``initial``, ``changed_since``, ...).
    """
    return wait_for_state(
        reader,
        "ns",
        "ep",
        accept=accept,
        deadline=Deadline(seconds, clock),
        on_progress=on_progress,
        watcher=on(clock, reader),
        **options,
    )


def await_absence(
    clock: FakeClock,
    reader: ScriptedReader,
    *,
    seconds: float = 600,
    on_progress: Callable[[str], None] = lambda _: None,
) -> None:
    """`wait_until_absent` on endpoint ``ns/ep``, polling `reader` on the fake clock for at most `seconds`."""
    wait_until_absent(
        reader,
        "ns",
        "ep",
        deadline=Deadline(seconds, clock),
        on_progress=on_progress,
        watcher=on(clock, reader),
    )


def test_returns_once_an_accepted_state_is_reached() -> None:
    clock = FakeClock()
    reader = ScriptedReader(endpoint("initializing"), endpoint("running", ready=1))
    result = settle(clock, reader)
    assert result["status"]["state"] == "running" and reader.gets == 2
    assert clock.time - 1000 == pytest.approx(10), "one GET per 5 s, as huggingface_hub's wait()"


def test_an_initial_state_already_accepted_returns_without_a_request() -> None:
    """The answer to the POST or PUT is judged before anything is polled."""
    clock = FakeClock()
    reader = ScriptedReader(endpoint("initializing"))
    result = settle(clock, reader, accept=frozenset({"running", "paused"}), initial=endpoint("paused"))
    assert result["status"]["state"] == "paused"
    assert reader.gets == 0 and clock.slept == []


def test_failed_state_raises_with_the_server_message() -> None:
    clock = FakeClock()
    reader = ScriptedReader(endpoint("failed"))
    with pytest.raises(EndpointFailedError, match="it is failed"):
        settle(clock, reader)


def test_an_endpoint_that_disappears_while_settling_raises_not_found() -> None:
    clock = FakeClock()
    reader = ScriptedReader(endpoint("initializing"), GONE)
    with pytest.raises(NotFoundError, match="disappeared while waiting"):
        settle(clock, reader, initial=endpoint("pending"))
    assert reader.gets == 2


def test_deadline_reports_the_last_state() -> None:
    clock = FakeClock()
    reader = ScriptedReader(endpoint("pending"))
    with pytest.raises(DeadlineExceededError) as caught:
        settle(clock, reader)
    assert caught.value.last_state == "pending"
    assert caught.value.waited_seconds == pytest.approx(60)
    assert clock.time - 1000 == pytest.approx(60)


def test_a_deadline_before_the_first_poll_reports_the_initial_state() -> None:
    """The watcher never polled, but the wait saw the answer to the POST."""
    clock = FakeClock()
    reader = ScriptedReader(endpoint("initializing"))
    with pytest.raises(DeadlineExceededError) as caught:
        settle(clock, reader, seconds=3, initial=endpoint("pending"))
    assert caught.value.last_state == "pending"
    assert reader.gets == 0


def test_rate_limit_waits_as_long_as_the_server_asks() -> None:
    clock = FakeClock()
    limited = RateLimitedError(status_code=429, method="GET", path="/x", retry_after=42)
    reader = ScriptedReader(limited, endpoint("running"))
    settle(clock, reader, seconds=600)
    assert 42 in clock.slept


def test_after_a_change_a_stale_running_is_not_taken_as_settled() -> None:
    """Right after a PUT the endpoint may still report the old running state and updatedAt."""
    clock = FakeClock()
    reader = ScriptedReader(endpoint("running"), endpoint("updating", "t1"), endpoint("running", "t1"))
    settle(clock, reader, seconds=600, initial=endpoint("running"), changed_since="t0")
    assert reader.gets == 3, "returned on the stale running answer"


def test_a_change_that_never_shows_counts_as_applied_after_the_grace_period() -> None:
    """Some changes apply without leaving running or moving updatedAt: the wait must still end."""
    clock = FakeClock()
    reader = ScriptedReader(endpoint("running"))
    settle(clock, reader, seconds=600, initial=endpoint("running"), changed_since="t0", settle_grace=60)
    assert clock.time - 1000 == pytest.approx(60)


def test_a_stale_update_failed_does_not_fail_a_new_change_before_it_shows() -> None:
    clock = FakeClock()
    reader = ScriptedReader(endpoint("updating", "t1"), endpoint("running", "t1"))
    result = settle(clock, reader, seconds=600, initial=endpoint("updateFailed"), changed_since="t0")
    assert result["status"]["state"] == "running"


def test_progress_lines_on_state_change_and_every_thirty_seconds() -> None:
    clock = FakeClock()
    lines: list[str] = []
    reader = ScriptedReader(*[endpoint("initializing")] * 18, endpoint("running", ready=1))
    settle(clock, reader, seconds=600, on_progress=lines.append, initial=endpoint("pending"))
    assert lines == [
        "huggingface: endpoint ns/ep is pending (0/1 replicas ready, 0s elapsed)",
        "huggingface: endpoint ns/ep is initializing (0/1 replicas ready, 5s elapsed)",
        "huggingface: endpoint ns/ep is initializing (0/1 replicas ready, 35s elapsed)",
        "huggingface: endpoint ns/ep is initializing (0/1 replicas ready, 1m5s elapsed)",
        "huggingface: endpoint ns/ep is running (1/1 replicas ready, 1m35s elapsed)",
    ]


def test_an_endpoint_gone_at_once_ends_a_delete_wait_with_one_get_and_no_sleep() -> None:
    """A DELETE says nothing about the endpoint: one look right away frees the name without a pause."""
    clock = FakeClock()
    reader = ScriptedReader(GONE)
    await_absence(clock, reader)
    assert reader.gets == 1 and clock.slept == []


def test_absence_ends_the_wait_once_a_get_shows_it_with_progress_while_deleting() -> None:
    clock = FakeClock()
    lines: list[str] = []
    reader = ScriptedReader(endpoint("running"), endpoint("deleting"), GONE)
    await_absence(clock, reader, on_progress=lines.append)
    assert reader.gets == 3
    assert lines == [
        "huggingface: endpoint ns/ep is being deleted (last state running, 0s elapsed)",
        "huggingface: endpoint ns/ep is being deleted (last state deleting, 5s elapsed)",
    ]


def test_an_endpoint_still_there_at_the_deadline_of_a_delete_raises_with_its_state() -> None:
    clock = FakeClock()
    reader = ScriptedReader(endpoint("running"))
    with pytest.raises(DeadlineExceededError) as caught:
        await_absence(clock, reader, seconds=30)
    assert caught.value.last_state == "running"
    assert reader.gets == 6, "one GET at once, then one per 5 s until the deadline at 30 s"


# -- outages and errors ----------------------------------------------------------------------------


def connect_error() -> TransportError:
    return TransportError("ConnectError", method="GET", path="/x", request_may_have_reached_server=False)


def malformed() -> UnexpectedResponseError:
    return UnexpectedResponseError(
        status_code=200, method="GET", path="/endpoint/ns/ep", problem="malformed JSON"
    )


def test_a_rate_limit_pauses_polling_for_its_retry_after_then_polling_resumes_its_pace() -> None:
    clock = FakeClock()
    limited = RateLimitedError(status_code=429, method="GET", path="/x", retry_after=42)
    reader = ScriptedReader(
        endpoint("pending"), limited, endpoint("pending"), endpoint("running"), clock=clock
    )
    settle(clock, reader, seconds=600)
    assert reader.times == [5, 10, 52, 57]


def test_transport_errors_back_off_exponentially_then_polling_resumes() -> None:
    clock = FakeClock()
    reader = ScriptedReader(*[connect_error()] * 3, endpoint("running"), clock=clock)
    settle(clock, reader, seconds=600)
    assert reader.times == [5, 10, 20, 40]


def test_a_deadline_during_an_outage_says_so_and_names_the_last_error_as_its_cause() -> None:
    clock = FakeClock()
    outage = connect_error()
    reader = ScriptedReader(endpoint("initializing"), outage, clock=clock)
    with pytest.raises(DeadlineExceededError) as caught:
        settle(clock, reader, seconds=30)
    assert caught.value.__cause__ is outage
    assert caught.value.last_state == "initializing"
    assert caught.value.outage is not None
    assert caught.value.outage.startswith("the API could not be reached for the last 20 s (TransportError: ")
    assert "Once the API answers again, run `pulumi refresh`" in str(caught.value)
    # Polls at 5 s' pace, then backing off 5, 10 and 20 s from the first failure; the last would pass 30 s.
    assert reader.times == [5, 10, 15, 25] and clock.time - 1000 == pytest.approx(30)


def test_an_error_polling_cannot_fix_ends_the_wait_at_once() -> None:
    clock = FakeClock()
    revoked = AuthenticationError(status_code=401, method="GET", path="/endpoint/ns/ep")
    reader = ScriptedReader(revoked, endpoint("running"))
    with pytest.raises(AuthenticationError):
        settle(clock, reader, seconds=600)
    assert reader.gets == 1


def test_a_garbled_answer_or_two_pause_polling_and_the_wait_goes_on() -> None:
    """A proxy's error page now and then is not worth abandoning a deployment over."""
    clock = FakeClock()
    reader = ScriptedReader(*[malformed() for _ in range(MAX_MALFORMED_POLLS - 1)], endpoint("running"))
    assert settle(clock, reader, seconds=600)["status"]["state"] == "running"
    assert reader.gets == MAX_MALFORMED_POLLS


def test_garbled_answers_polls_in_a_row_end_the_wait_with_that_error() -> None:
    """Several in a row mean something else than the API answers: say so rather than wait for the deadline."""
    clock = FakeClock()
    reader = ScriptedReader(*[malformed() for _ in range(MAX_MALFORMED_POLLS)], endpoint("running"))
    with pytest.raises(UnexpectedResponseError, match="malformed JSON"):
        settle(clock, reader, seconds=600)
    assert reader.gets == MAX_MALFORMED_POLLS


# -- the client's poll interval --------------------------------------------------------------------


def test_a_short_poll_interval_polls_that_often() -> None:
    clock = FakeClock()
    reader = ScriptedReader(
        endpoint("pending"), endpoint("pending"), endpoint("running"), poll_interval=0.5, clock=clock
    )
    settle(clock, reader)
    assert reader.times == pytest.approx([0.5, 1.0, 1.5])


def test_a_rate_limit_without_retry_after_pauses_a_short_interval_as_long_as_hub_wait() -> None:
    """A 429 says "slower": a cadence meant for an emulator does not come back sooner than wait()'s 5 s."""
    clock = FakeClock()
    limited = RateLimitedError(status_code=429, method="GET", path="/x")
    reader = ScriptedReader(limited, endpoint("running"), poll_interval=0.2, clock=clock)
    settle(clock, reader, seconds=600)
    assert reader.times == pytest.approx([0.2, 5.2])


def test_an_outage_on_a_short_interval_backs_off_from_that_interval() -> None:
    clock = FakeClock()
    reader = ScriptedReader(
        connect_error(), connect_error(), endpoint("running"), poll_interval=0.2, clock=clock
    )
    settle(clock, reader, seconds=600)
    assert reader.times == pytest.approx([0.2, 0.4, 0.8])


# -- costs -----------------------------------------------------------------------------------------


def test_a_namespaces_polls_count_their_requests_and_retry_within_the_waits_deadline() -> None:
    clock = FakeClock()
    reader = ScriptedReader(endpoint("pending"), endpoint("pending"), endpoint("running"))
    watcher = on(clock, reader)
    wait_for_state(
        reader,
        "ns",
        "ep",
        accept=frozenset({"running"}),
        deadline=Deadline(60, clock),
        on_progress=lambda _: None,
        watcher=watcher,
    )
    assert watcher.requests_sent == reader.gets == 3
    assert reader.deadlines == [1060.0] * 3


# -- with the real client, against the emulator ----------------------------------------------------


def test_the_clients_deadline_keeps_a_rate_limited_poll_from_waiting_past_the_wait() -> None:
    """Each poll runs on the waiting thread, inside the client's deadline: a Retry-After longer than
    the time left is not waited out by the client's retries, and the wait ends at its deadline,
    saying the API kept rate-limiting it."""
    clock = FakeClock()
    app = EmulatorApp(token="hf_wait", user="ns", provision_seconds=600)

    def sleep(seconds: float) -> None:
        clock.sleep(seconds)
        app.advance_clock(seconds)

    with EndpointsClient(
        token="hf_wait", api_url="http://emulator/v2", transport=app.transport(), sleep=sleep, clock=clock.now
    ) as client:
        created = client.create_endpoint("ns", endpoint_body("ep"))
        app.add_fault("rate_limit", method="GET", route="/v2/endpoint/{namespace}/{name}", retry_after=100)
        deadline = Deadline(60, Clock(now=clock.now, sleep=sleep))
        with client.deadline(deadline.at), pytest.raises(DeadlineExceededError) as caught:
            wait_for_state(
                client,
                "ns",
                "ep",
                accept=frozenset({"running"}),
                deadline=deadline,
                on_progress=lambda _: None,
                initial=created,
            )
    assert clock.time - 1000 == pytest.approx(60)
    assert caught.value.outage is not None and caught.value.outage.startswith("the API kept rate-limiting")
