"""Per-wait polling, for `bench/polling.py`: each wait sends its own GET every ``poll_interval``.

On PYTHONPATH, Python imports this module at start-up in every interpreter of a `pulumi up` (the
program and the provider plugin), and it replaces the shared per-namespace poller of
`pulumi_huggingface.waiting` with a loop on the waiting thread itself. The settle rules (the
``done`` callbacks) are the provider's own; only how often and with which request the endpoint is
read changes. Rate limits, 5xx and network errors that outlast the client's retries pause the loop
(`Retry-After` honoured) until the deadline; anything else ends the wait.
"""

from __future__ import annotations

from typing import Any

from pulumi_huggingface import waiting
from pulumi_huggingface.errors import (
    DeadlineExceededError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    TransportError,
    UnexpectedResponseError,
)

_PAUSING = (RateLimitedError, ServerError, TransportError, UnexpectedResponseError)


class PerWaitPoller:
    """The `wait` of the shared poller, polling one endpoint from the calling thread."""

    def __init__(self, client: Any, namespace: str, clock: waiting.Clock) -> None:
        self.client = client
        self.namespace = namespace
        self.clock = clock

    def wait(self, name: str, done: Any, *, deadline: float, on_progress: Any = None) -> Any:
        started = self.clock.now()
        last_state: str | None = None
        while True:
            pause = self.client.poll_interval
            if self.clock.now() + pause >= deadline:
                raise DeadlineExceededError(
                    namespace=self.namespace,
                    name=name,
                    last_state=last_state,
                    waited_seconds=self.clock.now() - started,
                )
            self.clock.sleep(pause)
            try:
                endpoint = self.client.get_endpoint(self.namespace, name)
            except NotFoundError:
                endpoint = None
            except RateLimitedError as exc:
                if exc.retry_after:
                    self.clock.sleep(min(exc.retry_after, max(0.0, deadline - self.clock.now())))
                continue
            except _PAUSING:
                continue
            if endpoint is not None:
                status = endpoint.get("status")
                last_state = status.get("state") if isinstance(status, dict) else last_state
            if done(endpoint):
                return endpoint


def _per_wait(client: Any, namespace: str, deadline: waiting.Deadline) -> PerWaitPoller:
    return PerWaitPoller(client, namespace, deadline.clock)


waiting._watcher = _per_wait  # type: ignore[assignment]
