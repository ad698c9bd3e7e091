"""Creating an endpoint without ever losing track of one: the POST, answers lost on the way, taking
over or adopting an endpoint found under the name, and the cleanup of only what the call made.

The engine keeps nothing of a create that raises, so a create is transactional for what it makes:
when `create` raises, no endpoint made by this call's POST is left behind, or the message names the
one that is and how to remove it. An endpoint found under the name is never this call's to delete:

* one carrying this resource's owner tag (an interrupted attempt of the same create left it) or its
  identity tag (an earlier, failed or interrupted run of the same resource left it) is taken over
  instead of failing on its name;
* someone else's is adopted only when the program sets ``adopt_existing``;
* if bringing a found endpoint to its declaration fails, it stays, and the message says in what
  state and what to do.

Before an autonamed create, endpoints an earlier run of the resource left under other names are
reported, since they cannot be taken over under the new name.

This module imports nothing from Pulumi.
"""

from __future__ import annotations

import dataclasses
import enum
import threading
from collections.abc import Callable, Mapping
from typing import Any, Final

from pulumi_huggingface import schema, validation, waiting
from pulumi_huggingface.errors import (
    AuthenticationError,
    ConflictError,
    EndpointOperationError,
    FoundEndpointDiffersError,
    HuggingFaceError,
    RateLimitedError,
    ServerError,
    TransportError,
    UnexpectedResponseError,
)
from pulumi_huggingface.lifecycle import catalogue, converge, declaration, ownership
from pulumi_huggingface.lifecycle.converge import EndpointCall
from pulumi_huggingface.lifecycle.ownership import INTERNAL_CREATION_TOKEN, INTERNAL_RESOURCE_IDENTITY
from pulumi_huggingface.schema import INTERNAL_RESOURCE_NAME

__all__ = ["EndpointOrigin", "EndpointsSeenInState", "create"]

# After a create whose answer was lost, the API may take a moment to list the endpoint.
_LOST_CREATE_LOOKS: Final = 3
_LOST_CREATE_GAP_SECONDS: Final = 5.0
# A create whose answer was lost, and whose name is then free, is sent again at most this often in all.
_LOST_CREATE_POSTS: Final = 3
# How long a 409 on a name that reads as absent (held after a delete) is retried, and how often.
_NAME_RELEASE_SECONDS: Final = 120.0
_NAME_RELEASE_GAP_SECONDS: Final = 5.0


class EndpointOrigin(enum.Enum):
    """Where the endpoint a create continues with came from, which decides whether a failure of the
    create may delete it (`made_by_this_call`)."""

    #: This call's POST made it and said so.
    CREATED_NOW = "created"
    #: It carries this create's owner tag and appeared after one of this call's POSTs lost its
    #: answer: that POST made it.
    CREATED_BY_A_LOST_POST = "recovered"
    #: It carries this create's owner tag but was there before this call's first POST: an earlier
    #: attempt of the same create (the plugin died) made it, or took it over and retagged it.
    LEFT_BY_AN_EARLIER_ATTEMPT = "replayed"
    #: It carries this resource's identity tag: an earlier run of the resource left it.
    LEFT_BY_AN_EARLIER_RUN = "taken over"
    #: Someone else's, taken over because ``adopt_existing`` is set.
    ADOPTED = "adopted"

    @property
    def made_by_this_call(self) -> bool:
        """Whether a POST of this very call made the endpoint: only then may a failure delete it."""
        return self in (EndpointOrigin.CREATED_NOW, EndpointOrigin.CREATED_BY_A_LOST_POST)


# How the error of a failed create describes an endpoint it found and leaves in place.
_WHY_IT_WAS_FOUND: Final = {
    EndpointOrigin.LEFT_BY_AN_EARLIER_ATTEMPT: "an earlier attempt of this same create made it",
    EndpointOrigin.LEFT_BY_AN_EARLIER_RUN: "it was taken over by this resource's identity tag",
    EndpointOrigin.ADOPTED: "it was adopted, as adopt_existing=True asks",
}


