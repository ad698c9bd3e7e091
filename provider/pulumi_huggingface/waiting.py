"""Waiting for an endpoint to settle, or to be gone, within a deadline.

The provider uses exactly two functions of this module, `wait_for_state` and `wait_until_absent`.
They decide *when a wait is over* (the settle rules below); the polling itself is the shared
`pulumi_huggingface.readiness.EndpointWatcher` of the client and namespace, so every create, update
and delete waiting at once in the provider server is served by one poller thread, one list call per
tick, within the request budget of huggingface_hub's ``wait()``. The settle rules run on each poll
inside the watcher's ``done`` callback, so progress lines keep their cadence.

Time is injected (`Clock`, and a watcher on the same clock), so tests wait no wall time. Progress
lines name the endpoint, because the CLI prints the provider's log lines without saying which
resource they belong to.

This module imports nothing from Pulumi.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

from pulumi_huggingface.errors import (
    DeadlineExceededError,
    EndpointFailedError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    TransportError,
    UnexpectedResponseError,
)
from pulumi_huggingface.readiness import MAX_MALFORMED_POLLS, EndpointWatcher, PollingClient, watcher_for
from pulumi_huggingface.schema import status_message
from pulumi_huggingface.validation import format_duration

__all__ = [
    "FAILED_STATES",
    "MAX_MALFORMED_POLLS",
    "PROGRESS_EVERY_SECONDS",
    "Clock",
    "Deadline",
    "EndpointReader",
    "wait_for_state",
    "wait_until_absent",
]

FAILED_STATES: Final = frozenset({"failed", "updateFailed"})
# The CLI shows the provider's lines as they come: one per state change, and a heartbeat this often.
PROGRESS_EVERY_SECONDS: Final = 30.0
# How long a PUT may leave an endpoint showing its old `running` state without a visible transition
# before the change is taken as applied (some changes never leave `running`).
DEFAULT_SETTLE_GRACE_SECONDS: Final = 60.0


class EndpointReader(PollingClient, Protocol):
    """The client calls waiting needs: those of the shared watcher (`EndpointsClient` has them)."""


@dataclass(frozen=True)
class Clock:
    """The time source and the sleep of a wait (inject fakes in tests)."""

    now: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep


@dataclass
class Deadline:
    """A point in time a wait must not pass.

    Attributes:
        seconds: How long the wait may last.
        clock: The time source.
    """

    seconds: float
    clock: Clock = field(default_factory=Clock)
    started: float = field(init=False)

    def __post_init__(self) -> None:
        self.started = self.clock.now()

    def elapsed(self) -> float:
        """Seconds since the wait began."""
        return self.clock.now() - self.started

    def remaining(self) -> float:
        """Seconds left, never negative."""
        return max(0.0, self.seconds - self.elapsed())

    def expired(self) -> bool:
        """Whether the deadline has passed."""
        return self.remaining() <= 0

    @property
    def at(self) -> float:
        """The deadline itself, on the clock's time."""
        return self.started + self.seconds


def _state(endpoint: Mapping[str, Any]) -> str | None:
    status = endpoint.get("status")
    return status.get("state") if isinstance(status, Mapping) else None


def _status(endpoint: Mapping[str, Any], key: str) -> Any:
    status = endpoint.get("status")
    return status.get(key) if isinstance(status, Mapping) else None


@dataclass
class _Progress:
    namespace: str
    name: str
    on_progress: Callable[[str], None]
    last_state: str | None = None
    last_line_at: float | None = None

    def observe(self, endpoint: Mapping[str, Any], elapsed: float, *, deleting: bool = False) -> None:
        state = _state(endpoint)
        due = self.last_line_at is None or elapsed - self.last_line_at >= PROGRESS_EVERY_SECONDS
        if state == self.last_state and not due:
            return
        self.last_state = state
        self.last_line_at = elapsed
        ready, target = _status(endpoint, "readyReplica"), _status(endpoint, "targetReplica")
        details = (
            f"{ready or 0}/{target or 0} replicas ready, " if target is not None or ready is not None else ""
        )
        shown = state or "in an unknown state"
        if deleting:
            shown, details = "being deleted", f"last state {state}, "
        self.on_progress(
            f"huggingface: endpoint {self.namespace}/{self.name} is {shown} "
            f"({details}{format_duration(elapsed)} elapsed)"
        )


