"""One endpoint's record and its state machine, derived lazily from timestamps.

No thread runs per endpoint: each operation writes the transitions it starts as a plan of
`(time, state, message)` steps, and `Record.settle(now)` applies the steps that are due whenever
the endpoint is read. Auto scale-to-zero is derived the same way, from the last traffic. Times
are seconds on the emulator's clock (wall time plus any offset a test added).

States and transitions follow reference §3 ([D] unless noted):
create: pending -> initializing -> running (or failed); update: updating -> running (or
updateFailed); pause: paused at once; resume: pending -> initializing -> running; scale to zero:
scaledToZero at once, and back through initializing -> running on the next data-plane request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

PENDING = "pending"
INITIALIZING = "initializing"
UPDATING = "updating"
UPDATE_FAILED = "updateFailed"
RUNNING = "running"
PAUSED = "paused"
FAILED = "failed"
SCALED_TO_ZERO = "scaledToZero"

# Messages from huggingface_hub's mocks where they exist ([D] test_ie.py), else plain wording.
MESSAGES = {
    PENDING: "Endpoint waiting to be scheduled",
    INITIALIZING: "Endpoint is initializing",
    UPDATING: "Endpoint waiting for the update",
    RUNNING: "Endpoint is ready",
    PAUSED: "Endpoint is paused",
    SCALED_TO_ZERO: "Endpoint is scaled to zero",
    FAILED: "Endpoint failed to deploy",
    UPDATE_FAILED: "Endpoint failed to update",
}

# How many past transitions a record keeps, so a long benchmark run does not grow it forever.
HISTORY_LIMIT = 200

# The share of a provisioning time spent in `pending` before `initializing`.
_PENDING_SHARE = 0.2

Outcome = Literal["ok", "fail", "stuck"]


@dataclass
class Record:
    """An endpoint as the emulator stores it: configuration plus lifecycle.

    Attributes:
        namespace: The user or organisation owning it.
        config: The stored configuration (see `payloads`).
        created_at: Creation time.
        updated_at: Time of the last change made by a user (PUT, pause, resume, scale to zero).
        state: The current state.
        message: `status.message` for the current state.
        since: When the current state began.
        plan: Transitions still to come, in time order.
        last_traffic: Time of the last data-plane request, for the idle timer.
        became_running: Times the endpoint entered `running`, oldest first (the last 200).
        history: The `(time, state)` pairs the endpoint went through (the last 200).
    """

    namespace: str
    config: dict[str, Any]
    created_at: float
    updated_at: float
    state: str
    message: str
    since: float
    plan: list[tuple[float, str, str]] = field(default_factory=list)
    last_traffic: float | None = None
    became_running: list[float] = field(default_factory=list)
    history: list[tuple[float, str]] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The endpoint's name."""
        return str(self.config["name"])

    def enter(self, at: float, state: str, message: str | None = None) -> None:
        """Switch to `state` at time `at`, dropping any planned transition."""
        self.plan = []
        self._set(at, state, message or MESSAGES[state])

    def _set(self, at: float, state: str, message: str) -> None:
        self.state, self.message, self.since = state, message, at
        self.history.append((at, state))
        del self.history[:-HISTORY_LIMIT]
        if state == RUNNING:
            self.became_running.append(at)
            del self.became_running[:-HISTORY_LIMIT]

    def start(
        self, at: float, duration: float, *, outcome: Outcome, reason: str, first: str = PENDING
    ) -> None:
        """Begin a deployment: `first` -> (initializing) -> running, or failed, or stuck.

        Args:
            at: Start time.
            duration: Seconds until the deployment settles.
            outcome: "ok" ends running, "fail" ends failed with `reason`, "stuck" never settles.
            reason: Why it fails, appended to `status.message`.
            first: PENDING for a create or resume, INITIALIZING for a wake-up from scaled to zero.
        """
        self.enter(at, first)
        if first == PENDING:
            self.plan.append((at + duration * _PENDING_SHARE, INITIALIZING, MESSAGES[INITIALIZING]))
        if outcome == "ok":
            self.plan.append((at + duration, RUNNING, MESSAGES[RUNNING]))
        elif outcome == "fail":
            self.plan.append((at + duration, FAILED, f"{MESSAGES[FAILED]}: {reason}"))

    def start_update(
        self, at: float, duration: float, *, outcome: Outcome, reason: str, lag: float = 0.0
    ) -> None:
        """Begin applying an update: updating -> running, or updateFailed, or stuck.

        Args:
            at: When the PUT was accepted.
            duration: Seconds in `updating`.
            outcome: "ok" ends running, "fail" ends updateFailed with `reason`, "stuck" never settles.
            reason: Why it fails, appended to `status.message`.
            lag: Seconds during which the endpoint still shows its previous state and `updatedAt`.
        """
        if lag > 0:
            self.plan = [(at + lag, UPDATING, MESSAGES[UPDATING])]
        else:
            self.enter(at, UPDATING)
            self.updated_at = at
        shown = at + lag
        if outcome == "ok":
            self.plan.append((shown + duration, RUNNING, MESSAGES[RUNNING]))
        elif outcome == "fail":
            self.plan.append((shown + duration, UPDATE_FAILED, f"{MESSAGES[UPDATE_FAILED]}: {reason}"))

    def settle(self, now: float, minute_seconds: float) -> None:
        """Apply every transition due by `now`, including an idle scale-to-zero."""
        while True:
            if self.plan and self.plan[0][0] <= now:
                at, state, message = self.plan.pop(0)
                self._set(at, state, message)
                if state == UPDATING:
                    # A PUT shown late (see `start_update`'s lag) changes `updatedAt` only now.
                    self.updated_at = at
                continue
            deadline = self.idle_deadline(minute_seconds)
            if deadline is not None and deadline <= now:
                self._set(deadline, SCALED_TO_ZERO, MESSAGES[SCALED_TO_ZERO])
                continue
            return

    def idle_deadline(self, minute_seconds: float) -> float | None:
        """When a running endpoint scales itself to zero if no traffic comes, or None.

        Only when `minReplica` is 0 and a timeout is set ([D] HF docs autoscaling.md).
        """
        scaling = self.config["compute"]["scaling"]
        timeout = scaling.get("scaleToZeroTimeout")
        if self.state != RUNNING or scaling["minReplica"] != 0 or not timeout:
            return None
        idle_since = max(self.since, self.last_traffic or self.since)
        return float(idle_since + timeout * minute_seconds)

    def replicas(self) -> tuple[int, int]:
        """`(readyReplica, targetReplica)` for the current state."""
        scaling = self.config["compute"]["scaling"]
        target = min(max(scaling["minReplica"], 1), scaling["maxReplica"])
        if self.state in (PAUSED, SCALED_TO_ZERO):
            return 0, 0
        if self.state == RUNNING:
            return target, target
        return 0, target

    def has_url(self) -> bool:
        """Whether `status.url` is shown: not before scheduling nor after a failed deploy.

        A paused or scaled-to-zero endpoint keeps its url ([O] spike; old HF docs).
        """
        return self.state not in (PENDING, FAILED)

    def to_json(self) -> dict[str, Any]:
        """The record as JSON, for the sqlite store."""
        return {
            "namespace": self.namespace,
            "config": self.config,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "state": self.state,
            "message": self.message,
            "since": self.since,
            "plan": [list(step) for step in self.plan],
            "last_traffic": self.last_traffic,
            "became_running": self.became_running,
            "history": [list(item) for item in self.history],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Record:
        """Rebuild a record saved by `to_json`."""
        return cls(
            namespace=data["namespace"],
            config=data["config"],
            created_at=data["created_at"],
            updated_at=data["updated_at"],
            state=data["state"],
            message=data["message"],
            since=data["since"],
            plan=[(float(at), state, message) for at, state, message in data["plan"]],
            last_traffic=data["last_traffic"],
            became_running=list(data["became_running"]),
            history=[(float(at), state) for at, state in data["history"]],
        )