class EndpointsSeenInState:
    """The endpoints that diffs in this plugin process saw in state, by resource identity.

    An endpoint carrying a resource's identity but not its creation token is either one an earlier,
    interrupted run of the resource left behind (no state knows it), or the endpoint the resource
    has in state right now, while the engine replaces it: the replacement is checked afresh, so it
    has a new token, and unless it deletes first the old endpoint still exists when it is created.
    Create receives only the new inputs and cannot tell these apart; diff can. The engine diffs
    every resource it has in state before it replaces it, and in `pulumi up` it calls Diff, then
    Check and Create for the replacement, on the same plugin process and the same provider
    instance (the server caches one instance per `__provider` pickle, and Diff and Create both
    take it from the new inputs). So every id that diff saw for an identity is remembered, and
    create neither warns about it as an orphan nor takes it over.

    Forced replacements (`pulumi up --replace`, `replace_on_changes`) are decided by the engine
    after it has called Diff, so they are covered too. The record is only as good as that
    sequence: a Create sent to a process that never diffed the resource (our own replays in tests)
    sees nothing, which is why the orphan warning is worded to be safe for an endpoint being
    replaced as well. Thread-safe.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids: dict[str, set[str]] = {}

    def remember(self, identity: str, id_: str) -> None:
        """Record that a diff saw the endpoint `id_` (``namespace/name``) in state for `identity`."""
        with self._lock:
            self._ids.setdefault(identity, set()).add(id_)

    def ids_of(self, identity: str) -> frozenset[str]:
        """Return the endpoint ids diffs saw in state for the resource with `identity`."""
        with self._lock:
            return frozenset(self._ids.get(identity, ()))


def create(
    call: EndpointCall,
    props: Mapping[str, Any],
    *,
    seen_in_state: EndpointsSeenInState,
    delete_seconds: float,
    info: Callable[[str], None],
    warn: Callable[[str], None],
    scrub: Callable[[str], str],
) -> dict[str, Any]:
    """Create the endpoint (or take over one this resource already made) and wait until it settles.

    Args:
        call: The endpoint to create, the create's deadline and where its progress goes.
        props: The checked inputs.
        seen_in_state: The endpoints diffs saw in state, never taken over nor reported.
        delete_seconds: How long the cleanup after a failure may take (``timeouts['delete']``).
        info: Receives lines about what the create decided.
        warn: Receives warnings.
        scrub: Blanks secrets out of text taken from errors.

    Returns:
        The endpoint's JSON in its declared state.

    Raises:
        EndpointOperationError: The name is taken by an endpoint that is not this resource's, or
            the outcome of the POST cannot be established; nothing is left that the message does
            not name.
        HuggingFaceError: The create or the wait failed; the message says what became of the
            endpoint.
    """
    return _Creation(call, props, seen_in_state, delete_seconds, info, warn, scrub).run()


@dataclasses.dataclass(frozen=True)
class _Creation:
    """One create: the endpoint, the declared inputs, and where its lines go (see `create`)."""

    call: EndpointCall
    props: Mapping[str, Any]
    seen_in_state: EndpointsSeenInState
    delete_seconds: float
    info: Callable[[str], None]
    warn: Callable[[str], None]
    scrub: Callable[[str], str]

    @property
    def namespace(self) -> str:
        """The endpoint's namespace."""
        return self.call.namespace

    @property
    def name(self) -> str:
        """The endpoint's name."""
        return self.call.name

    def run(self) -> dict[str, Any]:
        """Check the hardware, POST (or find the endpoint under the name), and bring the endpoint
        to its declaration; on failure, delete it only if this call made it."""
        catalogue.check_hardware(
            self.call.client, self.namespace, self.props, lambda line: self.warn(self.scrub(line))
        )
        adopt = bool(self.props.get("adopt_existing"))
        existing = converge.find(self.call) if adopt else None
        if existing is not None:
            endpoint, origin = existing, self._take_found_or_refuse(existing, adopt=True)
            if origin is EndpointOrigin.CREATED_BY_A_LOST_POST:
                # Found before this call sent any POST: an earlier attempt's.
                origin = EndpointOrigin.LEFT_BY_AN_EARLIER_ATTEMPT
        else:
            if "name" in declaration.filled_in(self.props):
                self._report_orphans()
            endpoint, origin = self._post_and_find_out(adopt=adopt)
        try:
            return self._bring_to_declaration(endpoint, origin)
        except Exception as exc:
            # The engine keeps nothing of a create that raises. An endpoint this call made would
            # be billed and known to no state: it is removed, or the error says what is left. One
            # it found is not this call's to delete (it may serve someone, and the identity tag
            # cannot tell two backends' stacks apart): it stays, and the error says so.
            if origin.made_by_this_call:
                self._delete_what_this_call_made(exc)
            elif not isinstance(exc, FoundEndpointDiffersError):
                self._say_it_was_left_in_place(exc, origin)
            raise

    # --- whose endpoint is it ----------------------------------------------------------------

    def _seen_in_state(self, name: str) -> bool:
        """Whether a diff in this process saw the endpoint in state for this resource."""
        identity = self.props.get(INTERNAL_RESOURCE_IDENTITY)
        return isinstance(identity, str) and f"{self.namespace}/{name}" in self.seen_in_state.ids_of(identity)

    def _report_orphans(self) -> None:
        """Warn about endpoints an earlier, interrupted run of this resource left under other autonames.

        Such an endpoint cannot be taken over: the outputs must echo the name check chose, and the
        API cannot rename an endpoint. The endpoint this resource has in state (seen by diff, see
        `EndpointsSeenInState`) is skipped: in a create-before-delete replacement it is the one
        being replaced, and the engine deletes it at the end of the update. Looking is advisory: if
        the list fails, the create goes on.
        """
        namespace, name, props = self.namespace, self.name, self.props
        tag = ownership.identity_tag(props.get(INTERNAL_RESOURCE_IDENTITY))
        if tag is None:
            return
        try:
            # Filtered by the API where it supports `tags`; checked again here where it does not.
            listed = self.call.client.list_endpoints(namespace, tags=[tag])
        except AuthenticationError:
            raise
        except HuggingFaceError as exc:
            self.warn(
                self.scrub(
                    f"huggingface: could not look for endpoints an interrupted run of this resource may "
                    f"have left in {namespace} ({exc}); creating {namespace}/{name} anyway"
                )
            )
            return
        resource = props.get(INTERNAL_RESOURCE_NAME)
        label = f"resource {resource!r}" if isinstance(resource, str) else "this resource"
        for endpoint in listed:
            other = endpoint.get("name")
            if (
                not isinstance(other, str)
                or other == name
                or not ownership.carries_identity_tag(endpoint, props)
                or ownership.carries_owner_tag(endpoint, props)
                or self._seen_in_state(other)
            ):
                continue
            self.warn(
                f"huggingface: endpoint {namespace}/{other} carries the identity tag of {label} "
                f"({tag}) but not the tag of this create: an earlier `pulumi up` of the same resource "
                f"in this stack was interrupted or failed after creating it, so no state may know it "
                f"and it may be billed. It cannot be taken over under the new name {name}, which is "
                f"created beside it. If it is in no stack's state (`pulumi stack export` does not "
                f"mention {other}; an endpoint this update is replacing is, and Pulumi deletes that one "
                f"itself), delete it: `hf endpoints delete {other} --namespace {namespace}` or "
                f"https://endpoints.huggingface.co/{namespace}/endpoints/{other}."
            )

    def _take_found_or_refuse(
        self, existing: Mapping[str, Any], *, adopt: bool, lost: bool = False
    ) -> EndpointOrigin:
        """Decide whether an endpoint found under the name may be taken: ours, or adopted on request.

        Ours is an endpoint with this resource's owner tag (this create's own earlier attempt) or
        with its identity tag (an earlier run of the same resource, interrupted or failed, whose
        token is lost with the inputs it never stored), unless a diff showed that endpoint in state:
        then it is the endpoint this resource is replacing, and taking it over would hand it to the
        replacement just before the engine deletes the old resource.

        Returns:
            `CREATED_BY_A_LOST_POST` for one with the owner tag (the caller tells whether this
            call's POST can have made it), `LEFT_BY_AN_EARLIER_RUN` or `ADOPTED`.

        Raises:
            EndpointOperationError: The endpoint may not be taken; the message says why and what to do.
        """
        namespace, name, props = self.namespace, self.name, self.props
        if ownership.carries_owner_tag(existing, props):
            return EndpointOrigin.CREATED_BY_A_LOST_POST
        if self._seen_in_state(name):
            raise EndpointOperationError(
                f"Cannot create the replacement of inference endpoint {namespace}/{name} under the same "
                "name: the endpoint it replaces still exists and is in this stack's state. Replace it "
                "delete-first (ResourceOptions(delete_before_replace=True)), or give the replacement "
                "another name."
            )
        if ownership.carries_identity_tag(existing, props):
            tag = ownership.identity_tag(props.get(INTERNAL_RESOURCE_IDENTITY))
            self.info(
                f"huggingface: endpoint {namespace}/{name} carries this resource's identity tag ({tag}): "
                "an earlier `pulumi up` of the same resource was interrupted or failed after creating "
                "it. Taking it over and applying the declared configuration."
            )
            return EndpointOrigin.LEFT_BY_AN_EARLIER_RUN
        if adopt:
            return EndpointOrigin.ADOPTED
        foreign = ownership.owner_tags(existing)
        identities = ownership.identity_tags(existing)
        if identities:
            maker = (
                f"It carries the tag {identities[0]!r}: another Pulumi resource created it (another "
                "resource name, parent, stack, project or organization)."
            )
        elif foreign:
            # Made by a version of the provider before identity tags: nothing tells whether it was
            # this resource.
            maker = (
                f"It carries the tag {foreign[0]!r}: another Pulumi resource created it, possibly this one "
                "in an earlier run that was interrupted, or another stack."
            )
        else:
            maker = "It was not created by this Pulumi resource."
        race = " (it appeared while this create's answer was lost)" if lost else ""
        raise EndpointOperationError(
            f"An inference endpoint named {namespace}/{name} already exists{race}. {maker} To manage it "
            "with this program, set adopt_existing=True on the resource and run again (the declared "
            "configuration is then applied to it); if nothing should own it, delete it; otherwise choose "
            "another name, or leave `name` out to get a generated one."
        )

    # --- the POST ----------------------------------------------------------------------------

    def _post_and_find_out(self, *, adopt: bool) -> tuple[dict[str, Any], EndpointOrigin]:
        """POST the endpoint and establish what exists afterwards.

        Returns the endpoint and where it came from: created now, created by one of this call's
        POSTs whose answer was lost, left by an earlier attempt or run, or adopted (someone else's,
        with ``adopt_existing``).

        A POST is sent again only once a GET has shown that the name is free: names are unique in a
        namespace and the owner tag tells our endpoint from anyone else's, so a second POST can never
        make a second endpoint, and a first one that lands late is recognised as ours.
        """
        namespace, name, client = self.namespace, self.name, self.call.client
        payload = schema.create_payload(self.props)
        tagged = ownership.owner_tag(self.props.get(INTERNAL_CREATION_TOKEN)) is not None
        lost_answers = 0
        held_since: float | None = None
        while True:
            try:
                return client.create_endpoint(namespace, payload), EndpointOrigin.CREATED_NOW
            except ConflictError as exc:
                existing = self._look_up_after_post()
                if existing is None:
                    held_since = self._wait_for_name_release(exc, held_since)
                    continue
                origin = self._take_found_or_refuse(existing, adopt=adopt)
                if origin is EndpointOrigin.CREATED_BY_A_LOST_POST and not lost_answers:
                    # No POST of this call can have made it: an earlier attempt of this create did.
                    origin = EndpointOrigin.LEFT_BY_AN_EARLIER_ATTEMPT
                return existing, origin
            except (ServerError, TransportError, UnexpectedResponseError) as exc:
                if isinstance(exc, TransportError) and not exc.request_may_have_reached_server:
                    raise
                lost_answers += 1
                found = self._look_up_after_post(looks=_LOST_CREATE_LOOKS, lost=exc)
                if found is not None:
                    origin = self._take_found_or_refuse(found, adopt=adopt, lost=True)
                    if origin is EndpointOrigin.CREATED_BY_A_LOST_POST:
                        self.info(
                            f"huggingface: the answer to creating endpoint {namespace}/{name} was lost, but "
                            "the endpoint exists and carries this resource's owner tag: continuing with it"
                        )
                    return found, origin
                if not tagged or lost_answers >= _LOST_CREATE_POSTS or self.call.deadline.expired():
                    raise EndpointOperationError(
                        f"Creating inference endpoint {namespace}/{name} got no usable answer ({exc}), "
                        "and no endpoint of that name exists, so nothing was created. Run `pulumi up` again."
                    ) from None
                self.info(
                    f"huggingface: the answer to creating endpoint {namespace}/{name} was lost and no "
                    "endpoint of that name exists: sending the create again"
                )

    def _look_up_after_post(self, *, looks: int = 1, lost: Exception | None = None) -> dict[str, Any] | None:
        """GET the name after a POST; None once it is absent `looks` times in a row.

        Failing reads are retried (the client already retried each); if the name's fate cannot be
        established at all, the error says exactly what may have been left behind.
        """
        namespace, name = self.namespace, self.name
        failures = 0
        look = 0
        while look < looks:
            try:
                found = converge.find(self.call)
            except (ServerError, TransportError, RateLimitedError, UnexpectedResponseError) as exc:
                failures += 1
                if failures >= _LOST_CREATE_LOOKS:
                    cause = f" after {lost}" if lost is not None else ""
                    raise EndpointOperationError(
                        f"Could not tell whether inference endpoint {namespace}/{name} was created{cause}: "
                        f"reading it back failed too ({exc}). It may exist and be billed without any "
                        "Pulumi state knowing about it: check "
                        f"https://endpoints.huggingface.co/{namespace}/endpoints and delete it "
                        f"(`hf endpoints delete {name} --namespace {namespace}`) or take it over with "
                        "adopt_existing=True."
                    ) from None
                self.call.clock.sleep(_LOST_CREATE_GAP_SECONDS)
                continue
            if found is not None:
                return found
            look += 1
            if look < looks:
                self.call.clock.sleep(_LOST_CREATE_GAP_SECONDS)
        return None

    def _wait_for_name_release(self, exc: ConflictError, held_since: float | None) -> float:
        """A 409 while the name reads as absent: a name still held after a delete.

        (A quota 409 is a `QuotaExceededError`, not a `ConflictError`: it never comes here.) A name
        still held by a deleted endpoint is released within moments ([I], emulator switch
        ``name_release_seconds``): the POST is retried, which is safe since a 409 means nothing was
        created, for at most `_NAME_RELEASE_SECONDS`.

        Returns:
            When the name was first found held, on the deadline's clock.
        """
        namespace, name, deadline = self.namespace, self.name, self.call.deadline
        now = deadline.elapsed()
        started = now if held_since is None else held_since
        if now - started >= _NAME_RELEASE_SECONDS or deadline.expired():
            raise EndpointOperationError(
                f"Creating inference endpoint {namespace}/{name} was refused with 409 ({exc.server_message}) "
                f"for {validation.format_duration(now - started)}, although no endpoint of that name "
                "exists: nothing was created. The name may still be held by an endpoint deleted moments "
                "ago; run again shortly, or choose another name."
            ) from None
        self.info(
            f"huggingface: the name {namespace}/{name} is still held by a deleted endpoint: "
            "retrying the create"
        )
        self.call.clock.sleep(_NAME_RELEASE_GAP_SECONDS)
        return started

    # --- after the POST ----------------------------------------------------------------------

    def _bring_to_declaration(self, endpoint: Mapping[str, Any], origin: EndpointOrigin) -> dict[str, Any]:
        """Bring the endpoint the create continues with to its declared configuration and state."""
        namespace, name, props = self.namespace, self.name, self.props
        if origin is EndpointOrigin.ADOPTED:
            self.info(f"huggingface: adopting existing endpoint {namespace}/{name} (adopt_existing=True)")
            return converge.converge_found(
                self.call, props, endpoint, send_unreadable=not props.get("secrets_already_set")
            )
        target = props.get("desired_state") or schema.RUNNING
        if target == schema.PAUSED:
            # The API has no "create paused": pausing as soon as the POST is accepted is the least
            # billing way there (billing covers initializing and running), at the price of not
            # loading the model now.
            self.info(
                f"huggingface: endpoint {namespace}/{name} is created paused (desired_state 'paused'): "
                "its model is not deployed until it is resumed, so a model or image that cannot load "
                "shows then."
            )
        if origin is not EndpointOrigin.CREATED_NOW:
            # Converge anyway: it costs nothing when nothing differs, and an endpoint an earlier
            # run left may have been made from other inputs (and carries that run's token).
            return converge.converge_found(self.call, props, endpoint, retag=True)
        return converge.apply(
            self.call, target=target, min_replica=props.get("min_replica"), payload={}, current=endpoint
        )

    def _say_it_was_left_in_place(self, exc: Exception, origin: EndpointOrigin) -> None:
        """Add to a failed create's error what happened to the endpoint it found and did not delete."""
        namespace, name = self.namespace, self.name
        try:
            live = converge.find(self.call)
        except HuggingFaceError as read_exc:
            now = f"its state could not be read ({read_exc})"
        else:
            state = schema.endpoint_status(live, "state")
            now = f"it is {state}" if isinstance(state, str) else "it is in an unknown state"
            if live is None:
                now = "it no longer exists"
        again = (
            "run `pulumi up` again to adopt it once more"
            if origin is EndpointOrigin.ADOPTED
            else "run `pulumi up` again to take it over once more"
        )
        note = (
            f"The endpoint {namespace}/{name} existed before this create ({_WHY_IT_WAS_FOUND[origin]}) "
            f"and was left in place: {now}, and no Pulumi state records it. Fix what the error names "
            f"and {again}; if nothing should own it, delete it "
            f"(`hf endpoints delete {name} --namespace {namespace}`, or "
            f"https://endpoints.huggingface.co/{namespace}/endpoints/{name}); it is billed while it "
            "runs."
        )
        exc.args = (f"{exc} {note}",)

    def _delete_what_this_call_made(self, exc: Exception) -> None:
        """Delete the endpoint of a failed create, wait until it is gone, and add to the create's
        error what became of it. The cleanup has a deadline of its own (``timeouts['delete']``)."""
        namespace, name = self.namespace, self.name
        cleanup = self.call.with_deadline(waiting.Deadline(self.delete_seconds, self.call.clock))
        with cleanup.client.deadline(cleanup.deadline.at):
            try:
                converge.request_delete(cleanup)
            except Exception as cleanup_exc:
                note = (
                    f"The endpoint {namespace}/{name} was created but deleting it failed ({cleanup_exc}): "
                    "it still "
                    "exists, may be billed, and no Pulumi state knows about it. Delete it at "
                    f"https://endpoints.huggingface.co/{namespace}/endpoints/{name} or with "
                    f"`hf endpoints delete {name} --namespace {namespace}`, or take it over by setting "
                    "adopt_existing=True and running `pulumi up` again."
                )
            else:
                note = f"The endpoint {namespace}/{name} was deleted so that nothing is left behind."
                try:
                    waiting.wait_until_absent(
                        cleanup.client,
                        namespace,
                        name,
                        deadline=cleanup.deadline,
                        on_progress=cleanup.progress,
                    )
                except HuggingFaceError:
                    note = (
                        f"Deleting the endpoint {namespace}/{name} was requested so that nothing is left "
                        "behind, but it had not disappeared yet; check that it is gone before running again."
                    )
        exc.args = (f"{exc} {note}",)
