"""waiting: settling, deadlines, rate limits and progress lines, with an injected clock."""

from __future__ import annotations

from typing import Any

import pytest
from provider_fakes import FakeClock

from pulumi_huggingface.errors import DeadlineExceededError, EndpointFailedError, RateLimitedError
from pulumi_huggingface.waiting import Deadline, wait_for_state


def endpoint(state: str, updated: str = "t0", ready: int = 0) -> dict[str, Any]:
    return {
        "status": {
            "state": state,
            "updatedAt": updated,
            "readyReplica": ready,
            "targetReplica": 1,
            "message": f"it is {state}",
        }
    }


class ScriptedReader:
    """Answers GETs from a list of endpoints or exceptions; the last answer repeats."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.gets = 0

    def get_endpoint(self, namespace: str, name: str) -> dict[str, Any]:
        self.gets += 1
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


def test_returns_once_an_accepted_state_is_reached() -> None:
    clock = FakeClock()
    reader = ScriptedReader(endpoint("initializing"), endpoint("running", ready=1))
    result = wait_for_state(
        reader,
        "ns",
        "ep",
        accept=frozenset({"running"}),
        deadline=Deadline(60, clock),
        on_progress=lambda _: None,
    )
    assert result["status"]["state"] == "running" and reader.gets == 2


def test_failed_state_raises_with_the_server_message() -> None:
    reader = ScriptedReader(endpoint("failed"))
    with pytest.raises(EndpointFailedError, match="it is failed"):
        wait_for_state(
            reader,
            "ns",
            "ep",
            accept=frozenset({"running"}),
            deadline=Deadline(60, FakeClock()),
            on_progress=lambda _: None,
        )


def test_deadline_reports_the_last_state() -> None:
    clock = FakeClock()
    with pytest.raises(DeadlineExceededError) as caught:
        wait_for_state(
            ScriptedReader(endpoint("pending")),
            "ns",
            "ep",
            accept=frozenset({"running"}),
            deadline=Deadline(60, clock),
            on_progress=lambda _: None,
        )
    assert caught.value.last_state == "pending"
    assert clock.time - 1000 == pytest.approx(60)


def test_rate_limit_waits_as_long_as_the_server_asks() -> None:
    clock = FakeClock()
    limited = RateLimitedError(status_code=429, method="GET", path="/x", retry_after=42)
    reader = ScriptedReader(limited, endpoint("running"))
    wait_for_state(
        reader,
        "ns",
        "ep",
        accept=frozenset({"running"}),
        deadline=Deadline(600, clock),
        on_progress=lambda _: None,
    )
    assert 42 in clock.slept


def test_after_a_change_a_stale_running_is_not_taken_as_settled() -> None:
    """Right after a PUT the endpoint may still report the old running state and updatedAt."""
    reader = ScriptedReader(endpoint("running"), endpoint("updating", "t1"), endpoint("running", "t1"))
    wait_for_state(
        reader,
        "ns",
        "ep",
        accept=frozenset({"running"}),
        deadline=Deadline(600, FakeClock()),
        on_progress=lambda _: None,
        initial=endpoint("running"),
        changed_since="t0",
    )
    assert reader.gets == 3, "returned on the stale running answer"


def test_a_stale_update_failed_does_not_fail_a_new_change_before_it_shows() -> None:
    reader = ScriptedReader(endpoint("updating", "t1"), endpoint("running", "t1"))
    result = wait_for_state(
        reader,
        "ns",
        "ep",
        accept=frozenset({"running"}),
        deadline=Deadline(600, FakeClock()),
        on_progress=lambda _: None,
        initial=endpoint("updateFailed"),
        changed_since="t0",
    )
    assert result["status"]["state"] == "running"


def test_progress_lines_on_state_change_and_every_thirty_seconds() -> None:
    clock = FakeClock()
    lines: list[str] = []
    reader = ScriptedReader(*[endpoint("initializing")] * 18, endpoint("running", ready=1))
    wait_for_state(
        reader,
        "ns",
        "ep",
        accept=frozenset({"running"}),
        deadline=Deadline(600, clock),
        on_progress=lines.append,
        initial=endpoint("pending"),
    )
    assert lines == [
        "huggingface: endpoint ns/ep is pending (0/1 replicas ready, 0s elapsed)",
        "huggingface: endpoint ns/ep is initializing (0/1 replicas ready, 5s elapsed)",
        "huggingface: endpoint ns/ep is initializing (0/1 replicas ready, 35s elapsed)",
        "huggingface: endpoint ns/ep is initializing (0/1 replicas ready, 1m5s elapsed)",
        "huggingface: endpoint ns/ep is running (1/1 replicas ready, 1m35s elapsed)",
    ]
