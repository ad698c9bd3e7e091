"""Bringing an endpoint to its declared operational state: running, paused or scaled to zero.

`converge` applies a configuration change (one PUT, possibly empty) and the declared
`desired_state` (a pause, resume or scale-to-zero call), then waits until that state is reached,
within one deadline. The order of the calls is chosen so that a refusal leaves the endpoint where
Pulumi's state already says it is, and so that nothing is deployed (and billed) that nobody asked
to run:

* **The PUT goes first, always.** It is the step the API validates and may refuse (a timeout out
  of range, a hardware switch). Refused, nothing else has happened: an update that raises keeps
  the previous outputs, and they still describe the endpoint. Pausing first and then failing the
  PUT would leave a paused endpoint that the state records as running.
* **paused**: PUT, then pause at once, without waiting for the change to deploy: a paused endpoint
  bills nothing, and waiting would bill a redeployment nobody wants running. The API stores the
  new configuration and deploys it at the next resume, which is also when a configuration that
  cannot deploy shows. Should the API refuse to pause a deployment under way, the pause waits for
  it to settle and is sent again.
* **running, from paused**: PUT while paused, then resume. The resume deploys the new
  configuration: one deployment, where resume-then-PUT would deploy twice.
* **scaledToZero**: PUT, wait until the change has deployed, then scale to zero (from paused:
  resume, wait, scale to zero). A scaled-to-zero endpoint promises to wake up on the next request,
  so its configuration is proven to deploy before its replicas go.
* **running, never fighting autoscaling**: with ``min_replica`` 0, ``scaledToZero`` is a settled
  form of running (huggingface_hub's ``wait()`` loops on it forever; this does not). A resume is
  sent only to a paused endpoint, or to a scaled-to-zero one whose ``min_replica`` is at least 1,
  which the service never scales to zero by itself.

This module imports nothing from Pulumi.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final, Protocol

from pulumi_huggingface.errors import (
    BadRequestError,
    HuggingFaceError,
    ServerError,
    TransportError,
    UnexpectedResponseError,
)
from pulumi_huggingface.schema import PAUSED, RUNNING, SCALED_TO_ZERO, endpoint_status, settled_states
from pulumi_huggingface.waiting import Deadline, EndpointReader, wait_for_state

__all__ = ["StateClient", "converge"]

# States of a deployment under way, which the API may refuse to interrupt ([I]: undocumented).
_DEPLOYING: Final = frozenset({"pending", "initializing", "updating"})
# How often in all a call whose answer was lost, and whose effect the endpoint does not show, is sent.
_LOST_ANSWER_SENDS: Final = 3


class StateClient(EndpointReader, Protocol):
    """The client calls `converge` makes (`EndpointsClient` has them all)."""

    def update_endpoint(self, namespace: str, name: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        """PUT a partial configuration; return the endpoint."""
        ...

    def pause_endpoint(self, namespace: str, name: str) -> dict[str, Any]:
        """Pause; return the endpoint."""
        ...

    def resume_endpoint(self, namespace: str, name: str) -> dict[str, Any]:
        """Resume; return the endpoint."""
        ...

    def scale_to_zero_endpoint(self, namespace: str, name: str) -> dict[str, Any]:
        """Scale to zero; return the endpoint."""
        ...


class _Run:
    """One convergence: the endpoint, the deadline and the progress sink, shared by every step."""

    def __init__(
        self,
        client: StateClient,
        namespace: str,
        name: str,
        *,
        min_replica: int | None,
        deadline: Deadline,
        on_progress: Callable[[str], None],
        put: Callable[[Mapping[str, Any]], dict[str, Any]],
    ) -> None:
        self.client = client
        self.send_put = put
        self.namespace = namespace
        self.name = name
        self.min_replica = min_replica
        self.deadline = deadline
        self.on_progress = on_progress

    def say(self, doing: str, target: str) -> None:
        self.on_progress(
            f"huggingface: {doing} endpoint {self.namespace}/{self.name} (desired_state {target!r})"
        )

    def wait(
        self, current: Mapping[str, Any], accept: frozenset[str], changed_since: str | None = None
    ) -> dict[str, Any]:
        return wait_for_state(
            self.client,
            self.namespace,
            self.name,
            accept=accept,
            deadline=self.deadline,
            on_progress=self.on_progress,
            initial=current,
            changed_since=changed_since,
        )

    def send(
        self, doing: str, call: Callable[[], dict[str, Any]], took_effect: Callable[[Mapping[str, Any]], bool]
    ) -> dict[str, Any]:
        """Send a call that is not idempotent; if its answer is lost, look before sending it again.

        Each PUT, pause or resume sent deploys, pauses or wakes the endpoint once more, so the client
        does not retry one the server may have acted on. Here the endpoint is read instead: if it
        shows the call's effect, the call landed and the endpoint as read is its answer; if not, the
        call is sent again (at most `_LOST_ANSWER_SENDS` times in all, within the deadline).
        """
        sent = 0
        while True:
            sent += 1
            try:
                return call()
            except (ServerError, TransportError, UnexpectedResponseError) as exc:
                if isinstance(exc, TransportError) and not exc.request_may_have_reached_server:
                    raise
                try:
                    seen = self.client.get_endpoint(self.namespace, self.name)
                except HuggingFaceError:
                    raise exc from None
                if took_effect(seen):
                    self.on_progress(
                        f"huggingface: the answer to {doing} endpoint {self.namespace}/{self.name} was lost "
                        f"({type(exc).__name__}), but the endpoint shows it took effect: continuing"
                    )
                    return seen
                if sent >= _LOST_ANSWER_SENDS or self.deadline.expired():
                    raise
                self.on_progress(
                    f"huggingface: the answer to {doing} endpoint {self.namespace}/{self.name} was lost "
                    f"({type(exc).__name__}) and the endpoint shows no sign of it: sending it again"
                )

    def put(self, payload: Mapping[str, Any], target: str, changed_since: str | None) -> dict[str, Any]:
        def took_effect(seen: Mapping[str, Any]) -> bool:
            # A PUT moves `updatedAt` and starts a deployment (a paused endpoint stays paused).
            moved = changed_since is not None and endpoint_status(seen, "updatedAt") not in (
                None,
                changed_since,
            )
            return moved or endpoint_status(seen, "state") in _DEPLOYING

        try:
            return self.send("updating", lambda: self.send_put(payload), took_effect)
        except BadRequestError as exc:
            try:
                state = endpoint_status(self.client.get_endpoint(self.namespace, self.name), "state")
            except HuggingFaceError:
                raise exc from None
            if state in (PAUSED, SCALED_TO_ZERO):
                # The API may refuse configuration changes to an endpoint without replicas ([I]);
                # its message alone would not say that the order of two runs is the way out.
                exc.args = (
                    f"{exc} The endpoint is {state}. If the API refuses this change while it is {state}, "
                    f"set desired_state='running' and run `pulumi up`, then apply the change"
                    + (f" and set desired_state={target!r} again." if target != RUNNING else "."),
                )
            raise

    def resume(self) -> dict[str, Any]:
        try:
            return self.send(
                "resuming",
                lambda: self.client.resume_endpoint(self.namespace, self.name),
                lambda seen: endpoint_status(seen, "state") not in (PAUSED, SCALED_TO_ZERO),
            )
        except BadRequestError as exc:
            # [D] huggingface_hub's `running_ok`: 400 with "already running" means there is nothing to do.
            if "already running" not in str(exc).lower():
                raise
            return self.client.get_endpoint(self.namespace, self.name)

    def send_pause(self) -> dict[str, Any]:
        return self.send(
            "pausing",
            lambda: self.client.pause_endpoint(self.namespace, self.name),
            lambda seen: endpoint_status(seen, "state") == PAUSED,
        )

    def pause(self, current: Mapping[str, Any]) -> dict[str, Any]:
        try:
            return self.send_pause()
        except BadRequestError:
            if endpoint_status(current, "state") not in _DEPLOYING:
                raise
            # Refused mid-deployment ([I]): let the deployment settle, then pause.
            self.wait(current, settled_states(0))
            return self.send_pause()

    def to_paused(self, current: Mapping[str, Any]) -> dict[str, Any]:
        if endpoint_status(current, "state") != PAUSED:
            self.say("pausing", PAUSED)
            current = self.pause(current)
        return self.wait(current, frozenset({PAUSED}))

    def to_scaled_to_zero(self, current: Mapping[str, Any], changed_since: str | None) -> dict[str, Any]:
        if endpoint_status(current, "state") == PAUSED:
            self.say("resuming (to scale it to zero once it runs)", SCALED_TO_ZERO)
            current = self.resume()
            changed_since = None
        # Deployed first (running, or already at zero): see the module docstring.
        current = self.wait(current, frozenset({RUNNING, SCALED_TO_ZERO}), changed_since)
        if endpoint_status(current, "state") != SCALED_TO_ZERO:
            self.say("scaling to zero", SCALED_TO_ZERO)
            current = self.send(
                "scaling to zero",
                lambda: self.client.scale_to_zero_endpoint(self.namespace, self.name),
                lambda seen: endpoint_status(seen, "state") == SCALED_TO_ZERO,
            )
        return self.wait(current, frozenset({SCALED_TO_ZERO}))

    def to_running(self, current: Mapping[str, Any], changed_since: str | None) -> dict[str, Any]:
        accept = settled_states(self.min_replica)
        state = endpoint_status(current, "state")
        if state == PAUSED or (state == SCALED_TO_ZERO and state not in accept):
            self.say("resuming", RUNNING)
            current = self.resume()
            changed_since = None
        return self.wait(current, accept, changed_since)


def converge(
    client: StateClient,
    namespace: str,
    name: str,
    *,
    target: str,
    min_replica: int | None,
    payload: Mapping[str, Any],
    current: Mapping[str, Any] | None,
    deadline: Deadline,
    on_progress: Callable[[str], None],
    updated_at: str | None = None,
    put: Callable[[Mapping[str, Any]], dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Apply a configuration change and the declared operational state; wait until it is reached.

    Args:
        client: The API client.
        namespace: The endpoint's namespace.
        name: The endpoint's name.
        target: The declared state: ``running``, ``paused`` or ``scaledToZero``.
        min_replica: The declared minimum replica count (None: the default, 1); with 0, an
            endpoint declared running has also settled when scaled to zero.
        payload: The PUT body; empty to change no configuration.
        current: The endpoint as last seen (a POST's answer, an adopted endpoint); None to read
            it (without a PUT) or to take the PUT's answer.
        deadline: When to give up waiting.
        on_progress: Receives progress lines.
        updated_at: The endpoint's ``updatedAt`` recorded before this change, when ``current`` is
            None, so that a PUT's answer still showing the old state is not taken as applied.
        put: Sends the PUT (the provider's waits out a 409 from a busy endpoint); by default
            ``client.update_endpoint``.

    Returns:
        The endpoint's JSON in the declared state.

    Raises:
        ApiError: A call was refused; a PUT refused while paused or scaled to zero says how to
            apply it in two runs.
        EndpointFailedError: The endpoint reached ``failed`` or ``updateFailed``.
        DeadlineExceededError: The state was not reached in time.
    """
    run = _Run(
        client,
        namespace,
        name,
        min_replica=min_replica,
        deadline=deadline,
        on_progress=on_progress,
        put=put or (lambda body: client.update_endpoint(namespace, name, body)),
    )
    changed_since: str | None = None
    if payload:
        changed_since = endpoint_status(current, "updatedAt") if current is not None else updated_at
        current = run.put(payload, target, changed_since)
    elif current is None:
        current = client.get_endpoint(namespace, name)
    if target == PAUSED:
        return run.to_paused(current)
    if target == SCALED_TO_ZERO:
        return run.to_scaled_to_zero(current, changed_since)
    return run.to_running(current, changed_since)
