"""The dynamic provider: Pulumi's check / diff / create / read / update / delete for an endpoint.

The import path of `InferenceEndpointProvider` is part of every stack's state: the engine pickles
the provider by reference (``pulumi_huggingface.provider.InferenceEndpointProvider``) into each
resource's ``__provider``, and refresh and destroy unpickle it. Never move or rename it.

What the pickle holds is declarative only (`InferenceEndpointProvider.__getstate__`): no token, no
client, no settings. In the plugin process the engine calls `configure` with the stack config, and
the provider builds its client lazily from that config and the environment on the first API call,
so check and diff never need a token.

The provider server calls these methods from several worker threads on one instance at once: the
shared state is the lazily built client and settings, and the endpoints each diff saw in state
(`_StateSightings`), each guarded by a lock. Its stock pool runs only four calls at a time, so
`configure` widens it (`pulumi_huggingface._server`): endpoints declared together then provision
together, their waits served by one shared poller (`pulumi_huggingface.readiness`).
"""

from __future__ import annotations

import collections
import contextlib
import copy
import dataclasses
import enum
import os
import re
import secrets as random_source
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Final, NoReturn

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

from pulumi_huggingface import _server, schema, transitions, validation, waiting
from pulumi_huggingface.errors import (
    AuthenticationError,
    ConflictError,
    DeadlineExceededError,
    HuggingFaceError,
    NotFoundError,
    PermissionDeniedError,
    QuotaExceededError,
    RateLimitedError,
    ServerError,
    TransportError,
    UnexpectedResponseError,
)
from pulumi_huggingface.schema import (
    DEFAULTS_VERSION,
    FIELDS,
    FIELDS_BY_NAME,
    INTERNAL_CREATION_TOKEN,
    INTERNAL_DEFAULTS,
    INTERNAL_DEFAULTS_VERSION,
    INTERNAL_RESOURCE_IDENTITY,
    INTERNAL_RESOURCE_NAME,
    Mutability,
)
from pulumi_huggingface.settings import Settings, require_token, resolve_settings

if TYPE_CHECKING:
    # The client (and httpx under it, ~50 ms) is imported at the first API call (`_api`): the
    # program, which pickles this provider, and a preview, which only checks and diffs, never need it.
    import httpx

    from pulumi_huggingface.client import EndpointsClient, RetryEvent

__all__ = ["EndpointOperationError", "InferenceEndpointProvider"]

# Bumped if the pickled state ever needs migrating; old stacks keep unpickling.
_STATE_VERSION: Final = 1
# Scrubbing a very short value out of messages would mangle them ("1" out of "1/1 replicas"), so
# values this short are only replaced where they stand alone as a word.
_SHORT_VALUE: Final = 4
# After a create whose answer was lost, the API may take a moment to list the endpoint.
_LOST_CREATE_LOOKS: Final = 3
_LOST_CREATE_GAP_SECONDS: Final = 5.0
# A create whose answer was lost, and whose name is then free, is sent again at most this often in all.
_LOST_CREATE_POSTS: Final = 3
# How long a 409 on a name that reads as absent (held after a delete) is retried, and how often.
_NAME_RELEASE_SECONDS: Final = 120.0
_NAME_RELEASE_GAP_SECONDS: Final = 5.0
# After a 409 on a busy endpoint: a pause between its settling and the retried request.
_CONFLICT_GAP_SECONDS: Final = 1.0
# States from which a 409 for a busy endpoint no longer applies.
_NOT_TRANSITIONAL: Final = frozenset({"running", "paused", "scaledToZero", "failed", "updateFailed"})
_INTERNAL_KEYS: Final = (
    INTERNAL_DEFAULTS,
    INTERNAL_DEFAULTS_VERSION,
    INTERNAL_RESOURCE_NAME,
    INTERNAL_CREATION_TOKEN,
    INTERNAL_RESOURCE_IDENTITY,
)
# Inputs every checked declaration holds, declared or not (check fills them in, or create resolves
# them), so whether the program declared them is not told by their presence.
_FILLED_BY_CHECK: Final = frozenset({"name", "namespace", "desired_state"})
# 16 bytes of randomness: no two resources ever share a token by chance.
_TOKEN_BYTES: Final = 16
_TOKEN: Final = re.compile(r"[0-9a-f]{16,64}")
# What `resource.resource_identity` produces (a prefix of a SHA-256), with room to lengthen it.
_IDENTITY: Final = re.compile(r"[0-9a-f]{16,64}")


class _Origin(enum.Enum):
    """Where the endpoint a create continues with came from."""

    CREATED = "created"  # the POST made it just now
    # It carries this create's owner tag and appeared after one of this call's POSTs lost its
    # answer: that POST made it.
    RECOVERED = "recovered"
    # It carries this create's owner tag but was there before this call's first POST: an earlier
    # attempt of the same create (the plugin died) made it, or took it over and retagged it.
    REPLAYED = "replayed"
    TAKEN_OVER = "taken over"  # it carries this resource's identity tag: an earlier run left it
    ADOPTED = "adopted"  # someone else's, taken over because adopt_existing is set

    @property
    def made_by_this_call(self) -> bool:
        """Whether a POST of this very call made the endpoint: only then may a failure delete it."""
        return self in (_Origin.CREATED, _Origin.RECOVERED)


# How the error of a failed create describes an endpoint it found and leaves in place.
_FOUND_BECAUSE: Final = {
    _Origin.REPLAYED: "an earlier attempt of this same create made it",
    _Origin.TAKEN_OVER: "it was taken over by this resource's identity tag",
    _Origin.ADOPTED: "it was adopted, as adopt_existing=True asks",
}


# During an outage every request is retried: per target (an endpoint), the first retry is said in
# full and the rest summarised at most this often; a target without a retry for the quiet time
# starts afresh.
_RETRY_SUMMARY_SECONDS: Final = 30.0
_RETRY_QUIET_SECONDS: Final = 60.0


@dataclasses.dataclass
class _RetryEpisode:
    last_retry_at: float
    last_line_at: float
    unsaid: collections.Counter[str] = dataclasses.field(default_factory=collections.Counter)


class _RetryLines:
    """Turns the client's retry events into progress lines that name what they are about, once.

    The first retry about an endpoint is one full line; the following ones are counted and
    summarised at most every `_RETRY_SUMMARY_SECONDS`, so an outage, in which every poll is retried,
    does not flood the output. Called from every thread that uses the client.
    """

    def __init__(self, emit: Callable[[str], None], now: Callable[[], float]) -> None:
        self._emit = emit
        self._now = now
        self._lock = threading.Lock()
        self._episodes: dict[str, _RetryEpisode] = {}

    @contextlib.contextmanager
    def summarised(self, target: str) -> Iterator[None]:
        """At the end of the block (an operation on `target`), summarise its retries not said yet."""
        try:
            yield
        finally:
            now = self._now()
            with self._lock:
                episode = self._episodes.get(target)
                line = self._summary(target, episode, now, "") if episode and episode.unsaid else None
            if line is not None:
                self._emit(line)

    @staticmethod
    def _summary(target: str, episode: _RetryEpisode, now: float, tail: str) -> str:
        causes = ", ".join(f"{cause}: {count}" for cause, count in episode.unsaid.most_common())
        line = (
            f"huggingface: {target}: {episode.unsaid.total()} more retries in the last "
            f"{now - episode.last_line_at:.0f} s ({causes}){tail}"
        )
        episode.unsaid.clear()
        episode.last_line_at = now
        return line

    def __call__(self, event: RetryEvent) -> None:
        target = event.target or f"{event.method} {event.route}"
        now = self._now()
        with self._lock:
            episode = self._episodes.get(target)
            if episode is None or now - episode.last_retry_at > _RETRY_QUIET_SECONDS:
                self._episodes[target] = _RetryEpisode(last_retry_at=now, last_line_at=now)
                line = (
                    f"huggingface: {event}; further retries about it are summarised every "
                    f"{_RETRY_SUMMARY_SECONDS:.0f} s"
                )
            else:
                episode.last_retry_at = now
                episode.unsaid[event.cause] += 1
                if now - episode.last_line_at < _RETRY_SUMMARY_SECONDS:
                    return
                line = self._summary(target, episode, now, "; still retrying")
        self._emit(line)


