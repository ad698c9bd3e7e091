"""Bringing an existing endpoint to its declaration, and deleting one, with conflicts waited out.

`put` sends a PUT and, when the endpoint is busy with another change (409), waits for it to settle
and sends it again; `apply` runs one convergence (`transitions.converge`: one PUT, then pause,
resume or scale to zero) through it; `converge_found` brings an endpoint found under the name (one
this resource left, or one adopted) to the declared configuration; `delete` deletes and waits until
the name is free.

This module imports nothing from Pulumi.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

from pulumi_huggingface import schema, validation, waiting
from pulumi_huggingface.errors import (
    ConflictError,
    DeadlineExceededError,
    EndpointOperationError,
    FoundEndpointDiffersError,
    NotFoundError,
)
from pulumi_huggingface.lifecycle import ownership, transitions
from pulumi_huggingface.lifecycle.outputs import declared_outputs
from pulumi_huggingface.schema import FIELDS, FIELDS_BY_NAME, Mutability

if TYPE_CHECKING:
    from pulumi_huggingface.client import EndpointsClient

__all__ = [
    "EndpointCall",
    "apply",
    "converge_found",
    "delete",
    "find",
    "put",
    "request_delete",
]

# After a 409 on a busy endpoint: a pause between its settling and the retried request.
_CONFLICT_GAP_SECONDS: Final = 1.0
# States from which a 409 for a busy endpoint no longer applies: those a program can declare, and
# the failed ones.
_NOT_BUSY: Final = frozenset(schema.DESIRED_STATES) | waiting.FAILED_STATES


@dataclasses.dataclass(frozen=True)
class EndpointCall:
    """What every step of one provider call on one endpoint shares.

    Attributes:
        client: The API client.
        namespace: The endpoint's namespace.
        name: The endpoint's name.
        deadline: When the call gives up waiting.
        clock: The sleep between attempts (and the time of any further deadline).
        progress: Receives progress lines, scrubbed of secrets.
    """

    client: EndpointsClient
    namespace: str
    name: str
    deadline: waiting.Deadline
    clock: waiting.Clock
    progress: Callable[[str], None]

    def with_deadline(self, deadline: waiting.Deadline) -> EndpointCall:
        """The same call with another deadline (a cleanup has its own)."""
        return dataclasses.replace(self, deadline=deadline)


def find(call: EndpointCall) -> dict[str, Any] | None:
    """GET the endpoint; None if it does not exist (only a 404 reads as absent)."""
    try:
        return call.client.get_endpoint(call.namespace, call.name)
    except NotFoundError:
        return None


def put(call: EndpointCall, payload: Mapping[str, Any]) -> dict[str, Any]:
    """Send a PUT; a 409 (endpoint busy with another change) is waited out and the PUT sent again.

    A PUT is idempotent (the API merges it), so sending it again after the endpoint settled is safe.
    """
    while True:
        try:
            return call.client.update_endpoint(call.namespace, call.name, payload)
        except ConflictError as exc:
            _wait_out_conflict(call, exc, "update")


def apply(
    call: EndpointCall,
    *,
    target: str,
    min_replica: int | None,
    payload: Mapping[str, Any],
    current: Mapping[str, Any] | None,
    updated_at: str | None = None,
) -> dict[str, Any]:
    """Send `payload` (if any) and reach the operational state `target`; see `transitions.converge`."""
    return transitions.converge(
        call.client,
        call.namespace,
        call.name,
        target=target,
        min_replica=min_replica,
        payload=payload,
        current=current,
        deadline=call.deadline,
        on_progress=call.progress,
        updated_at=updated_at,
        put=lambda body: put(call, body),
    )


def converge_found(
    call: EndpointCall,
    props: Mapping[str, Any],
    existing: Mapping[str, Any],
    *,
    retag: bool = False,
    send_unreadable: bool = True,
) -> dict[str, Any]:
    """Bring an endpoint found under the name to the declared configuration with one PUT and to the
    declared operational state, and wait for it.

    Args:
        call: The endpoint and the call's deadline.
        props: The checked inputs.
        existing: The endpoint's JSON as found.
        retag: The endpoint is this resource's (left by an earlier attempt or run): it also gets
            this resource's hidden tags if it lacks them. An adopted one keeps its tags unless the
            program declares some.
        send_unreadable: Send the declared secrets and registry credentials, which cannot be read
            back; without it (``secrets_already_set``) they are taken to be the endpoint's and
            are sent only with a change that needs them.

    Raises:
        FoundEndpointDiffersError: The endpoint differs in inputs that cannot change in place;
            nothing was sent.
    """
    namespace, name = call.namespace, call.name
    current = declared_outputs(namespace, props, existing, applied=False)
    # The engine calls create only once every input is known.
    changed = schema.changed_fields(current, props, is_unknown=lambda _value: False)
    hidden = [*ownership.owner_tags(existing), *ownership.identity_tags(existing)]
    if retag and "tags" not in changed and sorted(hidden) != sorted(ownership.hidden_tags(props)):
        # An endpoint an earlier run left carries that run's token. From now on it must carry
        # this resource's, for a replay of this create to recognise it: the tags go out.
        changed.append("tags")
    fixed = [name_ for name_ in changed if FIELDS_BY_NAME[name_].mutability is Mutability.REPLACE]
    if fixed:
        details = ", ".join(f"{key} is {current.get(key)!r} there" for key in fixed)
        if retag:
            # An earlier run of this resource left it, declared otherwise since; or another
            # stack of the same names on another backend runs it (the identity cannot tell).
            # Deleting it is the user's call, never this create's.
            raise FoundEndpointDiffersError(
                f"Cannot take over inference endpoint {namespace}/{name}, which carries this "
                f"resource's identity tag: {details}, and the program declares otherwise; these "
                "cannot change in place. An earlier `pulumi up` of this resource was probably "
                "interrupted after creating it, though a stack of the same organization, project, "
                "stack and resource names on another backend would carry the same tag. If no "
                "stack's state holds it, delete it "
                f"(`hf endpoints delete {name} --namespace {namespace}`) and run `pulumi up` again "
                "to create it as declared; otherwise declare its values, or choose another name."
            )
        raise FoundEndpointDiffersError(
            f"Cannot adopt inference endpoint {namespace}/{name}: {details}, and the program declares "
            "otherwise; these cannot change in place. Declare the existing values, "
            "or choose another name."
        )
    # Secrets and registry credentials cannot be read back, so whatever the program declares is sent.
    unreadable = [
        f.name
        for f in FIELDS
        if send_unreadable and f.readback is schema.Readback.NEVER and props.get(f.name) is not None
    ]
    payload = schema.update_payload([*changed, *unreadable], props)
    # The declared operational state is applied like the rest: adopting a paused endpoint
    # resumes it unless the program declares desired_state 'paused'.
    return apply(
        call,
        target=props.get("desired_state") or schema.RUNNING,
        min_replica=props.get("min_replica"),
        payload=payload,
        current=existing,
    )


def request_delete(call: EndpointCall) -> bool:
    """Send the DELETE; False if the endpoint was already gone.

    A 409 (the endpoint busy with a deployment, should the API refuse a delete then) is waited
    out: the endpoint is polled until it leaves its transitional state, then deleted again,
    within the deadline.
    """
    while True:
        try:
            call.client.delete_endpoint(call.namespace, call.name)
        except NotFoundError:
            return False
        except ConflictError as exc:
            _wait_out_conflict(call, exc, "delete")
            continue
        return True


def delete(call: EndpointCall) -> None:
    """Delete the endpoint and wait until its name is free; an endpoint already gone is success.

    Raises:
        EndpointOperationError: The endpoint still existed at the deadline.
    """
    if not request_delete(call):
        return
    try:
        waiting.wait_until_absent(
            call.client, call.namespace, call.name, deadline=call.deadline, on_progress=call.progress
        )
    except DeadlineExceededError as exc:
        raise EndpointOperationError(
            f"Inference endpoint {exc.namespace}/{exc.name} was asked to delete but still existed after "
            f"{validation.format_duration(exc.waited_seconds)}. Run `pulumi destroy` (or `pulumi up`) again "
            "once it is gone; raise timeouts['delete'] if deletions take longer."
        ) from None


def _wait_out_conflict(call: EndpointCall, exc: ConflictError, action: str) -> None:
    """After a 409 on an endpoint being changed, wait until it leaves its transitional state."""
    namespace, name = call.namespace, call.name
    if call.deadline.expired():
        raise EndpointOperationError(
            f"Could not {action} inference endpoint {namespace}/{name}: the API kept refusing with 409 "
            f"({exc.server_message}) until the {action} timeout passed. Wait for the endpoint to finish "
            f"its current change (see https://endpoints.huggingface.co/{namespace}/endpoints/{name}), "
            f"then run again; raise timeouts['{action}'] if changes take longer."
        ) from None
    # Through the scrubbing progress sink: the server's message may quote what was sent.
    call.progress(
        f"huggingface: endpoint {namespace}/{name} is busy ({exc.server_message or 'conflict'}): "
        f"waiting for it to settle before retrying the {action}"
    )
    try:
        waiting.wait_for_state(
            call.client, namespace, name, accept=_NOT_BUSY, deadline=call.deadline, on_progress=call.progress
        )
    except DeadlineExceededError:
        pass  # the next attempt's 409 (or success) decides
    except NotFoundError:
        return
    call.clock.sleep(_CONFLICT_GAP_SECONDS)