def wait_for_state(
    client: EndpointReader,
    namespace: str,
    name: str,
    *,
    accept: frozenset[str],
    deadline: Deadline,
    on_progress: Callable[[str], None],
    initial: Mapping[str, Any] | None = None,
    changed_since: str | None = None,
    settle_grace: float = DEFAULT_SETTLE_GRACE_SECONDS,
    watcher: EndpointWatcher | None = None,
) -> dict[str, Any]:
    """Wait until an endpoint reaches an accepted state.

    ``initial`` is judged first, without a request; after that the endpoint is polled by the
    watcher. For a change just sent (``changed_since`` given), a settled state counts only once the
    change is visible: the endpoint has left the accepted states at least once, or its
    ``updatedAt`` moved past ``changed_since``, or ``settle_grace`` seconds passed without either
    (some changes apply without a visible transition). Until then a failed state left over from an
    earlier change does not count either.

    Args:
        client: Reads the endpoint (an `EndpointsClient`).
        namespace: The endpoint's namespace.
        name: The endpoint's name.
        accept: The states that end the wait.
        deadline: When to give up.
        on_progress: Receives progress lines (on a state change, and every 30 s).
        initial: The endpoint as last seen (the answer to the POST or PUT), used as the first
            observation.
        changed_since: The endpoint's ``updatedAt`` before the change being waited for.
        settle_grace: See above.
        watcher: Polls the endpoint; it must run on ``deadline``'s clock. Defaults to the
            process-wide watcher of the client and namespace on that clock
            (`readiness.watcher_for`), shared with every other wait on them.

    Returns:
        The endpoint's JSON in the accepted state.

    Raises:
        EndpointFailedError: The endpoint reached ``failed`` or ``updateFailed``.
        DeadlineExceededError: The deadline passed first.
        NotFoundError: The endpoint disappeared.
        ApiError: Reading the endpoint failed in a way retrying cannot fix (rate limits, server
            errors and network errors pause the polling until the deadline instead).
    """
    progress = _Progress(namespace, name, on_progress)
    must_see_change = changed_since is not None
    changed = not must_see_change

    def done(endpoint: Mapping[str, Any] | None) -> bool:
        nonlocal changed
        if endpoint is None:
            raise NotFoundError(
                status_code=404,
                method="GET",
                path=f"/endpoint/{namespace}/{name}",
                server_message=f"Endpoint {namespace}/{name} disappeared while waiting for it to settle",
            )
        elapsed = deadline.elapsed()
        state = _state(endpoint)
        progress.observe(endpoint, elapsed)
        if must_see_change and not changed:
            updated = _status(endpoint, "updatedAt")
            left_settled = state not in accept and state not in FAILED_STATES
            changed = left_settled or (updated is not None and updated != changed_since)
        settled_view = changed or elapsed >= settle_grace
        # Accepted first: a caller waiting for any stable state (after a 409) accepts failed ones.
        if state in accept and settled_view:
            return True
        if state in FAILED_STATES and settled_view:
            raise EndpointFailedError(
                namespace=namespace, name=name, state=state, server_message=status_message(endpoint)
            )
        return False

    if initial is not None and done(initial):
        return dict(initial)
    watcher = watcher or _watcher(client, namespace, deadline)
    try:
        settled = watcher.wait(name, done, deadline=deadline.at)
    except DeadlineExceededError as exc:
        raise _deadline_error(exc, progress, deadline) from exc.__cause__
    # `done` never accepts absence, so the watcher returns the endpoint it accepted.
    assert settled is not None
    return dict(settled)


def wait_until_absent(
    client: EndpointReader,
    namespace: str,
    name: str,
    *,
    deadline: Deadline,
    on_progress: Callable[[str], None],
    watcher: EndpointWatcher | None = None,
) -> None:
    """Wait until the endpoint is gone (GET answers 404), so its name is free again.

    The first look is one GET at once: unlike a POST or a PUT, a DELETE answers nothing about the
    endpoint, and an API that removes it at once (the emulator does) then frees the name without
    waiting a polling interval. Then the watcher polls.

    Args:
        client: Reads the endpoint (an `EndpointsClient`).
        namespace: The endpoint's namespace.
        name: The endpoint's name.
        deadline: When to give up.
        on_progress: Receives progress lines (on a state change, and every 30 s).
        watcher: Polls the endpoint, as for `wait_for_state`.

    Raises:
        DeadlineExceededError: The endpoint still exists when the deadline passes.
    """
    progress = _Progress(namespace, name, on_progress)

    def done(endpoint: Mapping[str, Any] | None) -> bool:
        if endpoint is None:
            return True
        progress.observe(endpoint, deadline.elapsed(), deleting=True)
        return False

    try:
        if done(client.get_endpoint(namespace, name)):
            return
    except NotFoundError:
        return
    except _TRANSIENT:
        pass  # the watcher retries, within its budget and the deadline
    watcher = watcher or _watcher(client, namespace, deadline)
    try:
        watcher.wait(name, done, deadline=deadline.at)
    except DeadlineExceededError as exc:
        raise _deadline_error(exc, progress, deadline) from exc.__cause__


# Errors of the first look that polling may get past (the watcher pauses on them).
_TRANSIENT: Final = (RateLimitedError, ServerError, TransportError, UnexpectedResponseError)


def _watcher(client: EndpointReader, namespace: str, deadline: Deadline) -> EndpointWatcher:
    # On the default Clock this is the same watcher as `watcher_for(client, namespace)`.
    return watcher_for(client, namespace, clock=deadline.clock.now, sleep=deadline.clock.sleep)


def _deadline_error(
    exc: DeadlineExceededError, progress: _Progress, deadline: Deadline
) -> DeadlineExceededError:
    # The watcher knows only the states it polled; the wait also saw `initial`.
    return DeadlineExceededError(
        namespace=exc.namespace,
        name=exc.name,
        last_state=exc.last_state if exc.last_state not in (None, "absent") else progress.last_state,
        waited_seconds=deadline.elapsed(),
        outage=exc.outage,
    )
