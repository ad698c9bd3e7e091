"""Waiting for endpoints to settle, or to be gone, within a deadline: one poller per namespace.

The provider uses `wait_for_state` and `wait_until_absent`. They decide *when a wait is over* (the
settle rules: a change must show before a settled state counts, failed states raise, progress lines
every state change and every 30 s); an `EndpointWatcher` does the polling. Every wait of the process
on a namespace shares that namespace's watcher (`watcher_for`): one poller thread reads all of its
endpoints at once, with one ``GET /endpoint/{ns}`` list per tick (one request per page), or one GET
per endpoint when that costs fewer requests, and hands each wait its endpoint. Measured under the
real Pulumi CLI against one GET per wait (`bench/polling.py`, docs/performance.md), a `pulumi up` of
32 endpoints sent 2 to 2.7 times fewer requests this way, in no more wall time.

The request budget is what huggingface_hub's ``InferenceEndpoint.wait()`` would spend on the same
waits: each earns one request per ``poll_interval`` of the client (stack config
``huggingface:pollInterval``, 5 s by default) for as long as it waits, and the poller spends those
credits: with N waits and a list of P pages, a poll every ``poll_interval * P / N`` seconds, never
more often than a tenth of ``poll_interval`` (`min_interval_for`); with one wait, a GET every
``poll_interval``, as ``wait()``. What a poll really cost (client retries, a confirming GET, a
longer list) is counted per namespace, from the poller thread's own requests, and charged against
the next polls. The poll's retries are bounded by the latest deadline of its waits
(`EndpointsClient.deadline`).

Rate limits and outages pause the poller (the server's ``Retry-After``, or a backoff from at least
5 s after a rate limit) instead of failing the waits, which end at their own deadlines, saying what
the API did. Errors that retrying cannot fix (a revoked token, 403), and answers that are not the
API's JSON `MAX_MALFORMED_POLLS` polls in a row, end every wait they concern at once.

Time is injected (`Clock`), so tests wait no wall time. Progress lines name the endpoint, because
the CLI prints the provider's log lines without saying which resource they belong to. This module
imports nothing from Pulumi.
"""

from __future__ import annotations

import contextlib
import copy
import threading
import time
import weakref
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
from pulumi_huggingface.schema import endpoint_status, status_message
from pulumi_huggingface.settings import DEFAULT_POLL_INTERVAL
from pulumi_huggingface.validation import format_duration

__all__ = [
    "DEFAULT_BUDGET_INTERVAL",
    "DEFAULT_MIN_INTERVAL",
    "FAILED_STATES",
    "MAX_MALFORMED_POLLS",
    "MIN_INTERVAL_FLOOR",
    "PROGRESS_EVERY_SECONDS",
    "Clock",
    "Deadline",
    "EndpointReader",
    "EndpointWatcher",
    "min_interval_for",
    "wait_for_state",
    "wait_until_absent",
    "watcher_for",
]


#: huggingface_hub's ``InferenceEndpoint.wait(refresh_every=5)``: the pace whose cost we never exceed.
DEFAULT_BUDGET_INTERVAL = DEFAULT_POLL_INTERVAL

#: The fastest the poller ever polls at the default budget, however many waiters pay for it:
#: readiness is then seen within half a second, and a namespace with hundreds of endpoints waiting
#: does not hammer the API. Another budget scales it (`min_interval_for`).
DEFAULT_MIN_INTERVAL = 0.5

#: The fastest the poller ever polls at any budget: even against a local emulator with a tiny
#: ``poll_interval`` and many waiters, at most 20 polls a second, never a busy loop.
MIN_INTERVAL_FLOOR = 0.05

# The longest pause after repeated failures; the client has already retried for ~15 s by then.
_MAX_BACKOFF = 60.0

# A computed pause below this is rounded up, so float residue never makes the poller spin.
_MIN_SLEEP = 0.01

# Route templates as `EndpointsClient.requests_by_this_thread` counts them.
_LIST_ROUTE = ("GET", "/endpoint/{namespace}")
_GET_ROUTE = ("GET", "/endpoint/{namespace}/{name}")