class _StateSightings:
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
    replaced as well.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids: dict[str, set[str]] = {}

    def record(self, identity: str, id_: str) -> None:
        with self._lock:
            self._ids.setdefault(identity, set()).add(id_)

    def ids(self, identity: str) -> frozenset[str]:
        with self._lock:
            return frozenset(self._ids.get(identity, ()))


def _status_of(endpoint: Mapping[str, Any]) -> Mapping[str, Any]:
    status = endpoint.get("status")
    return status if isinstance(status, Mapping) else {}


class EndpointOperationError(HuggingFaceError):
    """An operation on an endpoint failed for a reason the provider found itself.

    A name already taken, hardware the catalogue does not offer, a create whose outcome cannot be
    established. The message names the endpoint and the next step.
    """


class _DeclaredOtherwise(EndpointOperationError):
    """A found endpoint differs in inputs that cannot change in place: nothing was sent to it, and
    the message already says what to do with it."""


ClientFactory = Callable[[Settings], "EndpointsClient"]


def _strings(value: Any) -> list[str]:
    """The strings of a list-valued internal input, ignoring anything else a hostile program sent."""
    return [item for item in value if isinstance(item, str)] if isinstance(value, (list, tuple)) else []


def _is_unknown(value: Any) -> bool:
    return isinstance(value, Unknown) or (isinstance(value, str) and value == rpc.UNKNOWN)


def _plain(value: Any) -> Any:
    """Strip the provider server's secret wrappers, should any reach the provider, and give whole
    numbers back their integer type.

    The engine carries every number as a double: without this, messages and outputs would read
    `scale_to_zero_timeout is 5.0` and `port: 8080.0`.
    """
    if rpc.is_rpc_secret(value):
        return _plain(rpc.unwrap_rpc_secret(value))
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


