"""waiting: settling, deadlines, rate limits and progress lines, with an injected clock.

The waits poll through an `EndpointWatcher` on the same fake clock, so the figures below (GETs,
seconds slept) are exact and no wall time passes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from provider_fakes import FakeClock

from pulumi_huggingface.errors import (
    DeadlineExceededError,
    EndpointFailedError,
    NotFoundError,
    RateLimitedError,
)
from pulumi_huggingface.readiness import EndpointWatcher
from pulumi_huggingface.waiting import Deadline, wait_for_state, wait_until_absent

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

    It counts requests as `EndpointsClient.requests_by_this_thread` does, which the watcher reads to keep
    its budget.
    """

    # What `EndpointsClient` carries by default; the watchers here are built with their own budget.
    poll_interval = 5.0

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.gets = 0
        self.requests: Counter[tuple[str, str]] = Counter()

    def requests_by_this_thread(self) -> dict[tuple[str, str], int]:
        # Only the poller thread sends requests through this fake while the watcher measures them.
        return dict(self.requests)

    def get_endpoint(self, namespace: str, name: str) -> dict[str, Any]:
        assert (namespace, name) == ("ns", "ep")
        self.gets += 1
        self.requests["GET", "/endpoint/{namespace}/{name}"] += 1
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer

    def list_endpoints(self, namespace: str) -> list[dict[str, Any]]:
        raise AssertionError("one endpoint waited on is polled with GETs, never with a list")


def on(clock: FakeClock, reader: ScriptedReader) -> EndpointWatcher:
    """A watcher polling `reader` on the fake clock, as the provider builds one for an injected clock."""
    return EndpointWatcher(reader, "ns", clock=clock.now, sleep=clock.sleep)


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
