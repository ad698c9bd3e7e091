"""Fault injection and request counting for the emulator's served routes.

Faults apply to the API, whoami and data-plane routes, never to the control routes under
`/_emulator`. Draws come from one seeded random generator, so a run with the same seed and the
same request order injects the same faults.
"""

from __future__ import annotations

import itertools
import random
import threading
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

FaultKind = Literal["rate_limit", "server_error", "drop", "latency"]
FAULT_KINDS: tuple[str, ...] = ("rate_limit", "server_error", "drop", "latency")


@dataclass
class FaultRule:
    """One kind of fault, fired on a share of the matching requests.

    Attributes:
        kind: "rate_limit" (429 with `Retry-After`), "server_error" (a 5xx), "drop" (close the
            connection without a response) or "latency" (sleep before answering).
        rate: The probability, 0..1, that a matching request gets the fault.
        method: Only requests with this HTTP method (e.g. "POST"); None matches any.
        route: Only this route template, as counted (e.g. "/v2/endpoint/{namespace}"); None
            matches any served route.
        endpoint: Only requests about this endpoint, as "namespace/name"; None matches any.
        times: Fire at most this many times, then stop matching; None is unlimited.
        status: The status of a "server_error" (500..599).
        retry_after: The `Retry-After` seconds of a "rate_limit".
        seconds: The delay of a "latency" fault.
        after: For "server_error" and "drop": let the request take effect first and fail only
            the answer (a create whose response was lost: the endpoint exists).
        id: Assigned when the rule is added.
        fired: How many times the rule has fired.
    """

    kind: FaultKind
    rate: float = 1.0
    method: str | None = None
    route: str | None = None
    endpoint: str | None = None
    times: int | None = None
    status: int = 503
    retry_after: int = 1
    seconds: float = 0.0
    after: bool = False
    id: int = 0
    fired: int = field(default=0)

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"kind must be one of {FAULT_KINDS}, not {self.kind!r}")
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"rate must be between 0 and 1, not {self.rate!r}")
        if not 500 <= self.status <= 599:
            raise ValueError(f"status must be a 5xx code, not {self.status!r}")
        if self.times is not None and self.times < 0:
            raise ValueError(f"times must be >= 0 or None, not {self.times!r}")
        if self.seconds < 0 or self.retry_after < 0:
            raise ValueError("seconds and retry_after must be >= 0")
        if self.method is not None:
            self.method = self.method.upper()

    def matches(self, method: str, route: str, endpoint: str | None) -> bool:
        """Whether the rule applies to a request (ignoring its rate)."""
        if self.times is not None and self.fired >= self.times:
            return False
        return (
            (self.method is None or self.method == method)
            and (self.route is None or self.route == route)
            and (self.endpoint is None or self.endpoint == endpoint)
        )

    def to_json(self) -> dict[str, Any]:
        """The rule as JSON, as the control route lists it."""
        return asdict(self)


@dataclass
class Decision:
    """What the faults decided for one request."""

    delay: float = 0.0
    before: FaultRule | None = None
    after: FaultRule | None = None


class Faults:
    """The active fault rules and the seeded generator that fires them.

    Args:
        seed: Seed of the generator.
    """

    def __init__(self, seed: int | None = 0) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self._rules: list[FaultRule] = []
        self._ids = itertools.count(1)

    def add(self, rule: FaultRule) -> FaultRule:
        """Activate a rule; returns it with its id set."""
        with self._lock:
            rule.id = next(self._ids)
            self._rules.append(rule)
        return rule

    def remove(self, rule_id: int) -> bool:
        """Deactivate one rule; False if no rule has that id."""
        with self._lock:
            before = len(self._rules)
            self._rules = [r for r in self._rules if r.id != rule_id]
            return len(self._rules) != before

    def clear(self) -> None:
        """Deactivate every rule."""
        with self._lock:
            self._rules = []

    def reseed(self, seed: int | None) -> None:
        """Restart the generator from `seed`."""
        with self._lock:
            self._rng = random.Random(seed)

    def rules(self) -> list[FaultRule]:
        """The active rules, oldest first."""
        with self._lock:
            return list(self._rules)

    def decide(self, method: str, route: str, endpoint: str | None) -> Decision:
        """Draw the faults for one request: every latency that fires adds up; the first other
        rule that fires decides the failure."""
        decision = Decision()
        with self._lock:
            for rule in self._rules:
                if not rule.matches(method, route, endpoint):
                    continue
                if rule.kind != "latency" and (decision.before or decision.after):
                    continue
                if rule.rate < 1.0 and self._rng.random() >= rule.rate:
                    continue
                rule.fired += 1
                if rule.kind == "latency":
                    decision.delay += rule.seconds
                elif rule.after and rule.kind in ("server_error", "drop"):
                    decision.after = rule
                else:
                    decision.before = rule
        return decision


class RequestCounter:
    """Counts served requests by route ("METHOD /route/{template}") and by endpoint ("ns/name")."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_route: Counter[str] = Counter()
        self._by_endpoint: Counter[str] = Counter()

    def count(self, method: str, route: str, endpoint: str | None) -> None:
        """Record one request."""
        with self._lock:
            self._by_route[f"{method} {route}"] += 1
            if endpoint is not None:
                self._by_endpoint[endpoint] += 1

    def snapshot(self) -> dict[str, Any]:
        """`{"total": n, "byRoute": {...}, "byEndpoint": {...}}`."""
        with self._lock:
            return {
                "total": sum(self._by_route.values()),
                "byRoute": dict(self._by_route),
                "byEndpoint": dict(self._by_endpoint),
            }

    def reset(self) -> None:
        """Set every count back to zero."""
        with self._lock:
            self._by_route.clear()
            self._by_endpoint.clear()