class _Scrubber:
    """Blanks out the token and a resource's secret, credential and env values from text.

    Values are blanked, not the names they happen to occur in: an occurrence lying inside one of
    the resource's names (its endpoint name, namespace, repository, hardware) is kept, so an env
    value "2" leaves ``my-app-2-3y`` whole. Those names are public inputs, so keeping them reveals
    nothing the state does not hold in plain text.

    Args:
        values: The resource's values to hide.
        token: Returns the token once known (the client is built lazily, mid-call).
        names: The resource's names, printed whole.
    """

    def __init__(self, values: list[str], token: Callable[[], str | None], names: Iterable[str] = ()) -> None:
        self._values = values
        self._token = token
        self._names = sorted({name for name in names if name}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        token = self._token()
        values = sorted({v for v in (*self._values, token or "") if v}, key=len, reverse=True)
        if not values:
            return text
        # A short value counts only where it stands alone, not inside a word or a dashed name
        # ("1" in "1/1 replicas" stays); a longer one wherever it occurs.
        pattern = re.compile(
            "|".join(
                re.escape(v) if len(v) >= _SHORT_VALUE else rf"(?<![\w-]){re.escape(v)}(?![\w-])"
                for v in values
            )
        )
        kept = [
            (found.start(), found.end())
            for name in self._names
            for found in re.finditer(re.escape(name), text)
        ]

        def blank(match: re.Match[str]) -> str:
            inside_a_name = any(start <= match.start() and match.end() <= end for start, end in kept)
            return match.group(0) if inside_a_name else "***"

        return pattern.sub(blank, text)


# The inputs whose values are names, printed whole by the scrubber (see `_Scrubber`).
_NAME_INPUTS: Final = (
    "name",
    "namespace",
    "repository",
    "instance_type",
    "instance_size",
    "region",
    "vendor",
)


def _redacted_values(props: Mapping[str, Any]) -> list[str]:
    values: list[str] = []
    for field in FIELDS:
        if not field.redacted:
            continue
        value = props.get(field.name)
        if isinstance(value, str):
            values.append(value)
        elif isinstance(value, Mapping):
            values.extend(item for item in value.values() if isinstance(item, str))
    return values


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
        self._transport = transport
        self._client_factory = client_factory
        self._clock = clock or waiting.Clock()
        self._environ = environ
        self._info = info or pulumi.log.info
        self._warn = warn or pulumi.log.warn
        self._lock = threading.Lock()
        self._owner_lock = threading.Lock()
        self._config: dict[str, Any] = {}
        self._settings: Settings | None = None
        self._client: EndpointsClient | None = None
        self._owner: str | None = None
        # Provider calls running now, and clients a new configuration replaced: those are closed only
        # once no call is running, since a call that took one may still be waiting on it.
        self._calls_in_flight = 0
        self._retired: list[EndpointsClient] = []
        self._sightings = _StateSightings()
        self._retry_lines = _RetryLines(self._info, self._clock.now)

    def __getstate__(self) -> dict[str, Any]:
        # Only declarative data goes into the pickle in state: never settings, a token or a client.
        return {"version": _STATE_VERSION}

    def __setstate__(self, state: dict[str, Any]) -> None:
        # The pickle is the class reference alone: unpickled, the provider starts as if just built.
        self.__init__()  # type: ignore[misc]

    # --- configuration and the client --------------------------------------------------------

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
        config = dict(raw) if isinstance(raw, Mapping) else {}
        with self._lock:
            if config == self._config:
                return
            self._config = config
            self._settings = None
            self._owner = None
            if self._client is not None:
                self._retired.append(self._client)
            self._client = None
            idle = self._take_idle_retired()
        for client in idle:
            client.close()

    def _take_idle_retired(self) -> list[EndpointsClient]:
        """Hand over the replaced clients if no call is running any more (under `_lock`)."""
        if self._calls_in_flight:
            return []
        idle, self._retired = self._retired, []
        return idle

    def _resolved_settings(self) -> Settings:
        with self._lock:
            if self._settings is None:
                environ = self._environ if self._environ is not None else os.environ
                self._settings = resolve_settings(self._config, environ)
            return self._settings

    def _api(self) -> EndpointsClient:
        settings = self._resolved_settings()
        with self._lock:
            if self._client is None:
                if self._client_factory is not None:
                    self._client = self._client_factory(settings)
                else:
                    from pulumi_huggingface.client import EndpointsClient

                    self._client = EndpointsClient(
                        token=require_token(settings),
                        api_url=settings.api_url,
                        hub_url=settings.hub_url,
                        # Every wait through this client polls at this cadence (`readiness.watcher_for`).
                        poll_interval=settings.poll_interval,
                        clock=self._clock.now,
                        transport=self._transport,
                        sleep=self._clock.sleep,
                        # Under rate limits or an outage a deployment slows down: say why, as it
                        # happens, without a line per retry.
                        on_retry=self._retry_lines,
                    )
            return self._client

    def _namespace(self, declared: Any) -> str:
        if isinstance(declared, str) and declared:
            return declared
        settings = self._resolved_settings()
        if settings.namespace:
            return settings.namespace
        client = self._api()
        # A lock of its own: concurrent creates ask whoami once, without blocking on the client lock.
        with self._owner_lock:
            if self._owner is None:
                name = client.whoami().get("name")
                if not isinstance(name, str) or not name:
                    raise EndpointOperationError(
                        "Could not tell which namespace to use: the token's owner has no name. "
                        "Set `namespace` "
                        "on the endpoint or `pulumi config set huggingface:namespace <user-or-org>`."
                    )
                self._owner = name
            return self._owner

    def _split_id(self, id_: str) -> tuple[str, str]:
        namespace, sep, name = id_.partition("/")
        if not sep:
            # `InferenceEndpoint.get(..., id="name")`: the namespace comes from config or the token.
            return self._namespace(None), id_
        if not namespace or not name or "/" in name:
            raise EndpointOperationError(f"{id_!r} is not an endpoint id: use '<namespace>/<name>'.")
        return namespace, name

    # --- error hygiene ------------------------------------------------------------------------

    @contextlib.contextmanager
    def _guard(self, *props: Mapping[str, Any]) -> Iterator[_Scrubber]:
        """Raise every error leaving a provider method scrubbed of the token and the resource's secrets.

        Every provider method runs inside it, so it also counts the calls in flight for `configure`.
        """
        values = [value for bag in props for value in _redacted_values(bag)]
        names = [bag[key] for bag in props for key in _NAME_INPUTS if isinstance(bag.get(key), str)]
        scrub = _Scrubber(values, self._known_token, names)
        with self._lock:
            self._calls_in_flight += 1
        try:
            yield scrub
        except QuotaExceededError as exc:
            raise self._scrubbed(self._explain_quota(exc, props[-1] if props else {}), scrub) from None
        except Exception as exc:
            raise self._scrubbed(exc, scrub) from None
        finally:
            with self._lock:
                self._calls_in_flight -= 1
                idle = self._take_idle_retired()
            for client in idle:
                client.close()

    def _known_token(self) -> str | None:
        settings = self._settings
        return settings.token if settings is not None else None

    def _scrubbed(self, exc: Exception, scrub: _Scrubber) -> Exception:
        settings = self._settings
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

    def _explain_quota(self, exc: QuotaExceededError, props: Mapping[str, Any]) -> QuotaExceededError:
        """Say which quota a refused create, update or resume hit, with the namespace's figures."""
        parts = [part for part in exc.path.split("/") if part]
        at = parts.index("endpoint") if "endpoint" in parts else len(parts)
        namespace = parts[at + 1] if at + 1 < len(parts) else str(props.get("namespace") or "?")
        name = parts[at + 2] if at + 2 < len(parts) else str(props.get("name") or "?")
        action = (
            "Resuming" if exc.path.endswith("/resume") else "Creating" if exc.method == "POST" else "Updating"
        )
        vendor, region = props.get("vendor"), props.get("region")
        instance_type, size, replicas = (
            props.get("instance_type"),
            props.get("instance_size"),
            props.get("max_replica"),
        )
        figures = ""
        try:
            listing = self._api().list_hardware(namespace)
        except HuggingFaceError:
            listing = {}
        offers = [
            compute
            for vendor_item in listing.get("vendors") or []
            if vendor_item.get("name") == vendor
            for region_item in vendor_item.get("regions") or []
            if region_item.get("name") == region
            for compute in region_item.get("computes") or []
            if (compute.get("instanceType"), compute.get("instanceSize")) == (instance_type, size)
        ]
        quota = (offers[0].get("quota") or {}) if offers else {}
        per_replica = offers[0].get("numAccelerators") if offers else None
        if all(isinstance(value, int) for value in (per_replica, *quota.values())) and quota:
            figures = (
                f" ({per_replica} accelerator(s) each); {namespace} may run {quota.get('maxAccelerators')} "
                f"{instance_type} accelerators in {vendor}/{region} and uses {quota.get('usedAccelerators')}"
            )
        outcome = " Nothing was created." if action == "Creating" else " Nothing was changed."
        exc.args = (
            f"{action} inference endpoint {namespace}/{name} was refused with {exc.status_code} "
            f"({exc.server_message}): it needs up to {replicas} replica(s) of {instance_type} {size} in "
            f"{vendor}/{region}{figures}.{outcome} {exc.hint}",
        )
        return exc

    def _progress(self, scrub: _Scrubber) -> Callable[[str], None]:
        def emit(line: str) -> None:
            self._info(scrub(line))

        return emit

    # --- check and diff: no API calls --------------------------------------------------------

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Validate the inputs, resolve aliases and choose the autoname, without any API call."""
        inputs = _plain(dict(news))
        with self._guard(inputs):
            if inputs.get("type") == "protected":
                self._warn(
                    "huggingface: type 'protected' is deprecated; it means 'authenticated', "
                    "which is what the "
                    "endpoint gets. Write type='authenticated' to silence this warning."
                )
                inputs["type"] = "authenticated"
            previous = _plain(olds or {})
            previous = previous if isinstance(previous, dict) else {}
            self._choose_name(previous, inputs)
            self._choose_token(previous, inputs)
            self._keep_identity(inputs)
            if inputs.get("desired_state") is None:
                # Spelled out, so a preview of a pause reads `desired_state: "running" => "paused"`.
                inputs["desired_state"] = FIELDS_BY_NAME["desired_state"].default
            problems = validation.validate(inputs, is_unknown=_is_unknown)
            return CheckResult(
                inputs, [CheckFailure(problem.property, problem.reason) for problem in problems]
            )

    @staticmethod
    def _choose_name(olds: Mapping[str, Any], inputs: dict[str, Any]) -> None:
        defaulted = [
            key for key in _strings(inputs.get(INTERNAL_DEFAULTS)) if key not in ("name", "namespace")
        ]
        if inputs.get("namespace") is None:
            # Resolved at create (stack config, else the token's owner) and echoed in the outputs;
            # recorded here so a refresh keeps it out of the inputs the program never declared.
            defaulted.append("namespace")
        if inputs.get("name") is None:
            # Keep the name generated on an earlier run; a replacement re-checks without olds and
            # so gets a fresh suffix, letting the new endpoint exist beside the old one.
            previous = olds.get("name") if "name" in _strings(olds.get(INTERNAL_DEFAULTS)) else None
            resource_name = inputs.get(INTERNAL_RESOURCE_NAME)
            resource_name = resource_name if isinstance(resource_name, str) else "endpoint"
            inputs["name"] = previous or validation.autoname(resource_name)
            defaulted.append("name")
        inputs[INTERNAL_DEFAULTS] = sorted(defaulted)
        inputs[INTERNAL_DEFAULTS_VERSION] = DEFAULTS_VERSION

    @staticmethod
    def _choose_token(olds: Mapping[str, Any], inputs: dict[str, Any]) -> None:
        """Keep the resource's creation token, or choose one for a resource about to be created.

        Olds without a token belong to a resource created before tokens existed: it gets none,
        since its endpoint carries no tag to match. A token in the program's own inputs is never
        trusted: only check chooses them.
        """
        previous = olds.get(INTERNAL_CREATION_TOKEN)
        inputs.pop(INTERNAL_CREATION_TOKEN, None)
        if isinstance(previous, str) and _TOKEN.fullmatch(previous):
            inputs[INTERNAL_CREATION_TOKEN] = previous
        elif not olds:
            inputs[INTERNAL_CREATION_TOKEN] = random_source.token_hex(_TOKEN_BYTES)

    @staticmethod
    def _keep_identity(inputs: dict[str, Any]) -> None:
        """Keep the resource identity the program computed, if well formed; drop anything else.

        A resource declared with an older version of this package (or a hand-written input) has
        none: its endpoints then get no identity tag, and nothing is recognised by identity.
        """
        identity = inputs.pop(INTERNAL_RESOURCE_IDENTITY, None)
        if isinstance(identity, str) and _IDENTITY.fullmatch(identity):
            inputs[INTERNAL_RESOURCE_IDENTITY] = identity

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Compare the previous outputs with the new inputs, driven by `schema.FIELDS`."""
        olds, news = _plain(olds), _plain(news)
        with self._guard(olds, news):
            identity = news.get(INTERNAL_RESOURCE_IDENTITY)
            if isinstance(identity, str) and _IDENTITY.fullmatch(identity) and id_:
                # See `_StateSightings`: a create of this resource in this process may be its
                # replacement, and must not treat this endpoint as an orphan.
                self._sightings.record(identity, id_)
            changed = schema.changed_fields(olds, news, is_unknown=_is_unknown)
            if not changed:
                # Declaring or removing an input without changing what the endpoint holds (removing
                # a keep-on-removal input, writing out a default) changes nothing on the API, but the
                # outputs, which a refresh turns back into inputs, must echo what is declared: an
                # update that sends no request. Otherwise a refresh would put back a removed input
                # or drop a declared one.
                return DiffResult(
                    changes=self._declarations_differ(olds, news), replaces=[], delete_before_replace=False
                )
            replaces = [name for name in changed if FIELDS_BY_NAME[name].mutability is Mutability.REPLACE]
            # Names are unique in a namespace: a replacement under the same name must delete first.
            same_identity = bool(replaces) and self._same_identity(id_, olds, news)
            return DiffResult(changes=True, replaces=replaces, delete_before_replace=same_identity)

    @staticmethod
    def _declarations_differ(olds: Mapping[str, Any], news: Mapping[str, Any]) -> bool:
        """Whether the program declares an input the outputs do not echo, or the reverse.

        The outputs echo each declared input and hold None for the others. The namespace is always
        an output, so whether it was declared is the mark check leaves in `__defaults`. Outputs
        written before the mark existed (no `__defaults_version`) cannot tell, so the namespace's
        declaration counts as unchanged: an upgrade alone never previews an update.
        """

        def namespace_declared(props: Mapping[str, Any]) -> bool:
            return "namespace" not in _strings(props.get(INTERNAL_DEFAULTS))

        marked = olds.get(INTERNAL_DEFAULTS_VERSION) is not None
        if marked and namespace_declared(olds) != namespace_declared(news):
            return True
        return any(
            (news.get(field.name) is None) != (olds.get(field.name) is None)
            for field in FIELDS
            if field.name not in _FILLED_BY_CHECK
        )

    @staticmethod
    def _same_identity(id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> bool:
        old_namespace, _, old_name = id_.partition("/")
        old_namespace = olds.get("namespace") or old_namespace
        old_name = olds.get("name") or old_name
        new_namespace = news.get("namespace") or old_namespace
        new_name = news.get("name")
        if "name" in (news.get(INTERNAL_DEFAULTS) or []):
            # An autoname: the engine re-runs check without the old inputs before it replaces, so
            # the replacement gets a fresh name and can be created before the old endpoint goes.
            return False
        if _is_unknown(new_namespace) or _is_unknown(new_name):
            return True
        return bool(new_namespace == old_namespace and new_name == old_name)

    # --- create ------------------------------------------------------------------------------

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Create the endpoint (or take over one this resource already made) and wait until it settles.

        Transactional for what it makes, because the engine keeps nothing of a create that raises:
        when this raises, no endpoint made by this call's POST is left behind, or the message names
        the one that is and how to remove it. An endpoint under the name that carries this
        resource's owner tag (one an interrupted attempt of the same create left) or its identity
        tag (one an earlier, failed or interrupted run of the same resource left) is taken over
        instead of failing on its name; such an endpoint, like an adopted one, is never deleted:
        if converging it fails, it stays, and the message says in what state and what to do.
        Before an autonamed create, endpoints an earlier run of the resource left under other
        names are reported, since they cannot be taken over under the new name.
        """
        props = _plain(props)
        with self._guard(props) as scrub, contextlib.ExitStack() as stack:
            client = self._api()
            namespace = self._namespace(props.get("namespace"))
            name = props.get("name")
            if not isinstance(name, str) or not name:
                raise EndpointOperationError(
                    "The endpoint has no name: create received inputs that check did not produce."
                )
            timeouts = validation.resolve_timeouts(props.get("timeouts"))
            deadline = waiting.Deadline(timeouts["create"], self._clock)
            progress = self._progress(scrub)
            # Client retries end at the deadline too, so the create answers in time.
            stack.enter_context(client.deadline(deadline.at))
            stack.enter_context(self._retry_lines.summarised(f"endpoint {namespace}/{name}"))
            self._check_hardware(client, namespace, props, scrub)

            adopt = bool(props.get("adopt_existing"))
            existing = self._find(client, namespace, name) if adopt else None
            if existing is not None:
                endpoint, origin = existing, self._claim(existing, namespace, name, props, adopt=True)
                if origin is _Origin.RECOVERED:
                    # Found before this call sent any POST: an earlier attempt's.
                    origin = _Origin.REPLAYED
            else:
                if "name" in _strings(props.get(INTERNAL_DEFAULTS)):
                    self._report_orphans(client, namespace, name, props, scrub)
                endpoint, origin = self._post(client, namespace, name, props, deadline, adopt=adopt)
            try:
                settled = self._settle(client, namespace, name, props, endpoint, origin, deadline, progress)
            except Exception as exc:
                # The engine keeps nothing of a create that raises. An endpoint this call made would
                # be billed and known to no state: it is removed, or the error says what is left. One
                # it found is not this call's to delete (it may serve someone, and the identity tag
                # cannot tell two backends' stacks apart): it stays, and the error says so.
                if origin.made_by_this_call:
                    self._clean_up_failed_create(client, namespace, name, exc, timeouts, progress)
                elif not isinstance(exc, _DeclaredOtherwise):
                    self._leave_in_place(client, namespace, name, exc, origin)
                raise
            outs = self._outputs(namespace, props, settled, applied=True)
            return CreateResult(f"{namespace}/{name}", self._scrub_outputs(outs, scrub))

    @staticmethod
    def _owned(endpoint: Mapping[str, Any], props: Mapping[str, Any]) -> bool:
        """Whether the endpoint carries this resource's owner tag (see `schema.INTERNAL_CREATION_TOKEN`)."""
        tag = schema.owner_tag(props.get(INTERNAL_CREATION_TOKEN))
        return tag is not None and tag in schema.owner_tags(endpoint)

    @staticmethod
    def _same_resource(endpoint: Mapping[str, Any], props: Mapping[str, Any]) -> bool:
        """Whether the endpoint carries this resource's identity tag (`schema.INTERNAL_RESOURCE_IDENTITY`)."""
        tag = schema.identity_tag(props.get(INTERNAL_RESOURCE_IDENTITY))
        return tag is not None and tag in schema.identity_tags(endpoint)

    def _in_state(self, namespace: str, name: str, props: Mapping[str, Any]) -> bool:
        """Whether a diff in this process saw the endpoint in state for this resource (`_StateSightings`)."""
        identity = props.get(INTERNAL_RESOURCE_IDENTITY)
        return isinstance(identity, str) and f"{namespace}/{name}" in self._sightings.ids(identity)

    def _report_orphans(
        self, client: EndpointsClient, namespace: str, name: str, props: Mapping[str, Any], scrub: _Scrubber
    ) -> None:
        """Warn about endpoints an earlier, interrupted run of this resource left under other autonames.

        Such an endpoint cannot be taken over: the outputs must echo the name check chose, and the
        API cannot rename an endpoint. The endpoint this resource has in state (seen by diff, see
        `_StateSightings`) is skipped: in a create-before-delete replacement it is the one being
        replaced, and the engine deletes it at the end of the update. Looking is advisory: if the
        list fails, the create goes on.
        """
        tag = schema.identity_tag(props.get(INTERNAL_RESOURCE_IDENTITY))
        if tag is None:
            return
        try:
            # Filtered by the API where it supports `tags`; checked again here where it does not.
            listed = client.list_endpoints(namespace, tags=[tag])
        except AuthenticationError:
            raise
        except HuggingFaceError as exc:
            self._warn(
                scrub(
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
                or not self._same_resource(endpoint, props)
                or self._owned(endpoint, props)
                or self._in_state(namespace, other, props)
            ):
                continue
            self._warn(
                f"huggingface: endpoint {namespace}/{other} carries the identity tag of {label} "
                f"({tag}) but not the tag of this create: an earlier `pulumi up` of the same resource "
                f"in this stack was interrupted or failed after creating it, so no state may know it "
                f"and it may be billed. It cannot be taken over under the new name {name}, which is "
                f"created beside it. If it is in no stack's state (`pulumi stack export` does not "
                f"mention {other}; an endpoint this update is replacing is, and Pulumi deletes that one "
                f"itself), delete it: `hf endpoints delete {other} --namespace {namespace}` or "
                f"https://endpoints.huggingface.co/{namespace}/endpoints/{other}."
            )

    def _post(
        self,
        client: EndpointsClient,
        namespace: str,
        name: str,
        props: Mapping[str, Any],
        deadline: waiting.Deadline,
        *,
        adopt: bool,
    ) -> tuple[dict[str, Any], _Origin]:
        """POST the endpoint and establish what exists afterwards.

        Returns the endpoint and where it came from: created now, recovered (ours, made by an earlier
        attempt whose answer was lost), or adopted (someone else's, with ``adopt_existing``).

        A POST is sent again only once a GET has shown that the name is free: names are unique in a
        namespace and the owner tag tells our endpoint from anyone else's, so a second POST can never
        make a second endpoint, and a first one that lands late is recognised as ours.
        """
        payload = schema.create_payload(props)
        owned = schema.owner_tag(props.get(INTERNAL_CREATION_TOKEN)) is not None
        lost_answers = 0
        held_since: float | None = None
        while True:
            try:
                return client.create_endpoint(namespace, payload), _Origin.CREATED
            except ConflictError as exc:
                existing = self._look_up_after_post(client, namespace, name)
                if existing is None:
                    held_since = self._wait_for_held_name(exc, namespace, name, deadline, held_since)
                    continue
                origin = self._claim(existing, namespace, name, props, adopt=adopt)
                if origin is _Origin.RECOVERED and not lost_answers:
                    # No POST of this call can have made it: an earlier attempt of this create did.
                    origin = _Origin.REPLAYED
                return existing, origin
            except (ServerError, TransportError, UnexpectedResponseError) as exc:
                if isinstance(exc, TransportError) and not exc.request_may_have_reached_server:
                    raise
                lost_answers += 1
                found = self._look_up_after_post(client, namespace, name, looks=_LOST_CREATE_LOOKS, lost=exc)
                if found is not None:
                    origin = self._claim(found, namespace, name, props, adopt=adopt, lost=True)
                    if origin is _Origin.RECOVERED:
                        self._info(
                            f"huggingface: the answer to creating endpoint {namespace}/{name} was lost, but "
                            "the endpoint exists and carries this resource's owner tag: continuing with it"
                        )
                    return found, origin
                if not owned or lost_answers >= _LOST_CREATE_POSTS or deadline.expired():
                    raise EndpointOperationError(
                        f"Creating inference endpoint {namespace}/{name} got no usable answer ({exc}), "
                        "and no endpoint of that name exists, so nothing was created. Run `pulumi up` again."
                    ) from None
                self._info(
                    f"huggingface: the answer to creating endpoint {namespace}/{name} was lost and no "
                    "endpoint of that name exists: sending the create again"
                )

    def _look_up_after_post(
        self,
        client: EndpointsClient,
        namespace: str,
        name: str,
        *,
        looks: int = 1,
        lost: Exception | None = None,
    ) -> dict[str, Any] | None:
        """GET the name after a POST; None once it is absent `looks` times in a row.

        Failing reads are retried (the client already retried each); if the name's fate cannot be
        established at all, the error says exactly what may have been left behind.
        """
        failures = 0
        look = 0
        while look < looks:
            try:
                found = self._find(client, namespace, name)
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
                self._clock.sleep(_LOST_CREATE_GAP_SECONDS)
                continue
            if found is not None:
                return found
            look += 1
            if look < looks:
                self._clock.sleep(_LOST_CREATE_GAP_SECONDS)
        return None

    def _claim(
        self,
        existing: Mapping[str, Any],
        namespace: str,
        name: str,
        props: Mapping[str, Any],
        *,
        adopt: bool,
        lost: bool = False,
    ) -> _Origin:
        """Decide whether an endpoint found under our name may be taken: ours, or adopted on request.

        Ours is an endpoint with this resource's owner tag (this create's own earlier attempt) or
        with its identity tag (an earlier run of the same resource, interrupted or failed, whose
        token is lost with the inputs it never stored), unless a diff showed that endpoint in state:
        then it is the endpoint this resource is replacing, and taking it over would hand it to the
        replacement just before the engine deletes the old resource.
        """
        if self._owned(existing, props):
            return _Origin.RECOVERED
        if self._in_state(namespace, name, props):
            raise EndpointOperationError(
                f"Cannot create the replacement of inference endpoint {namespace}/{name} under the same "
                "name: the endpoint it replaces still exists and is in this stack's state. Replace it "
                "delete-first (ResourceOptions(delete_before_replace=True)), or give the replacement "
                "another name."
            )
        if self._same_resource(existing, props):
            tag = schema.identity_tag(props.get(INTERNAL_RESOURCE_IDENTITY))
            self._info(
                f"huggingface: endpoint {namespace}/{name} carries this resource's identity tag ({tag}): "
                "an earlier `pulumi up` of the same resource was interrupted or failed after creating "
                "it. Taking it over and applying the declared configuration."
            )
            return _Origin.TAKEN_OVER
        if adopt:
            return _Origin.ADOPTED
        foreign = schema.owner_tags(existing)
        identities = schema.identity_tags(existing)
        if identities:
            origin = (
                f"It carries the tag {identities[0]!r}: another Pulumi resource created it (another "
                "resource name, parent, stack, project or organization)."
            )
        elif foreign:
            # Made by a version of the provider before identity tags: nothing tells whether it was
            # this resource.
            origin = (
                f"It carries the tag {foreign[0]!r}: another Pulumi resource created it, possibly this one "
                "in an earlier run that was interrupted, or another stack."
            )
        else:
            origin = "It was not created by this Pulumi resource."
        race = " (it appeared while this create's answer was lost)" if lost else ""
        raise EndpointOperationError(
            f"An inference endpoint named {namespace}/{name} already exists{race}. {origin} To manage it "
            "with this program, set adopt_existing=True on the resource and run again (the declared "
            "configuration is then applied to it); if nothing should own it, delete it; otherwise choose "
            "another name, or leave `name` out to get a generated one."
        )

    def _wait_for_held_name(
        self,
        exc: ConflictError,
        namespace: str,
        name: str,
        deadline: waiting.Deadline,
        held_since: float | None,
    ) -> float:
        """A 409 while the name reads as absent: a name still held after a delete.

        (A quota 409 is a `QuotaExceededError`, not a `ConflictError`: it never comes here.) A name
        still held by a deleted endpoint is released
        within moments ([I], emulator switch ``name_release_seconds``): the POST is retried, which
        is safe since a 409 means nothing was created, for at most `_NAME_RELEASE_SECONDS`.
        """
        now = deadline.elapsed()
        started = now if held_since is None else held_since
        if now - started >= _NAME_RELEASE_SECONDS or deadline.expired():
            raise EndpointOperationError(
                f"Creating inference endpoint {namespace}/{name} was refused with 409 ({exc.server_message}) "
                f"for {validation.format_duration(now - started)}, although no endpoint of that name "
                "exists: nothing was created. The name may still be held by an endpoint deleted moments "
                "ago; run again shortly, or choose another name."
            ) from None
        self._info(
            f"huggingface: the name {namespace}/{name} is still held by a deleted endpoint: "
            "retrying the create"
        )
        self._clock.sleep(_NAME_RELEASE_GAP_SECONDS)
        return started

    def _settle(
        self,
        client: EndpointsClient,
        namespace: str,
        name: str,
        props: Mapping[str, Any],
        endpoint: Mapping[str, Any],
        origin: _Origin,
        deadline: waiting.Deadline,
        progress: Callable[[str], None],
    ) -> dict[str, Any]:
        """Bring the endpoint the create continues with to its declared configuration and state."""
        if origin is _Origin.ADOPTED:
            return self._adopt(client, namespace, name, props, endpoint, deadline, progress)
        target = props.get("desired_state") or schema.RUNNING
        if target == schema.PAUSED:
            # The API has no "create paused": pausing as soon as the POST is accepted is the least
            # billing way there (billing covers initializing and running), at the price of not
            # loading the model now.
            self._info(
                f"huggingface: endpoint {namespace}/{name} is created paused (desired_state 'paused'): "
                "its model is not deployed until it is resumed, so a model or image that cannot load "
                "shows then."
            )
        if origin is not _Origin.CREATED:
            # Converge anyway: it costs nothing when nothing differs, and an endpoint an earlier
            # run left may have been made from other inputs (and carries that run's token).
            return self._converge(client, namespace, name, props, endpoint, deadline, progress, retag=True)
        return transitions.converge(
            client,
            namespace,
            name,
            target=target,
            min_replica=props.get("min_replica"),
            payload={},
            current=endpoint,
            deadline=deadline,
            on_progress=progress,
        )

    def _leave_in_place(
        self, client: EndpointsClient, namespace: str, name: str, exc: Exception, origin: _Origin
    ) -> None:
        """Add to a failed create's error what happened to the endpoint it found and did not delete."""
        try:
            live = self._find(client, namespace, name)
        except HuggingFaceError as read_exc:
            now = f"its state could not be read ({read_exc})"
        else:
            state = _status_of(live).get("state") if live is not None else None
            now = f"it is {state}" if isinstance(state, str) else "it is in an unknown state"
            if live is None:
                now = "it no longer exists"
        again = (
            "run `pulumi up` again to adopt it once more"
            if origin is _Origin.ADOPTED
            else "run `pulumi up` again to take it over once more"
        )
        note = (
            f"The endpoint {namespace}/{name} existed before this create ({_FOUND_BECAUSE[origin]}) "
            f"and was left in place: {now}, and no Pulumi state records it. Fix what the error names "
            f"and {again}; if nothing should own it, delete it "
            f"(`hf endpoints delete {name} --namespace {namespace}`, or "
            f"https://endpoints.huggingface.co/{namespace}/endpoints/{name}); it is billed while it "
            "runs."
        )
        exc.args = (f"{exc} {note}",)

    def _clean_up_failed_create(
        self,
        client: EndpointsClient,
        namespace: str,
        name: str,
        exc: Exception,
        timeouts: Mapping[str, float],
        progress: Callable[[str], None],
    ) -> None:
        cleanup_deadline = waiting.Deadline(timeouts["delete"], self._clock)
        with client.deadline(cleanup_deadline.at):
            note = self._delete_what_this_create_made(client, namespace, name, cleanup_deadline, progress)
        exc.args = (f"{exc} {note}",)

    def _delete_what_this_create_made(
        self,
        client: EndpointsClient,
        namespace: str,
        name: str,
        cleanup_deadline: waiting.Deadline,
        progress: Callable[[str], None],
    ) -> str:
        """Delete the endpoint of a failed create and wait until it is gone; say what became of it."""
        try:
            self._request_delete(client, namespace, name, cleanup_deadline, progress)
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
                    client,
                    namespace,
                    name,
                    deadline=cleanup_deadline,
                    on_progress=progress,
                )
            except HuggingFaceError:
                note = (
                    f"Deleting the endpoint {namespace}/{name} was requested so that nothing is left behind, "
                    "but it had not disappeared yet; check that it is gone before running again."
                )
        return note

    def _request_delete(
        self,
        client: EndpointsClient,
        namespace: str,
        name: str,
        deadline: waiting.Deadline,
        progress: Callable[[str], None],
    ) -> bool:
        """Send the DELETE; False if the endpoint was already gone.

        A 409 (the endpoint busy with a deployment, should the API refuse a delete then) is waited
        out: the endpoint is polled until it leaves its transitional state, then deleted again,
        within the deadline.
        """
        while True:
            try:
                client.delete_endpoint(namespace, name)
            except NotFoundError:
                return False
            except ConflictError as exc:
                self._wait_out_conflict(client, namespace, name, exc, deadline, progress, "delete")
                continue
            return True

    def _wait_out_conflict(
        self,
        client: EndpointsClient,
        namespace: str,
        name: str,
        exc: ConflictError,
        deadline: waiting.Deadline,
        progress: Callable[[str], None],
        action: str,
    ) -> None:
        """After a 409 on an endpoint being changed, wait until it leaves its transitional state."""
        if deadline.expired():
            raise EndpointOperationError(
                f"Could not {action} inference endpoint {namespace}/{name}: the API kept refusing with 409 "
                f"({exc.server_message}) until the {action} timeout passed. Wait for the endpoint to finish "
                f"its current change (see https://endpoints.huggingface.co/{namespace}/endpoints/{name}), "
                f"then run again; raise timeouts['{action}'] if changes take longer."
            ) from None
        # Through the scrubbing progress sink: the server's message may quote what was sent.
        progress(
            f"huggingface: endpoint {namespace}/{name} is busy ({exc.server_message or 'conflict'}): "
            f"waiting for it to settle before retrying the {action}"
        )
        try:
            waiting.wait_for_state(
                client,
                namespace,
                name,
                accept=_NOT_TRANSITIONAL,
                deadline=deadline,
                on_progress=progress,
            )
        except DeadlineExceededError:
            pass  # the next attempt's 409 (or success) decides
        except NotFoundError:
            return
        self._clock.sleep(_CONFLICT_GAP_SECONDS)

    def _adopt(
        self,
        client: EndpointsClient,
        namespace: str,
        name: str,
        props: Mapping[str, Any],
        existing: Mapping[str, Any],
        deadline: waiting.Deadline,
        progress: Callable[[str], None],
    ) -> dict[str, Any]:
        self._info(f"huggingface: adopting existing endpoint {namespace}/{name} (adopt_existing=True)")
        return self._converge(
            client,
            namespace,
            name,
            props,
            existing,
            deadline,
            progress,
            send_unreadable=not props.get("secrets_already_set"),
        )

    def _converge(
        self,
        client: EndpointsClient,
        namespace: str,
        name: str,
        props: Mapping[str, Any],
        existing: Mapping[str, Any],
        deadline: waiting.Deadline,
        progress: Callable[[str], None],
        *,
        retag: bool = False,
        send_unreadable: bool = True,
    ) -> dict[str, Any]:
        """Bring an existing endpoint to the declared configuration with one PUT and to the declared
        operational state, and wait for it.

        With `retag`, the endpoint also gets this resource's hidden tags if it lacks them (an
        endpoint of this resource; an adopted one keeps its tags unless the program declares some).
        Without `send_unreadable` (``secrets_already_set``), the declared secrets and registry
        credentials are taken to be the endpoint's and are sent only with a change that needs them.
        """
        current = self._outputs(namespace, props, existing, applied=False)
        changed = schema.changed_fields(current, props, is_unknown=_is_unknown)
        hidden = [*schema.owner_tags(existing), *schema.identity_tags(existing)]
        if retag and "tags" not in changed and sorted(hidden) != sorted(schema.hidden_tags(props)):
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
                raise _DeclaredOtherwise(
                    f"Cannot take over inference endpoint {namespace}/{name}, which carries this "
                    f"resource's identity tag: {details}, and the program declares otherwise; these "
                    "cannot change in place. An earlier `pulumi up` of this resource was probably "
                    "interrupted after creating it, though a stack of the same organization, project, "
                    "stack and resource names on another backend would carry the same tag. If no "
                    "stack's state holds it, delete it "
                    f"(`hf endpoints delete {name} --namespace {namespace}`) and run `pulumi up` again "
                    "to create it as declared; otherwise declare its values, or choose another name."
                )
            raise _DeclaredOtherwise(
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
        return transitions.converge(
            client,
            namespace,
            name,
            target=props.get("desired_state") or schema.RUNNING,
            min_replica=props.get("min_replica"),
            payload=payload,
            current=existing,
            deadline=deadline,
            on_progress=progress,
            put=lambda body: self._put(client, namespace, name, body, deadline, progress),
        )

    def _put(
        self,
        client: EndpointsClient,
        namespace: str,
        name: str,
        payload: Mapping[str, Any],
        deadline: waiting.Deadline,
        progress: Callable[[str], None],
    ) -> dict[str, Any]:
        """Send a PUT; a 409 (endpoint busy with another change) is waited out and the PUT sent again.

        A PUT is idempotent (the API merges it), so sending it again after the endpoint settled is safe.
        """
        while True:
            try:
                return client.update_endpoint(namespace, name, payload)
            except ConflictError as exc:
                self._wait_out_conflict(client, namespace, name, exc, deadline, progress, "update")

    @staticmethod
    def _find(client: EndpointsClient, namespace: str, name: str) -> dict[str, Any] | None:
        try:
            return client.get_endpoint(namespace, name)
        except NotFoundError:
            return None

    @staticmethod
    def _scrub_outputs(outs: dict[str, Any], scrub: _Scrubber) -> dict[str, Any]:
        """Blank the resource's secrets out of what the server says about the endpoint.

        `status_message` is free text from the API (a model's load error, say), which could quote an
        env or secret value; the outputs are stored in plain text.
        """
        message = outs.get("status_message")
        if isinstance(message, str):
            outs["status_message"] = scrub(message)
        return outs

    def _check_hardware(
        self, client: EndpointsClient, namespace: str, props: Mapping[str, Any], scrub: _Scrubber
    ) -> None:
        """Refuse hardware the namespace's catalogue does not offer, listing what it does offer."""
        try:
            catalogue = client.list_hardware(namespace)
        except (AuthenticationError, PermissionDeniedError):
            # The namespace refuses this token: the create would be refused too, so say so now.
            raise
        except HuggingFaceError as exc:
            self._warn(
                scrub(
                    f"huggingface: could not read the hardware catalogue of {namespace} ({exc}); "
                    "the API checks it"
                )
            )
            return
        vendor, region = props.get("vendor"), props.get("region")
        wanted = (props.get("accelerator"), props.get("instance_type"), props.get("instance_size"))
        vendors = {v.get("name"): v for v in catalogue.get("vendors") or [] if isinstance(v, Mapping)}
        if vendor not in vendors:
            offered = ", ".join(sorted(str(key) for key in vendors)) or "none"
            raise EndpointOperationError(
                f"vendor {vendor!r} is not offered to {namespace}; offered: {offered}."
            )
        regions = {r.get("name"): r for r in vendors[vendor].get("regions") or [] if isinstance(r, Mapping)}
        if region not in regions:
            offered = ", ".join(sorted(str(key) for key in regions)) or "none"
            raise EndpointOperationError(
                f"region {region!r} is not offered by vendor {vendor!r} to {namespace}; offered: {offered}."
            )
        computes = [c for c in regions[region].get("computes") or [] if isinstance(c, Mapping)]
        offered_set = {(c.get("accelerator"), c.get("instanceType"), c.get("instanceSize")) for c in computes}
        if wanted not in offered_set:
            choices = "; ".join(
                f"accelerator={a} instance_type={t} instance_size={s}"
                for a, t, s in sorted(offered_set, key=lambda item: tuple(map(str, item)))
            )
            accelerator, instance_type, instance_size = wanted
            raise EndpointOperationError(
                f"accelerator={accelerator} instance_type={instance_type} "
                f"instance_size={instance_size} is not "
                f"offered in {vendor}/{region} to {namespace}. Offered there: {choices or 'nothing'}."
            )

    # --- read --------------------------------------------------------------------------------

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Read the live endpoint; rebuild the inputs from it so drift shows on the next preview."""
        props = _plain(props or {})
        with self._guard(props) as scrub:
            client = self._api()
            namespace, name = self._split_id(id_)
            # A malformed answer raises (UnexpectedResponseError) rather than reading as "gone": only a
            # 404 drops the resource from state.
            endpoint = self._find(client, namespace, name)
            if endpoint is None:
                return ReadResult("", {})
            if props.get("repository") is None:
                # A lookup (`InferenceEndpoint.get`): nothing was declared, so everything is live.
                outs = self._live_outputs(namespace, endpoint, props)
            else:
                outs = self._outputs(namespace, props, endpoint, applied=False, previous=props)
            undeclared = {"namespace"} & set(_strings(props.get(INTERNAL_DEFAULTS)))
            inputs = {
                field.name: outs[field.name]
                for field in FIELDS
                if outs.get(field.name) is not None and field.name not in undeclared
            }
            inputs.update({key: props[key] for key in _INTERNAL_KEYS if key in props})
            return ReadResult(f"{namespace}/{name}", self._scrub_outputs(outs, scrub), inputs)

    # --- update ------------------------------------------------------------------------------

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Send one PUT with what changed, wait for it to settle, and return the complete outputs."""
        olds, news = _plain(olds), _plain(news)
        with self._guard(olds, news) as scrub, contextlib.ExitStack() as stack:
            changed = schema.changed_fields(olds, news, is_unknown=_is_unknown)
            payload = schema.update_payload(changed, news, previous=olds)
            # Inputs applied by calls other than the PUT (desired_state: pause, resume, scale to zero).
            actions = [name for name in changed if FIELDS_BY_NAME[name].applied_by]
            if not payload and not actions:
                # Only provider-only inputs (or equivalent spellings) changed: nothing to send.
                outs = {**olds, **{f.name: news.get(f.name) for f in FIELDS if not f.from_url}}
                outs.update({key: news[key] for key in _INTERNAL_KEYS if key in news})
                return UpdateResult(outs)
            client = self._api()
            namespace, name = self._split_id(id_)
            timeouts = validation.resolve_timeouts(news.get("timeouts"))
            deadline = waiting.Deadline(timeouts["update"], self._clock)
            stack.enter_context(client.deadline(deadline.at))
            stack.enter_context(self._retry_lines.summarised(f"endpoint {namespace}/{name}"))
            if {"accelerator", "instance_type", "instance_size"} & set(changed):
                self._check_hardware(client, namespace, news, scrub)
            progress = self._progress(scrub)
            # Every update ends in the declared operational state, not only one that changes it: a
            # PUT must never leave a paused endpoint running, nor wait for a running one forever.
            settled = transitions.converge(
                client,
                namespace,
                name,
                target=news.get("desired_state") or schema.RUNNING,
                min_replica=news.get("min_replica"),
                payload=payload,
                current=None,
                deadline=deadline,
                on_progress=progress,
                updated_at=olds.get("updated_at"),
                put=lambda body: self._put(client, namespace, name, body, deadline, progress),
            )
            # A branch or tag resolves anew when the revision or the repository changes: the commit
            # the API now reports is its resolution, not drift.
            applied = bool({"revision", "repository"} & set(changed))
            outs = self._outputs(namespace, news, settled, applied=applied, previous=olds)
            return UpdateResult(self._scrub_outputs(outs, scrub))

    # --- delete ------------------------------------------------------------------------------

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Delete the endpoint and wait until its name is free; an endpoint already gone is success."""
        props = _plain(props or {})
        with self._guard(props) as scrub:
            client = self._api()
            namespace, name = self._split_id(id_)
            try:
                timeouts = validation.resolve_timeouts(props.get("timeouts"))
            except (ValueError, TypeError, AttributeError):
                # Stored outputs are not re-checked: a delete must not fail over a malformed timeout.
                timeouts = validation.resolve_timeouts(None)
            deadline = waiting.Deadline(timeouts["delete"], self._clock)
            progress = self._progress(scrub)
            with client.deadline(deadline.at), self._retry_lines.summarised(f"endpoint {namespace}/{name}"):
                if not self._request_delete(client, namespace, name, deadline, progress):
                    return
                try:
                    waiting.wait_until_absent(
                        client,
                        namespace,
                        name,
                        deadline=deadline,
                        on_progress=progress,
                    )
                except DeadlineExceededError as exc:
                    self._still_deleting(exc)

    @staticmethod
    def _still_deleting(exc: DeadlineExceededError) -> NoReturn:
        raise EndpointOperationError(
            f"Inference endpoint {exc.namespace}/{exc.name} was asked to delete but still existed after "
            f"{validation.format_duration(exc.waited_seconds)}. Run `pulumi destroy` (or `pulumi up`) again "
            "once it is gone; raise timeouts['delete'] if deletions take longer."
        ) from None

    # --- outputs -----------------------------------------------------------------------------

    def _outputs(
        self,
        namespace: str,
        declared: Mapping[str, Any],
        endpoint: Mapping[str, Any],
        *,
        applied: bool,
        previous: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Echo the declared inputs, reconciled with the live endpoint, plus what the API reports.

        Args:
            namespace: The resolved namespace.
            declared: The inputs as the program declared them (checked).
            endpoint: The endpoint's JSON.
            applied: The declared revision was just sent, so the live commit is its resolution.
            previous: The previous outputs, for context.
        """
        live = schema.live_inputs(endpoint)
        reported = schema.status_outputs(endpoint)
        context = dict(previous or {})
        if applied:
            context.update(revision=declared.get("revision"), resolved_revision=reported["resolved_revision"])
        outs: dict[str, Any] = {}
        for field in FIELDS:
            if field.from_url:
                outs[field.name] = namespace
            elif field.mutability is Mutability.PROVIDER:
                outs[field.name] = declared.get(field.name)
            elif field.observe is not None:
                outs[field.name] = field.observe(declared.get(field.name), endpoint)
            else:
                outs[field.name] = schema.reconcile(
                    field, declared.get(field.name), live[field.name], context
                )
        outs.update(reported)
        outs.update({key: declared[key] for key in _INTERNAL_KEYS if key in declared})
        return outs

    @staticmethod
    def _live_outputs(
        namespace: str, endpoint: Mapping[str, Any], props: Mapping[str, Any]
    ) -> dict[str, Any]:
        outs = {**schema.live_inputs(endpoint), "namespace": namespace, **schema.status_outputs(endpoint)}
        outs.update({key: props[key] for key in _INTERNAL_KEYS if key in props})
        return outs
