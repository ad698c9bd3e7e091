"""The dynamic provider: Pulumi's check / diff / create / read / update / delete for an endpoint.

A thin adapter: each method unwraps the engine's values, guards its errors (scrubbed of secrets),
and delegates to the Pulumi-free lifecycle core (`pulumi_huggingface.lifecycle`), then shapes what
the engine gets back.

The import path of `InferenceEndpointProvider` is part of every stack's state: the engine pickles
the provider by reference (``pulumi_huggingface.provider.InferenceEndpointProvider``) into each
resource's ``__provider``, and refresh and destroy unpickle it. Never move or rename it.

What the pickle holds is declarative only (`InferenceEndpointProvider.__getstate__`): no token, no
client, no settings. In the plugin process the engine calls `configure` with the stack config, and
the provider builds its client lazily from that config and the environment on the first API call,
so check and diff never need a token.

The provider server calls these methods from several worker threads on one instance at once: the
shared state is the lazily built client and settings, and the endpoints each diff saw in state
(`lifecycle.create.EndpointsSeenInState`), each guarded by a lock. Its stock pool runs only four
calls at a time, so `configure` widens it (`pulumi_huggingface._server`): endpoints declared
together then provision together, their waits served by one shared poller
(`pulumi_huggingface.waiting`).
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Final

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)
from pulumi.output import Unknown
from pulumi.runtime import rpc

from pulumi_huggingface import _server, schema, validation, waiting
from pulumi_huggingface.connection import ApiConnection, ClientFactory
from pulumi_huggingface.errors import (
    AuthenticationError,
    EndpointOperationError,
    NotFoundError,
    QuotaExceededError,
)
from pulumi_huggingface.lifecycle import catalogue, converge, declaration, ownership
from pulumi_huggingface.lifecycle.converge import EndpointCall
from pulumi_huggingface.lifecycle.create import EndpointsSeenInState, create
from pulumi_huggingface.lifecycle.outputs import declared_outputs, internal_inputs, live_outputs
from pulumi_huggingface.retry_progress import RetryProgressLines
from pulumi_huggingface.schema import FIELDS, FIELDS_BY_NAME, INTERNAL_RESOURCE_IDENTITY
from pulumi_huggingface.scrubbing import NAME_INPUTS, SecretScrubber, secret_values

if TYPE_CHECKING:
    # The client (and httpx under it, ~50 ms) is imported at the first API call (`connection`): the
    # program, which pickles this provider, and a preview, which only checks and diffs, never need it.
    import httpx

    from pulumi_huggingface.client import EndpointsClient

# `EndpointOperationError` lives in `errors` with the rest of the hierarchy; importable from here too.
__all__ = ["EndpointOperationError", "InferenceEndpointProvider"]

# Bumped if the pickled state ever needs migrating; old stacks keep unpickling.
_STATE_VERSION: Final = 1


def _is_unknown(value: Any) -> bool:
    return isinstance(value, Unknown) or (isinstance(value, str) and value == rpc.UNKNOWN)


def _unwrapped(value: Any) -> Any:
    """Strip the provider server's secret wrappers, should any reach the provider, and give whole
    numbers back their integer type.

    The engine carries every number as a double: without this, messages and outputs would read
    `scale_to_zero_timeout is 5.0` and `port: 8080.0`.
    """
    if rpc.is_rpc_secret(value):
        return _unwrapped(rpc.unwrap_rpc_secret(value))
    if isinstance(value, dict):
        return {key: _unwrapped(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_unwrapped(item) for item in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


class InferenceEndpointProvider(ResourceProvider):
    """Manages Hugging Face Inference Endpoints for `pulumi_huggingface.InferenceEndpoint`.

    Settings come from the stack config (``huggingface:token``, ``huggingface:namespace``,
    ``huggingface:apiUrl``, ``huggingface:pollInterval``) handed to `configure`, else the
    environment (``HF_TOKEN``); see `pulumi_huggingface.settings`.

    Args:
        transport: The httpx transport of the API client (tests pass an ``httpx.MockTransport`` or a
            ``httpx.WSGITransport`` around the emulator); None for real HTTP.
        client_factory: Builds the API client from the resolved settings, instead of the default
            `EndpointsClient`; it receives the settings and must check the token itself.
        clock: The time source and sleep of waits and client retries (tests pass fakes).
        environ: The environment to read credentials from; None for ``os.environ``.
        info: Receives progress lines; defaults to ``pulumi.log.info``.
        warn: Receives warnings; defaults to ``pulumi.log.warn``.

    None of these are pickled: in a stack's state the provider is the class reference alone.
    """

    def __init__(
        self,
        *,
        transport: httpx.BaseTransport | None = None,
        client_factory: ClientFactory | None = None,
        clock: waiting.Clock | None = None,
        environ: Mapping[str, str] | None = None,
        info: Callable[[str], None] | None = None,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__()
        self._clock = clock or waiting.Clock()
        self._info = info or pulumi.log.info
        self._warn = warn or pulumi.log.warn
        self._seen_in_state = EndpointsSeenInState()
        self._retry_lines = RetryProgressLines(self._info, self._clock.now)
        self._connection = ApiConnection(
            transport=transport,
            client_factory=client_factory,
            clock=self._clock,
            environ=environ,
            on_retry=self._retry_lines,
        )

    def __getstate__(self) -> dict[str, Any]:
        # Only declarative data goes into the pickle in state: never settings, a token or a client.
        return {"version": _STATE_VERSION}

    def __setstate__(self, state: dict[str, Any]) -> None:
        # The pickle is the class reference alone: unpickled, the provider starts as if just built.
        self.__init__()  # type: ignore[misc]

    def configure(self, req: ConfigureRequest) -> None:
        """Take the stack config (namespaced keys such as ``huggingface:token``) for later API calls.

        Nothing is resolved here, so a missing token fails only at the first API call. Inside the
        SDK's provider server this also widens the server's thread pool, so that many endpoints can
        be created (and waited for) at once.

        The same config again changes nothing. A different one takes effect for calls made from now
        on; the client built from the old one stays open until the calls running now have ended.
        """
        if _server.in_provider_server():
            # Outside the server (a program, a unit test) there is no pool to widen and nothing to warn about.
            _server.widen_server_pool()
            _server.shorten_error_messages()
            _server.exit_with_cli()
        # The SDK's Config exposes get/require by key only; the settings resolver wants the whole map.
        raw = getattr(req.config, "_props", None)
        self._connection.configure(dict(raw) if isinstance(raw, Mapping) else {})

    @contextlib.contextmanager
    def _call_on(
        self, client: EndpointsClient, namespace: str, name: str, seconds: float, scrub: SecretScrubber
    ) -> Iterator[EndpointCall]:
        """One call's hold on an endpoint: a deadline `seconds` from now, progress lines scrubbed.

        Client retries end at the call's deadline, so it answers in time; its retries are summarised.
        """

        def progress(line: str) -> None:
            self._info(scrub(line))

        deadline = waiting.Deadline(seconds, self._clock)
        call = EndpointCall(client, namespace, name, deadline, self._clock, progress)
        with client.deadline(deadline.at), self._retry_lines.summarised(f"endpoint {namespace}/{name}"):
            yield call

    # --- error hygiene ------------------------------------------------------------------------

    @contextlib.contextmanager
    def _guard(self, *props: Mapping[str, Any]) -> Iterator[SecretScrubber]:
        """Raise every error leaving a provider method scrubbed of the token and the resource's secrets.

        Every provider method runs inside it, so it also counts the calls in flight for `configure`.
        """
        values = [value for bag in props for value in secret_values(bag)]
        names = [bag[key] for bag in props for key in NAME_INPUTS if isinstance(bag.get(key), str)]
        scrub = SecretScrubber(values, self._known_token, names)
        with self._connection.call():
            try:
                yield scrub
            except QuotaExceededError as exc:
                explained = catalogue.explain_quota(
                    exc,
                    props[-1] if props else {},
                    lambda namespace: self._connection.client().list_hardware(namespace),
                )
                raise self._scrubbed(explained, scrub) from None
            except Exception as exc:
                raise self._scrubbed(exc, scrub) from None

    def _known_token(self) -> str | None:
        settings = self._connection.resolved
        return settings.token if settings is not None else None

    def _scrubbed(self, exc: Exception, scrub: SecretScrubber) -> Exception:
        settings = self._connection.resolved
        message = str(exc)
        if isinstance(exc, AuthenticationError) and settings is not None and settings.token_source:
            message += f" The token in use came from {settings.token_source}."
        message = scrub(message)
        try:
            clone = copy.copy(exc)
        except Exception:
            return EndpointOperationError(message)
        clone.args = (message,)
        server_message = getattr(clone, "server_message", None)
        if isinstance(server_message, str):
            clone.server_message = scrub(server_message)  # type: ignore[attr-defined]
        return clone

    @staticmethod
    def _scrub_outputs(outs: dict[str, Any], scrub: SecretScrubber) -> dict[str, Any]:
        """Blank the resource's secrets out of what the server says about the endpoint.

        `status_message` is free text from the API (a model's load error, say), which could quote an
        env or secret value; the outputs are stored in plain text.
        """
        message = outs.get("status_message")
        if isinstance(message, str):
            outs["status_message"] = scrub(message)
        return outs

    # --- check and diff: no API calls --------------------------------------------------------

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Validate the inputs, resolve aliases and choose the autoname, without any API call."""
        inputs = _unwrapped(dict(news))
        with self._guard(inputs):
            if inputs.get("type") == "protected":
                self._warn(
                    "huggingface: type 'protected' is deprecated; it means 'authenticated', "
                    "which is what the "
                    "endpoint gets. Write type='authenticated' to silence this warning."
                )
                inputs["type"] = "authenticated"
            previous = _unwrapped(olds or {})
            declaration.fill_in(previous if isinstance(previous, dict) else {}, inputs)
            problems = validation.validate(inputs, is_unknown=_is_unknown)
            return CheckResult(
                inputs, [CheckFailure(problem.property, problem.reason) for problem in problems]
            )

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Compare the previous outputs with the new inputs (`lifecycle.declaration.decide`)."""
        olds, news = _unwrapped(olds), _unwrapped(news)
        with self._guard(olds, news):
            identity = news.get(INTERNAL_RESOURCE_IDENTITY)
            if ownership.is_resource_identity(identity) and id_:
                # A create of this resource in this process may be its replacement, and must not
                # treat this endpoint as an orphan (`EndpointsSeenInState`).
                self._seen_in_state.remember(identity, id_)
            decided = declaration.decide(id_, olds, news, is_unknown=_is_unknown)
            return DiffResult(
                changes=decided.changes,
                replaces=decided.replaces,
                delete_before_replace=decided.delete_before_replace,
            )

    # --- create, read, update, delete ----------------------------------------------------------

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Create the endpoint (or take over one this resource already made) and wait until it settles.

        Transactional for what it makes: see `pulumi_huggingface.lifecycle.create`.
        """
        props = _unwrapped(props)
        with self._guard(props) as scrub:
            client = self._connection.client()
            namespace = self._connection.namespace(props.get("namespace"))
            name = props.get("name")
            if not isinstance(name, str) or not name:
                raise EndpointOperationError(
                    "The endpoint has no name: create received inputs that check did not produce."
                )
            timeouts = validation.resolve_timeouts(props.get("timeouts"))
            with self._call_on(client, namespace, name, timeouts["create"], scrub) as call:
                settled = create(
                    call,
                    props,
                    seen_in_state=self._seen_in_state,
                    delete_seconds=timeouts["delete"],
                    info=self._info,
                    warn=self._warn,
                    scrub=scrub,
                )
            outs = declared_outputs(namespace, props, settled, applied=True)
            return CreateResult(f"{namespace}/{name}", self._scrub_outputs(outs, scrub))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Read the live endpoint; rebuild the inputs from it so drift shows on the next preview."""
        props = _unwrapped(props or {})
        with self._guard(props) as scrub:
            client = self._connection.client()
            namespace, name = self._connection.split_id(id_)
            # A malformed answer raises (UnexpectedResponseError) rather than reading as "gone": only a
            # 404 drops the resource from state.
            try:
                endpoint = client.get_endpoint(namespace, name)
            except NotFoundError:
                return ReadResult("", {})
            if props.get("repository") is None:
                # A lookup (`InferenceEndpoint.get`): nothing was declared, so everything is live.
                outs = live_outputs(namespace, endpoint, props)
            else:
                outs = declared_outputs(namespace, props, endpoint, applied=False, previous=props)
            undeclared = {"namespace"} & set(declaration.filled_in(props))
            inputs = {
                field.name: outs[field.name]
                for field in FIELDS
                if outs.get(field.name) is not None and field.name not in undeclared
            }
            inputs.update(internal_inputs(props))
            return ReadResult(f"{namespace}/{name}", self._scrub_outputs(outs, scrub), inputs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Send one PUT with what changed, wait for it to settle, and return the complete outputs."""
        olds, news = _unwrapped(olds), _unwrapped(news)
        with self._guard(olds, news) as scrub:
            changed = schema.changed_fields(olds, news, is_unknown=_is_unknown)
            payload = schema.update_payload(changed, news, previous=olds)
            # Inputs applied by calls other than the PUT (desired_state: pause, resume, scale to zero).
            actions = [name for name in changed if FIELDS_BY_NAME[name].applied_by]
            if not payload and not actions:
                # Only provider-only inputs (or equivalent spellings) changed: nothing to send.
                outs = {**olds, **{f.name: news.get(f.name) for f in FIELDS if not f.from_url}}
                outs.update(internal_inputs(news))
                return UpdateResult(outs)
            client = self._connection.client()
            namespace, name = self._connection.split_id(id_)
            timeouts = validation.resolve_timeouts(news.get("timeouts"))
            with self._call_on(client, namespace, name, timeouts["update"], scrub) as call:
                if any(FIELDS_BY_NAME[name].hardware for name in changed):
                    catalogue.check_hardware(client, namespace, news, lambda line: self._warn(scrub(line)))
                # Every update ends in the declared operational state, not only one that changes it:
                # a PUT must never leave a paused endpoint running, nor wait for a running one forever.
                settled = converge.apply(
                    call,
                    target=news.get("desired_state") or schema.RUNNING,
                    min_replica=news.get("min_replica"),
                    payload=payload,
                    current=None,
                    updated_at=olds.get("updated_at"),
                )
            # A branch or tag resolves anew when the revision or the repository changes: the commit
            # the API now reports is its resolution, not drift.
            applied = any(FIELDS_BY_NAME[name].resolves_revision for name in changed)
            outs = declared_outputs(namespace, news, settled, applied=applied, previous=olds)
            return UpdateResult(self._scrub_outputs(outs, scrub))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Delete the endpoint and wait until its name is free; an endpoint already gone is success."""
        props = _unwrapped(props or {})
        with self._guard(props) as scrub:
            client = self._connection.client()
            namespace, name = self._connection.split_id(id_)
            try:
                timeouts = validation.resolve_timeouts(props.get("timeouts"))
            except (ValueError, TypeError, AttributeError):
                # Stored outputs are not re-checked: a delete must not fail over a malformed timeout.
                timeouts = validation.resolve_timeouts(None)
            with self._call_on(client, namespace, name, timeouts["delete"], scrub) as call:
                converge.delete(call)