#: Polls in a row answered with something other than the API's JSON before the waits end with that
#: error: one garbled answer (a proxy's error page) is not worth abandoning a deployment over;
#: several in a row mean the API is not what answers, and that is reported.
MAX_MALFORMED_POLLS = 3

# Errors that say nothing about the endpoints, only that the API could not answer now: the poller
# pauses and tries again rather than ending the waits (up to `MAX_MALFORMED_POLLS` malformed ones).
_PAUSING = (RateLimitedError, TransportError, ServerError, UnexpectedResponseError)

Done = Callable[[dict[str, Any] | None], bool]


def min_interval_for(budget_interval: float) -> float:
    """The shortest gap between two polls for a budget: a tenth of it, as 0.5 s is of 5 s, and at
    least `MIN_INTERVAL_FLOOR`."""
    return max(budget_interval * DEFAULT_MIN_INTERVAL / DEFAULT_BUDGET_INTERVAL, MIN_INTERVAL_FLOOR)


class EndpointReader(Protocol):
    """The client calls waiting makes (`pulumi_huggingface.client.EndpointsClient` has them)."""

    @property
    def poll_interval(self) -> float:
        """Seconds between status requests per waiting endpoint: the watcher's ``budget_interval``."""
        ...

    def deadline(self, at: float) -> contextlib.AbstractContextManager[None]:
        """Bound the retries of the calls this thread makes inside the block by a deadline."""
        ...

    def requests_by_this_thread(self) -> Mapping[tuple[str, str], int]:
        """Requests the calling thread has sent, by ``(method, route template)``: a namespace's poller
        thread is charged only for what it sent itself, whatever the other namespaces' send."""
        ...

    def list_endpoints(self, namespace: str) -> list[dict[str, Any]]:
        """Return every endpoint of a namespace, following pagination."""
        ...

    def get_endpoint(self, namespace: str, name: str) -> dict[str, Any]:
        """Return one endpoint; raise `NotFoundError` if it does not exist."""
        ...


@dataclass(eq=False)
class _Waiter:
    name: str
    done: Done
    deadline: float
    started: float
    # The first poll whose data this waiter may see: one that began after it registered. A poll
    # already in flight may carry the state from before the caller's own change (an update's
    # PUT), which would satisfy "running" falsely.
    first_poll: int
    last_state: str | None = None
    settled: bool = False
    result: dict[str, Any] | None = None
    error: BaseException | None = None


@dataclass
class _Poll:
    number: int
    names: list[str]
    by_list: bool
    estimated_cost: int
    # The latest deadline of the waits it serves: no retry of its requests waits past it.
    deadline: float


@dataclass
class _Observation:
    endpoints: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    failed: dict[str, Exception] = field(default_factory=dict)
    error: Exception | None = None
    cost: int = 0
    list_pages: int | None = None


