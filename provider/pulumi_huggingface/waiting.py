"""Waiting for an endpoint to settle, or to be gone, within a deadline.

The provider uses exactly two functions of this module, `wait_for_state` and `wait_until_absent`,
each a polling loop over ``client.get_endpoint``. Time is injected (`Clock`), so tests wait no
wall time. Progress lines name the endpoint, because the CLI prints the provider's log lines
without saying which resource they belong to.

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
from pulumi_huggingface.validation import format_duration

__all__ = [
    "FAILED_STATES",
    "MAX_MALFORMED_POLLS",
    "PROGRESS_EVERY_SECONDS",
    "Clock",
    "Deadline",
    "EndpointReader",
    "poll_interval",
    "wait_for_state",
    "wait_until_absent",
]

FAILED_STATES: Final = frozenset({"failed", "updateFailed"})
# The CLI shows the provider's lines as they come: one per state change, and a heartbeat this often.
PROGRESS_EVERY_SECONDS: Final = 30.0
# How long a PUT may leave an endpoint showing its old `running` state without a visible transition
# before the change is taken as applied (some changes never leave `running`).
DEFAULT_SETTLE_GRACE_SECONDS: Final = 60.0
# Malformed answers (not the API's JSON) tolerated in a row while polling before giving up.
MAX_MALFORMED_POLLS: Final = 3


class EndpointReader(Protocol):
    """The one client call waiting needs."""

    def get_endpoint(self, namespace: str, name: str) -> dict[str, Any]:
        """Return the endpoint's JSON, or raise NotFoundError."""
        ...


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


def poll_interval(elapsed: float) -> float:
    """Seconds between two polls: often at first, when a quick state change is likely, then less.

    Endpoints take minutes to provision, so polling every few seconds for the first two minutes
    catches fast transitions without hammering the API over a long deploy.
    """
    if elapsed < 120:
        return 5.0
    if elapsed < 600:
        return 10.0
    return 20.0


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
) -> dict[str, Any]:
    """Poll an endpoint until it reaches an accepted state.

    For a change just sent (``changed_since`` given), a settled state counts only once the change is
    visible: the endpoint has left the accepted states at least once, or its ``updatedAt`` moved
    past ``changed_since``, or ``settle_grace`` seconds passed without either (some changes apply
    without a visible transition). Until then a failed state left over from an earlier change does
    not count either.

    Args:
        client: Reads the endpoint.
        namespace: The endpoint's namespace.
        name: The endpoint's name.
        accept: The states that end the wait.
        deadline: When to give up.
        on_progress: Receives progress lines (on a state change, and every 30 s).
        initial: The endpoint as last seen (the answer to the POST or PUT), used as the first
            observation.
        changed_since: The endpoint's ``updatedAt`` before the change being waited for.
        settle_grace: See above.

    Returns:
        The endpoint's JSON in the accepted state.

    Raises:
        EndpointFailedError: The endpoint reached ``failed`` or ``updateFailed``.
        DeadlineExceededError: The deadline passed first.
        NotFoundError: The endpoint disappeared.
        ApiError: Reading the endpoint failed for another reason (rate limits, server errors and
            network errors are retried until the deadline).
    """
    progress = _Progress(namespace, name, on_progress)
    malformed = 0
    must_see_change = changed_since is not None
    changed = not must_see_change
    endpoint: Mapping[str, Any] | None = initial
    last_state: str | None = None
    while True:
        if endpoint is not None:
            elapsed = deadline.elapsed()
            state = _state(endpoint)
            last_state = state
            progress.observe(endpoint, elapsed)
            if must_see_change and not changed:
                updated = _status(endpoint, "updatedAt")
                left_settled = state not in accept and state not in FAILED_STATES
                changed = left_settled or (updated is not None and updated != changed_since)
            settled_view = changed or elapsed >= settle_grace
            # Accepted first: a caller waiting for any stable state (after a 409) accepts failed ones.
            if state in accept and settled_view:
                return dict(endpoint)
            if state in FAILED_STATES and settled_view:
                raise EndpointFailedError(
                    namespace=namespace, name=name, state=state, server_message=_status(endpoint, "message")
                )
        if deadline.expired():
            raise DeadlineExceededError(
                namespace=namespace, name=name, last_state=last_state, waited_seconds=deadline.elapsed()
            )
        delay = poll_interval(deadline.elapsed())
        endpoint = None
        deadline.clock.sleep(min(delay, deadline.remaining()))
        try:
            endpoint = client.get_endpoint(namespace, name)
            malformed = 0
        except RateLimitedError as exc:
            if exc.retry_after:
                deadline.clock.sleep(min(exc.retry_after, deadline.remaining()))
        except (ServerError, TransportError):
            # The client already retried; a flaky poll is not a failed endpoint. The deadline bounds it.
            pass
        except UnexpectedResponseError:
            # One garbled answer (a proxy's error page) is not worth abandoning a deployment over;
            # several in a row mean the API is not what answers, and that is reported.
            malformed += 1
            if malformed >= MAX_MALFORMED_POLLS:
                raise


def wait_until_absent(
    client: EndpointReader,
    namespace: str,
    name: str,
    *,
    deadline: Deadline,
    on_progress: Callable[[str], None],
) -> None:
    """Poll until the endpoint is gone (GET answers 404), so its name is free again.

    Raises:
        DeadlineExceededError: The endpoint still exists when the deadline passes.
    """
    progress = _Progress(namespace, name, on_progress)
    last_state: str | None = None
    malformed = 0
    while True:
        try:
            endpoint = client.get_endpoint(namespace, name)
        except NotFoundError:
            return
        except RateLimitedError as exc:
            if exc.retry_after:
                deadline.clock.sleep(min(exc.retry_after, deadline.remaining()))
        except (ServerError, TransportError):
            pass
        except UnexpectedResponseError:
            malformed += 1
            if malformed >= MAX_MALFORMED_POLLS:
                raise
        else:
            malformed = 0
            last_state = _state(endpoint)
            progress.observe(endpoint, deadline.elapsed(), deleting=True)
        if deadline.expired():
            raise DeadlineExceededError(
                namespace=namespace, name=name, last_state=last_state, waited_seconds=deadline.elapsed()
            )
        deadline.clock.sleep(min(poll_interval(deadline.elapsed()), max(deadline.remaining(), 0.1)))