class EndpointWatcher:
    """Waits for endpoints of one namespace, polling all of them together from one thread.

    Thread-safe: any number of threads may call `wait` at once. The poller thread starts with the
    first waiter and exits when none is left; it is a daemon and never keeps the process alive.

    Args:
        client: The API client (an `EndpointsClient`); it must be thread-safe.
        namespace: The namespace whose endpoints are watched.
        clock: Monotonic seconds; deadlines are on this clock.
        sleep: Pauses the poller between polls (inject a fake with ``clock`` in tests).
        min_interval: The shortest time between two polls, in seconds; None for
            `min_interval_for(budget_interval)` (0.5 s at the default budget).
        budget_interval: Each waiter earns one request per this many seconds of waiting.
    """

    def __init__(
        self,
        client: EndpointReader,
        namespace: str,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        min_interval: float | None = None,
        budget_interval: float = DEFAULT_BUDGET_INTERVAL,
    ) -> None:
        if min_interval is None and budget_interval > 0:
            min_interval = min_interval_for(budget_interval)
        if min_interval is None or not min_interval > 0 or not budget_interval > 0:
            raise ValueError(
                "min_interval and budget_interval must be positive, "
                f"not {min_interval!r} and {budget_interval!r}."
            )
        self._client = client
        self._namespace = namespace
        self._clock = clock
        self._sleep = sleep
        self._min_interval = min_interval
        self._budget_interval = budget_interval
        self._cond = threading.Condition(threading.Lock())
        self._waiters: list[_Waiter] = []
        self._thread: threading.Thread | None = None
        self._credit = 0.0
        self._credit_at = clock()
        self._polls = 0
        self._last_poll_at = -float("inf")
        self._paused_until = -float("inf")
        self._failures = 0
        # Polls in a row answered with something other than the API's JSON.
        self._malformed = 0
        self._last_error: Exception | None = None
        # When the polls began failing in a row (the start of the first failed poll), or None.
        self._failing_since: float | None = None
        # Requests one list costs (its pages); learnt from each list, 1 until the first.
        self._list_cost = 1
        self._requests_sent = 0

    @property
    def budget_interval(self) -> float:
        """Seconds of waiting that earn each waiter one request."""
        return self._budget_interval

    @property
    def min_interval(self) -> float:
        """The shortest time between two polls, in seconds."""
        return self._min_interval

    @property
    def requests_sent(self) -> int:
        """The requests this namespace's polls have sent, retries and confirming GETs included."""
        with self._cond:
            return self._requests_sent

    @property
    def waiting(self) -> int:
        """How many waits are in progress."""
        with self._cond:
            return len(self._waiters)

    def wait(self, name: str, done: Done, *, deadline: float) -> dict[str, Any] | None:
        """Block until ``done`` holds for the endpoint's state, or the deadline passes.

        Only states fetched after this call began are shown to ``done``, which runs on the poller
        thread and must be quick; an exception from it ends this wait and is raised here.

        Args:
            name: The endpoint's name.
            done: Called with the endpoint's JSON, or None when it does not exist; returns True
                when the wait is over. It may raise (e.g. `EndpointFailedError`) to end the wait.
            deadline: When to give up, on the watcher's clock.

        Returns:
            The JSON ``done`` accepted, or None if it accepted the endpoint's absence.

        Raises:
            DeadlineExceededError: ``done`` did not hold before the deadline. Its ``__cause__`` is
                the error of the last poll if that poll failed.
            Exception: Whatever ``done`` raised; an `ApiError` that retrying cannot fix (401,
                403, ...) from the poll.
        """
        now = self._clock()
        waiter = _Waiter(name=name, done=done, deadline=deadline, started=now, first_poll=0)
        with self._cond:
            if now < deadline:
                self._accrue(now)
                waiter.first_poll = self._polls + 1
                self._waiters.append(waiter)
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._run, name=f"hf-endpoint-watcher-{self._namespace}", daemon=True
                    )
                    self._thread.start()
            else:
                self._expire(waiter, now)
            try:
                while not waiter.settled:
                    now = self._clock()
                    if now >= waiter.deadline:
                        self._expire(waiter, now)
                        break
                    self._cond.wait(waiter.deadline - now)
            finally:
                if not waiter.settled:
                    # Interrupted (KeyboardInterrupt in the caller's thread): stop paying for it.
                    self._remove(waiter, self._clock())
        if waiter.error is not None:
            raise waiter.error
        return waiter.result

    # -- bookkeeping, always under self._cond --------------------------------------------------

    def _accrue(self, now: float) -> None:
        if now > self._credit_at:
            rate = len(self._waiters) / self._budget_interval
            paused = max(0.0, min(now, self._paused_until) - self._credit_at)
            # A pause (a rate limit, an outage) earns the poll that ends it, not a burst of polls after.
            next_cost = min(len({w.name for w in self._waiters}), self._list_cost)
            self._credit = max(self._credit, min(self._credit + paused * rate, next_cost))
            self._credit += (now - self._credit_at - paused) * rate
        self._credit_at = max(now, self._credit_at)

    def _remove(self, waiter: _Waiter, now: float) -> None:
        self._accrue(now)
        waiter.settled = True
        if waiter in self._waiters:
            self._waiters.remove(waiter)
        self._cond.notify_all()

    def _expire(self, waiter: _Waiter, now: float) -> None:
        error = DeadlineExceededError(
            namespace=self._namespace,
            name=waiter.name,
            last_state=waiter.last_state,
            waited_seconds=max(0.0, now - waiter.started),
            outage=self._outage(now),
        )
        if self._last_error is not None:
            error.__cause__ = self._last_error
        waiter.error = error
        self._remove(waiter, now)

    def _outage(self, now: float) -> str | None:
        """What the polls have met since they began failing, for the error of a wait they ended."""
        error, since = self._last_error, self._failing_since
        if error is None or since is None:
            return None
        what = {
            TransportError: "the API could not be reached",
            RateLimitedError: "the API kept rate-limiting the polls",
            ServerError: "the API kept failing",
            UnexpectedResponseError: "something other than the API kept answering",
        }
        kind = next((text for cls, text in what.items() if isinstance(error, cls)), "the polls kept failing")
        seconds = max(0.0, now - since)
        return f"{kind} for the last {seconds:.0f} s ({type(error).__name__}: {str(error).rstrip('.')})"

    # -- the poller thread ---------------------------------------------------------------------

    def _run(self) -> None:
        try:
            while True:
                step = self._plan()
                if step is None:
                    return
                if isinstance(step, float):
                    self._sleep(step)
                    continue
                self._deliver(step, self._fetch(step))
        except Exception as exc:
            # A bug here must not leave every waiter blocked until its deadline.
            with self._cond:
                self._thread = None
                for waiter in list(self._waiters):
                    waiter.error = exc
                    self._remove(waiter, self._clock())

    def _plan(self) -> _Poll | float | None:
        """Decide the next step: None to exit, seconds to sleep, or the poll to make now."""
        with self._cond:
            now = self._clock()
            for waiter in [w for w in self._waiters if now >= w.deadline]:
                self._expire(waiter, now)
            if not self._waiters:
                # Exiting under the lock that `wait` registers under: a new waiter either is seen
                # here or finds no thread and starts one.
                self._thread = None
                self._credit = 0.0
                self._last_error = None
                self._failing_since = None
                return None
            self._accrue(now)
            names = list(dict.fromkeys(w.name for w in self._waiters))
            # One GET per endpoint or one list of P pages, whichever sends fewer requests; GET on a
            # tie, because it needs no follow-up to tell "absent" from "not listed".
            by_list = len(names) > self._list_cost
            cost = self._list_cost if by_list else len(names)
            rate = len(self._waiters) / self._budget_interval
            ready_at = max(
                self._paused_until,
                self._last_poll_at + self._min_interval,
                now + max(0.0, (cost - self._credit) / rate),
            )
            if ready_at > now:
                wake = min(ready_at, min(w.deadline for w in self._waiters))
                return max(wake - now, _MIN_SLEEP)
            self._polls += 1
            self._last_poll_at = now
            self._credit -= cost
            last = max(w.deadline for w in self._waiters)
            return _Poll(number=self._polls, names=names, by_list=by_list, estimated_cost=cost, deadline=last)

    def _fetch(self, poll: _Poll) -> _Observation:
        """Make one poll's requests (outside the lock) and report what they showed."""
        observation = _Observation()
        before = self._request_count()
        try:
            with self._client.deadline(poll.deadline):
                self._read(poll, observation)
        except Exception as exc:
            observation.error = exc
        observation.cost = max(self._request_count() - before, 1)
        return observation

    def _read(self, poll: _Poll, observation: _Observation) -> None:
        if poll.by_list:
            list_before = self._client.requests_by_this_thread().get(_LIST_ROUTE, 0)
            try:
                listed = self._client.list_endpoints(self._namespace)
            except NotFoundError:
                listed = []  # no such namespace: every endpoint is absent, confirmed below
            pages = self._client.requests_by_this_thread().get(_LIST_ROUTE, 0) - list_before
            observation.list_pages = max(1, pages)
            for item in listed:
                item_name = item.get("name")
                if isinstance(item_name, str):
                    observation.endpoints[item_name] = item
            # An endpoint missing from a list is confirmed absent by its own GET: a listing may
            # lag behind a create, and "absent" ends waits (deletes) or fails them (creates).
            unlisted = [name for name in poll.names if name not in observation.endpoints]
        else:
            unlisted = poll.names
        for name in unlisted:
            try:
                observation.endpoints[name] = self._client.get_endpoint(self._namespace, name)
            except NotFoundError:
                observation.endpoints[name] = None
            except _PAUSING:
                raise
            except Exception as exc:
                # Concerns this name only (say, one the API refuses): the other waits go on.
                observation.failed[name] = exc

    def _request_count(self) -> int:
        # The poller thread is this watcher's own: what it sent is what this namespace's polls cost.
        requests = self._client.requests_by_this_thread()
        return requests.get(_LIST_ROUTE, 0) + requests.get(_GET_ROUTE, 0)

    def _deliver(self, poll: _Poll, observation: _Observation) -> None:
        """Show each waiter its endpoint; settle those whose wait is over; handle the poll's error."""
        with self._cond:
            now = self._clock()
            self._accrue(now)
            # Charge what the poll really cost: retries, confirmations, a list longer than thought.
            self._credit -= observation.cost - poll.estimated_cost
            self._requests_sent += observation.cost
            if observation.list_pages is not None:
                self._list_cost = observation.list_pages
            eligible = [w for w in self._waiters if w.first_poll <= poll.number and not w.settled]
        outcomes: list[tuple[_Waiter, bool, dict[str, Any] | None, BaseException | None]] = []
        for waiter in eligible:
            if waiter.name in observation.endpoints:
                outcomes.append((waiter, *self._evaluate(waiter, observation.endpoints[waiter.name])))
            elif waiter.name in observation.failed:
                outcomes.append((waiter, True, None, _copy_error(observation.failed[waiter.name])))
        with self._cond:
            now = self._clock()
            for waiter, finished, result, error in outcomes:
                if finished and not waiter.settled:
                    waiter.result = result
                    waiter.error = error
                    self._remove(waiter, now)
            error = observation.error
            if error is None:
                self._failures = 0
                self._malformed = 0
                self._last_error = None
                self._failing_since = None
                return
            self._last_error = error
            if self._failing_since is None:
                self._failing_since = self._last_poll_at
            self._malformed = self._malformed + 1 if isinstance(error, UnexpectedResponseError) else 0
            if isinstance(error, _PAUSING) and self._malformed < MAX_MALFORMED_POLLS:
                self._failures += 1
                growth = 2.0 ** min(self._failures - 1, 16)
                pause = min(_MAX_BACKOFF, self._budget_interval * growth)
                if isinstance(error, RateLimitedError):
                    # The server said how long; our own surplus is no licence to come back sooner.
                    # Without a Retry-After, a short budget (an emulator's) is no licence either:
                    # the backoff starts from wait()'s pace at least.
                    slowest = max(self._budget_interval, DEFAULT_BUDGET_INTERVAL)
                    backoff = min(_MAX_BACKOFF, slowest * growth)
                    pause = error.retry_after if error.retry_after is not None else backoff
                    self._credit = min(self._credit, 0.0)
                self._paused_until = now + pause
                return
            # Anything else (401, 403 on the namespace) will not heal by polling again, nor will an
            # API that keeps answering with something else than its JSON (a proxy's login page).
            self._malformed = 0
            for waiter in [w for w in self._waiters if w.first_poll <= poll.number]:
                waiter.error = _copy_error(error)
                self._remove(waiter, now)

    def _evaluate(
        self, waiter: _Waiter, endpoint: dict[str, Any] | None
    ) -> tuple[bool, dict[str, Any] | None, BaseException | None]:
        """Run a waiter's ``done`` on one observation: (finished, result, error)."""
        try:
            if endpoint is not None:
                state = endpoint_status(endpoint, "state")
                waiter.last_state = state if isinstance(state, str) else waiter.last_state
            else:
                waiter.last_state = "absent"
            if waiter.done(endpoint):
                return True, endpoint, None
        except Exception as exc:
            return True, None, exc
        return False, None, None


def _copy_error(error: Exception) -> Exception:
    # The same exception raised in several threads at once would share one mutating traceback.
    try:
        return copy.copy(error)
    except Exception:
        return error


_registry_lock = threading.Lock()
# Keyed by ids: a watcher holds its client, clock and sleep, so no id can be reused while the entry
# lives; weak values drop a watcher once no wait and no poller hold it. The cadence is part of the
# key, so a watcher never polls at another pace than its client asks for.
_registry: weakref.WeakValueDictionary[
    tuple[int, str, float, tuple[int, int], tuple[int, int]], EndpointWatcher
] = weakref.WeakValueDictionary()


def _identity(function: Callable[..., Any]) -> tuple[int, int]:
    # By identity, like the client: a fake clock's functions need not be hashable. A bound method is
    # a new object on each attribute access, so it is known by its instance and function instead.
    return id(getattr(function, "__self__", None)), id(getattr(function, "__func__", function))


def watcher_for(
    client: EndpointReader,
    namespace: str,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> EndpointWatcher:
    """Return the process-wide watcher of a client and namespace, creating it if needed.

    Threads waiting through the same client share one watcher per namespace, hence one poller and
    one request budget; a provider should therefore share one client between its worker threads.
    The watcher's ``budget_interval`` is the client's ``poll_interval``, its ``min_interval`` scaled
    to it (`min_interval_for`).

    Args:
        client: The API client; its ``poll_interval`` sets the polling cadence.
        namespace: The namespace of the endpoints to wait on.
        clock: The watcher's clock (tests pass a fake one; waits on another clock get another watcher).
        sleep: The poller's sleep, advancing ``clock``.
    """
    budget_interval = client.poll_interval
    key = (id(client), namespace, budget_interval, _identity(clock), _identity(sleep))
    with _registry_lock:
        watcher = _registry.get(key)
        if watcher is None:
            watcher = EndpointWatcher(
                client, namespace, clock=clock, sleep=sleep, budget_interval=budget_interval
            )
            _registry[key] = watcher
        return watcher


# -- the settle rules ------------------------------------------------------------------------------

FAILED_STATES: Final = frozenset({"failed", "updateFailed"})
# The CLI shows the provider's lines as they come: one per state change, and a heartbeat this often.
PROGRESS_EVERY_SECONDS: Final = 30.0
# How long a PUT may leave an endpoint showing its old `running` state without a visible transition
# before the change is taken as applied (some changes never leave `running`).
DEFAULT_SETTLE_GRACE_SECONDS: Final = 60.0


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


@dataclass
class _Progress:
    namespace: str
    name: str
    on_progress: Callable[[str], None]
    last_state: str | None = None
    last_line_at: float | None = None

    def observe(self, endpoint: Mapping[str, Any], elapsed: float, *, deleting: bool = False) -> None:
        state = endpoint_status(endpoint, "state")
        due = self.last_line_at is None or elapsed - self.last_line_at >= PROGRESS_EVERY_SECONDS
        if state == self.last_state and not due:
            return
        self.last_state = state
        self.last_line_at = elapsed
        ready, target = endpoint_status(endpoint, "readyReplica"), endpoint_status(endpoint, "targetReplica")
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
            (`watcher_for`), shared with every other wait on them.

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
        state = endpoint_status(endpoint, "state")
        progress.observe(endpoint, elapsed)
        if must_see_change and not changed:
            updated = endpoint_status(endpoint, "updatedAt")
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
    except _PAUSING:
        pass  # the watcher retries, within its budget and the deadline
    watcher = watcher or _watcher(client, namespace, deadline)
    try:
        watcher.wait(name, done, deadline=deadline.at)
    except DeadlineExceededError as exc:
        raise _deadline_error(exc, progress, deadline) from exc.__cause__


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
