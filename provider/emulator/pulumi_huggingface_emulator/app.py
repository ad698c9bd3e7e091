"""The emulator as a WSGI application: the Inference Endpoints API, whoami, a data plane, controls.

`EmulatorApp` serves, on one host:

- `/v2/...`: the control plane of the Inference Endpoints API (reference §1.2);
- `/api/whoami-v2`: the Hub's identity call, so clients can resolve their namespace;
- `/endpoints/{namespace}/{name}/...`: each endpoint's data plane, the `status.url` it reports;
- `/_emulator/...`: the control interface tests use (faults, switches, clock, inspection).

Every control route has a Python method of the same effect on the app object. Use it in process
through `httpx.Client(transport=app.transport())`, or on loopback through `EmulatorServer`.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import random
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from . import dataplane, payloads
from .catalog import Catalogue
from .errors import (
    ApiError,
    BodyError,
    EmulatedDisconnect,
    bad_request,
    parse_error,
    unsupported_media_type,
)
from .faults import FaultRule, Faults, RequestCounter
from .lifecycle import (
    FAILED,
    INITIALIZING,
    MESSAGES,
    PAUSED,
    PENDING,
    RUNNING,
    SCALED_TO_ZERO,
    UPDATE_FAILED,
    UPDATING,
    Outcome,
    Record,
)
from .namespaces import Namespace, no_access, payment_required, quota_exceeded
from .settings import Settings
from .store import Store

if TYPE_CHECKING:
    import httpx
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

DEFAULT_USER = "emulator-user"
DEFAULT_ORGS = ("emulator-org",)
UNLOADABLE_PREFIX = "unloadable"

# [D] 2022 API reference: the meaning of a 401.
_UNAUTHORIZED = "A valid user or organization token, sent as a Bearer, is required"
# The Hub's answer to a bad token on whoami (huggingface_hub's utils/_http.py tests for it).
_WHOAMI_UNAUTHORIZED = "Invalid credentials in Authorization header"
# [O] spike: data-plane answers.
_PAUSED_BODY = {
    "error": "Bad Request: The endpoint is paused, ask a maintainer to restart it",
    "code": "BAD_REQUEST",
}
_UNAVAILABLE_BODY = {"error": "503 Service Unavailable", "code": "SERVICE_UNAVAILABLE"}

Handler = Callable[[Request, dict[str, Any]], Response]


def _rule(path: str, endpoint: str, *methods: str) -> Rule:
    return Rule(path, endpoint=endpoint, methods=list(methods) or None)


_API_MAP = Map(
    [
        _rule("/v2/endpoint/<namespace>", "list", "GET"),
        _rule("/v2/endpoint/<namespace>", "create", "POST"),
        _rule("/v2/endpoint/<namespace>/<name>", "get", "GET"),
        _rule("/v2/endpoint/<namespace>/<name>", "update", "PUT"),
        _rule("/v2/endpoint/<namespace>/<name>", "delete", "DELETE"),
        _rule("/v2/endpoint/<namespace>/<name>/pause", "pause", "POST"),
        _rule("/v2/endpoint/<namespace>/<name>/resume", "resume", "POST"),
        _rule("/v2/endpoint/<namespace>/<name>/scale-to-zero", "scale_to_zero", "POST"),
        _rule("/v2/provider", "public_providers", "GET"),
        _rule("/v2/provider/<namespace>", "providers", "GET"),
        _rule("/api/whoami-v2", "whoami", "GET"),
        Rule("/endpoints/<namespace>/<name>", endpoint="data_plane", defaults={"path": ""}),
        Rule("/endpoints/<namespace>/<name>/<path:path>", endpoint="data_plane"),
        _rule("/_emulator/settings", "control_settings", "GET", "PUT"),
        _rule("/_emulator/faults", "control_faults", "GET", "POST", "DELETE"),
        _rule("/_emulator/faults/<int:rule_id>", "control_fault", "DELETE"),
        _rule("/_emulator/requests", "control_requests", "GET", "DELETE"),
        _rule("/_emulator/clock", "control_clock", "GET", "POST"),
        _rule("/_emulator/reset", "control_reset", "POST"),
        _rule("/_emulator/unloadable", "control_unloadable", "GET", "POST"),
        _rule("/_emulator/endpoints/<namespace>/<name>", "control_endpoint", "GET", "PATCH"),
        _rule("/_emulator/endpoints/<namespace>/<name>/fault", "control_endpoint_fault", "POST"),
        _rule("/_emulator/namespaces", "control_namespaces", "GET"),
        _rule("/_emulator/namespaces/<namespace>", "control_namespace", "GET", "PUT", "DELETE"),
    ],
    strict_slashes=False,
)


def route_template(rule: Rule) -> str:
    """A rule as counted and matched by faults, e.g. `/v2/endpoint/{namespace}/{name}`."""
    return re.sub(r"<(?:[a-z]+:)?(\w+)>", r"{\1}", rule.rule)


def iso(at: float) -> str:
    """A timestamp as the API writes it: UTC, milliseconds, trailing `Z` ([D] reference §2)."""
    return datetime.fromtimestamp(at, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json", headers=headers)


def _read_json(request: Request) -> Any:
    text = request.get_data(as_text=True)
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise parse_error(f"{error.msg} at line {error.lineno} column {error.colno}") from error


def _parse_body(request: Request, parse: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    """Read a JSON request body and hand it to `parse`, answering as the service's framework does.

    415 without a JSON content type; 400 for text that is not JSON; 422 with the position for a
    body `parse` cannot deserialise (reference §4.1).
    """
    if request.mimetype != "application/json" and not request.mimetype.endswith("+json"):
        raise unsupported_media_type()
    body = _read_json(request)
    try:
        return parse(body)
    except BodyError as error:
        line, column = payloads.locate(request.get_data(as_text=True), error.at)
        raise error.located(line, column) from None


def _user_id(name: str) -> str:
    return hashlib.sha1(name.encode()).hexdigest()[:24]


class EmulatorApp:
    """The Inference Endpoints API emulator, a WSGI application.

    Args:
        db_path: A sqlite file that keeps endpoints across restarts; None keeps them in memory.
        token: The only bearer token accepted; None accepts any non-empty token.
        user: The user name whoami answers, the default namespace of clients.
        orgs: Organisations whoami lists for the user.
        seed: Seed of the fault draws and of the provisioning-time draws.
        catalogue: The hardware offered: a `Catalogue`, a path to a saved `GET
            /v2/provider/{namespace}` answer, or None for the built-in one.
        namespaces: Namespaces set up otherwise than the default (see `set_namespace`).
        settings: Timings and switches; see `Settings`. Keyword overrides apply on top.
        **overrides: Any `Settings` field, e.g. `provision_seconds=0.2, minute_seconds=0.01`.
    """

    def __init__(
        self,
        *,
        db_path: str | Path | None = None,
        token: str | None = None,
        user: str = DEFAULT_USER,
        orgs: Iterable[str] = DEFAULT_ORGS,
        seed: int | None = 0,
        catalogue: Catalogue | str | Path | None = None,
        namespaces: Iterable[Namespace] = (),
        settings: Settings | None = None,
        **overrides: Any,
    ) -> None:
        self.token = token
        self.user = user
        self.orgs = tuple(orgs)
        if catalogue is None:
            catalogue = Catalogue.built_in()
        elif not isinstance(catalogue, Catalogue):
            catalogue = Catalogue.load(catalogue)
        self.catalogue = catalogue
        self._namespaces = {namespace.name: namespace for namespace in namespaces}
        self.settings = (settings or Settings()).replace(**overrides)
        self.faults = Faults(seed)
        self.counter = RequestCounter()
        self._seed = seed
        self._durations = _SeededDraws(seed)
        self._lock = threading.RLock()
        self._store = Store(db_path)
        self._offset = 0.0
        self._released: dict[tuple[str, str], float] = {}
        self._endpoint_faults: dict[tuple[str, str, str], tuple[Outcome, str]] = {}
        self._unloadable: set[str] = set()
        self._handlers: dict[str, Handler] = {
            name: getattr(self, f"_on_{name}") for name in {rule.endpoint for rule in _API_MAP.iter_rules()}
        }

    # -----------------------------------------------------------------------------------------
    # WSGI entry point.

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Serve one request."""
        request = Request(environ)
        try:
            rule, matched = _API_MAP.bind_to_environ(environ).match(return_rule=True)
        except NotFound:
            return _json({"error": "Not Found"}, 404)(environ, start_response)
        except MethodNotAllowed as error:
            return _json({"error": "Method Not Allowed"}, 405, dict(error.get_headers()))(
                environ, start_response
            )
        except HTTPException as error:  # a trailing-slash redirect
            return error.get_response(environ)(environ, start_response)
        handler = self._handlers[str(rule.endpoint)]
        args = dict(matched)
        if str(rule.endpoint).startswith("control_"):
            return self._respond(handler, request, args)(environ, start_response)

        route = route_template(rule)
        endpoint = f"{args['namespace']}/{args['name']}" if "name" in args else None
        self.counter.count(request.method, route, endpoint)
        decision = self.faults.decide(request.method, route, endpoint)
        if decision.delay:
            time.sleep(decision.delay)
        if decision.before is not None:
            response = self._fault_response(decision.before, environ)
        else:
            response = self._respond(handler, request, args)
            if decision.after is not None:
                response = self._fault_response(decision.after, environ)
        return response(environ, start_response)

    def _respond(self, handler: Handler, request: Request, args: dict[str, Any]) -> Response:
        try:
            return handler(request, args)
        except ApiError as error:
            if error.plain:
                return Response(
                    error.message, status=error.status, mimetype="text/plain", headers=error.headers
                )
            return _json(error.body(), error.status, error.headers)

    def _fault_response(self, rule: FaultRule, environ: WSGIEnvironment) -> Response:
        if rule.kind == "rate_limit":
            return _json({"error": "Too Many Requests"}, 429, {"Retry-After": str(rule.retry_after)})
        if rule.kind == "server_error":
            try:
                phrase = HTTPStatus(rule.status).phrase
            except ValueError:
                phrase = "Server Error"
            return _json({"error": phrase}, rule.status)
        connection = environ.get("werkzeug.socket")
        if isinstance(connection, socket.socket):
            with contextlib.suppress(OSError):  # the client may have gone already
                connection.shutdown(socket.SHUT_RDWR)
        raise EmulatedDisconnect("the emulator dropped the connection (fault injection)")

    # -----------------------------------------------------------------------------------------
    # Clock, records and rendering.

    def clock(self) -> float:
        """The emulator's clock: Unix time in seconds, plus whatever `advance_clock` added."""
        return time.time() + self._offset

    def advance_clock(self, seconds: float) -> float:
        """Move the emulator's clock forward (provisioning and idle timers elapse); returns it."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._offset += seconds
            return self.clock()

    def _settled(self, namespace: str, name: str) -> Record:
        record = self._store.get(namespace, name)
        if record is None:
            raise ApiError(404, "Endpoint not found")
        record.settle(self.clock(), self.settings.minute_seconds)
        return record

    def _status(self, record: Record, root: str) -> dict[str, Any]:
        ready, target = record.replicas()
        who = {"id": _user_id(self.user), "name": self.user}
        private = None
        if record.config.get("privateService"):
            vpce = hashlib.sha1(f"{record.namespace}/{record.name}".encode()).hexdigest()[:17]
            private = {
                "serviceName": f"com.amazonaws.vpce.{record.config['provider']['region']}.vpce-svc-{vpce}"
            }
        status: dict[str, Any] = {
            "state": record.state,
            "message": record.message,
            "createdAt": iso(record.created_at),
            "createdBy": who,
            "updatedAt": iso(record.updated_at),
            "updatedBy": who,
            "readyReplica": ready,
            "targetReplica": target,
            "private": private,
            # Recent answers carry these ([D] recent spec pages); no input sets them.
            "lastUsedAt": None if record.last_traffic is None else iso(record.last_traffic),
            "inferenceMetricsEnabled": False,
        }
        if record.state in (FAILED, UPDATE_FAILED):
            # Clients of the live API read why from `errorMessage`, falling back to `message`
            # ([O] two recent clients): the reason goes there, the state's wording in `message`.
            reason = record.message.removeprefix(f"{MESSAGES[record.state]}: ")
            status["message"] = MESSAGES[record.state]
            if reason != record.message:
                status["errorMessage"] = reason
        if record.has_url():
            status["url"] = f"{root}endpoints/{record.namespace}/{record.name}"
        return status

    def _render(self, record: Record, request: Request) -> dict[str, Any]:
        return payloads.render(record.config, self._status(record, request.host_url), self.settings)

    def _outcome(
        self, namespace: str, name: str, operation: str, config: dict[str, Any]
    ) -> tuple[Outcome, str]:
        injected = self._endpoint_faults.pop((namespace, name, operation), None)
        if injected is not None:
            return injected
        repository = config["model"]["repository"]
        if self.is_unloadable(repository):
            return "fail", f"the model {repository} could not be loaded"
        return "ok", ""

    def is_unloadable(self, repository: str) -> bool:
        """Whether a model cannot load: its repository name (after the last `/`) starts with
        `unloadable`, or it was named by `add_unloadable_repository`."""
        return repository in self._unloadable or repository.rsplit("/", 1)[-1].startswith(UNLOADABLE_PREFIX)

    # -----------------------------------------------------------------------------------------
    # Auth.

    def _bearer(self, request: Request) -> str | None:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return None
        if self.token is not None and token != self.token:
            return None
        return token

    def _authenticate(self, request: Request, namespace: str | None = None) -> None:
        """401 without a valid token; 403 when the namespace refuses this user, token or bill."""
        token = self._bearer(request)
        if token is None:
            raise ApiError(401, _UNAUTHORIZED)
        if namespace is None:
            return
        settings = self.namespace(namespace)
        if settings is None:
            raise no_access(namespace)
        if settings.users is not None and self.user not in settings.users:
            raise no_access(namespace)
        if settings.tokens is not None and token not in settings.tokens:
            raise no_access(namespace)
        if not settings.payment_method:
            raise payment_required(namespace)

    def namespace(self, name: str) -> Namespace | None:
        """The settings of a namespace, or None if the whoami user may not act there at all.

        The user's own namespace and its organisations work by default, with a payment method and
        the catalogue's quotas; so does any namespace while `unknown_namespaces` is "allow".
        """
        with self._lock:
            configured = self._namespaces.get(name)
        if configured is not None:
            return configured
        if name == self.user or name in self.orgs or self.settings.unknown_namespaces == "allow":
            return Namespace(name)
        return None

    def set_namespace(self, name: str, **options: Any) -> Namespace:
        """Set up one namespace (replacing its earlier settings); returns it.

        Args:
            name: The user or organisation name.
            **options: `Namespace` fields: `payment_method`, `users`, `tokens`,
                `max_accelerators`, `quotas`.

        Raises:
            ValueError, TypeError: for an unknown option or a value not allowed.
        """
        for key in ("users", "tokens"):
            if options.get(key) is not None:
                options[key] = tuple(options[key])
        namespace = Namespace(name, **options)
        with self._lock:
            self._namespaces[name] = namespace
        return namespace

    def remove_namespace(self, name: str) -> bool:
        """Forget one namespace's settings (it is back to the default); False if it had none."""
        with self._lock:
            return self._namespaces.pop(name, None) is not None

    def namespaces(self) -> list[Namespace]:
        """Every namespace set up otherwise than the default."""
        with self._lock:
            return list(self._namespaces.values())

    # -----------------------------------------------------------------------------------------
    # Quota.

    def _hardware_key(self, config: dict[str, Any]) -> tuple[str, str, str]:
        provider, compute = config["provider"], config["compute"]
        return provider["vendor"], provider["region"], compute["instanceType"]

    def _accelerators(self, config: dict[str, Any]) -> int:
        compute, provider = config["compute"], config["provider"]
        offer = self.catalogue.find(
            provider["vendor"], provider["region"], compute["instanceType"], compute["instanceSize"]
        )
        per_replica = offer.num_accelerators if offer is not None else 0
        return per_replica * int(compute["scaling"]["maxReplica"])

    def _usage(self, namespace: str, leave_out: str | None = None) -> dict[tuple[str, str, str], int]:
        """Accelerators in use per hardware type; paused endpoints do not count, scaled-to-zero
        ones do ([D] foundations.md)."""
        used: dict[tuple[str, str, str], int] = {}
        for record in self._store.in_namespace(namespace):
            if record.name == leave_out:
                continue
            record.settle(self.clock(), self.settings.minute_seconds)
            if record.state == PAUSED:
                continue
            key = self._hardware_key(record.config)
            used[key] = used.get(key, 0) + self._accelerators(record.config)
        return used

    def _quota(self, namespace: str, key: tuple[str, str, str]) -> int:
        settings = self.namespace(namespace) or Namespace(namespace)
        return settings.quota(key[2], self.catalogue.default_quota(*key))

    def _check_quota(
        self, namespace: str, config: dict[str, Any], *, before: dict[str, Any] | None, name: str
    ) -> None:
        """409 when running `config` (instead of `before`, None if it holds nothing now) would
        take the namespace past its quota of that hardware; a change that adds nothing passes."""
        key = self._hardware_key(config)
        needed = self._accelerators(config)
        held = 0 if before is None or self._hardware_key(before) != key else self._accelerators(before)
        if needed <= held:
            return
        others = self._usage(namespace, leave_out=name).get(key, 0)
        if others + needed > self._quota(namespace, key):
            raise quota_exceeded()

    # -----------------------------------------------------------------------------------------
    # Control plane: /v2.

    def _on_list(self, request: Request, args: dict[str, Any]) -> Response:
        self._authenticate(request, args["namespace"])
        tags = {t for t in request.args.get("tags", "").split(",") if t}
        search = request.args.get("search", "")
        limit_text = request.args.get("limit")
        try:
            limit = int(limit_text) if limit_text is not None else self.settings.list_page_size
        except ValueError:
            raise ApiError(
                400, "Failed to deserialize query string: limit: invalid digit found in string"
            ) from None
        if limit is not None and limit < 1:
            raise bad_request("limit must be at least 1")
        cursor = _decode_cursor(request.args.get("cursor"))
        with self._lock:
            records = [
                r
                for r in self._store.in_namespace(args["namespace"])
                if search in r.name and (not tags or tags & set(r.config["tags"]))
            ]
            total = len(records)
            earlier = [r for r in records if cursor is not None and r.name <= cursor]
            if cursor is not None:
                records = [r for r in records if r.name > cursor]
            page = records if limit is None else records[:limit]
            items = []
            for record in page:
                record.settle(self.clock(), self.settings.minute_seconds)
                items.append(self._render(record, request))
        # `totalItems` and `prevCursor` are in recent answers ([D] recent spec pages).
        body: dict[str, Any] = {"items": items, "totalItems": total, "prevCursor": None}
        if limit is not None and len(records) > limit:
            body["nextCursor"] = _encode_cursor(page[-1].name)
        if earlier and limit is not None:
            # The cursor whose page is the one before: after the item `limit` places back.
            back = len(earlier) - limit
            body["prevCursor"] = _encode_cursor(earlier[back - 1].name) if back > 0 else ""
        return _json(body)

    def _on_create(self, request: Request, args: dict[str, Any]) -> Response:
        namespace = args["namespace"]
        self._authenticate(request, namespace)
        config = _parse_body(request, lambda body: payloads.parse_create(body, self.catalogue, self.settings))
        name = config["name"]
        with self._lock:
            now = self.clock()
            if (
                self._store.get(namespace, name) is not None
                or self._released.get((namespace, name), 0.0) > now
            ):
                # [D] 2022 API reference wording.
                raise ApiError(409, "An endpoint with the same name already exists")
            self._check_quota(namespace, config, before=None, name=name)
            outcome, reason = self._outcome(namespace, name, "create", config)
            record = Record(
                namespace, config, created_at=now, updated_at=now, state=PENDING, message="", since=now
            )
            record.start(now, self._duration(), outcome=outcome, reason=reason)
            self._store.save(record)
            return _json(self._render(record, request), self.settings.create_status)

    def _on_get(self, request: Request, args: dict[str, Any]) -> Response:
        self._authenticate(request, args["namespace"])
        with self._lock:
            return _json(self._render(self._settled(args["namespace"], args["name"]), request))

    def _on_update(self, request: Request, args: dict[str, Any]) -> Response:
        namespace, name = args["namespace"], args["name"]
        self._authenticate(request, namespace)
        with self._lock:
            record = self._settled(namespace, name)
            self._refuse_while_updating(record)
            if record.state == PAUSED and self.settings.paused_update == "refuse":
                raise bad_request("Endpoint is paused")
            # merge_update raises before anything is stored: an invalid PUT changes nothing ([O] spike).
            config = _parse_body(
                request,
                lambda body: payloads.merge_update(
                    record.config, body, self.settings, record.state, self.catalogue
                ),
            )
            stays_paused = record.state == PAUSED and self.settings.paused_update == "keep"
            if not stays_paused:
                # A paused endpoint holds nothing until it is resumed, which is checked then.
                self._check_quota(
                    namespace,
                    config,
                    before=None if record.state == PAUSED else record.config,
                    name=name,
                )
            record.config = config
            now = self.clock()
            if stays_paused:
                # A paused endpoint keeps its new configuration for the next resume ([I]).
                record.updated_at = now
            else:
                outcome, reason = self._outcome(namespace, name, "update", record.config)
                record.start_update(
                    now,
                    self._duration(),
                    outcome=outcome,
                    reason=reason,
                    lag=self.settings.update_lag_seconds,
                )
            self._store.save(record)
            return _json(self._render(record, request))

    def _refuse_while_updating(self, record: Record) -> None:
        if record.state == UPDATING and self.settings.while_updating == "conflict":
            raise ApiError(409, "Conflict: Endpoint is being updated, retry once it is done")

    def _on_delete(self, request: Request, args: dict[str, Any]) -> Response:
        namespace, name = args["namespace"], args["name"]
        self._authenticate(request, namespace)
        with self._lock:
            self._refuse_while_updating(self._settled(namespace, name))
            self._store.delete(namespace, name)
            if self.settings.name_release_seconds > 0:
                self._released[(namespace, name)] = self.clock() + self.settings.name_release_seconds
        # [D] 2022 API reference and newer spec docs: 200 with the `Empty` schema.
        return _json({})

    def _on_pause(self, request: Request, args: dict[str, Any]) -> Response:
        self._authenticate(request, args["namespace"])
        with self._lock:
            record = self._settled(args["namespace"], args["name"])
            deploying = record.state in (PENDING, INITIALIZING, UPDATING)
            if deploying and self.settings.pause_while_deploying == "refuse":
                raise bad_request("Endpoint is being deployed")
            if record.state != PAUSED:
                record.enter(self.clock(), PAUSED)
                record.updated_at = record.since
                self._store.save(record)
            return _json(self._render(record, request))

    def _on_resume(self, request: Request, args: dict[str, Any]) -> Response:
        namespace, name = args["namespace"], args["name"]
        self._authenticate(request, namespace)
        with self._lock:
            record = self._settled(namespace, name)
            if record.state == RUNNING:
                # [D] hf_api.py tests the body for "already running".
                raise bad_request("Endpoint is already running")
            # A deployment already under way (pending, initializing, updating) is left to finish.
            if record.state in (PAUSED, SCALED_TO_ZERO, FAILED, UPDATE_FAILED):
                if record.state == PAUSED:
                    self._check_quota(namespace, record.config, before=None, name=name)
                now = self.clock()
                outcome, reason = self._outcome(namespace, name, "resume", record.config)
                record.start(now, self._duration(), outcome=outcome, reason=reason)
                record.updated_at = now
                self._store.save(record)
            return _json(self._render(record, request))

    def _on_scale_to_zero(self, request: Request, args: dict[str, Any]) -> Response:
        self._authenticate(request, args["namespace"])
        with self._lock:
            record = self._settled(args["namespace"], args["name"])
            # Not documented for these states ([I]): a paused or failed endpoint has no replica to stop.
            if record.state == PAUSED:
                raise bad_request("Endpoint is paused, resume it first")
            if record.state == FAILED:
                raise bad_request("Endpoint is in a failed state")
            if record.state != SCALED_TO_ZERO:
                record.enter(self.clock(), SCALED_TO_ZERO)
                record.updated_at = record.since
                self._store.save(record)
            return _json(self._render(record, request))

    def _on_public_providers(self, request: Request, args: dict[str, Any]) -> Response:
        # Public: "does not require authentication" ([D] 2022 API reference).
        return _json(self.catalogue.listing())

    def _on_providers(self, request: Request, args: dict[str, Any]) -> Response:
        # A namespace without a payment method still lists its hardware, with `maxAccelerators: 0`
        # ([O] reference §4.1); one the user may not act in does not.
        namespace = args["namespace"]
        self._authenticate(request)
        if self.namespace(namespace) is None:
            raise no_access(namespace)
        with self._lock:
            used = self._usage(namespace)
            keys = {(h.vendor, h.region, h.instance_type) for h in self.catalogue.hardware}
            quota = {key: self._quota(namespace, key) for key in keys}
        return _json(self.catalogue.listing(quota, used))

    def _on_whoami(self, request: Request, args: dict[str, Any]) -> Response:
        if self._bearer(request) is None:
            raise ApiError(401, _WHOAMI_UNAUTHORIZED)
        return _json(
            {
                "type": "user",
                "id": _user_id(self.user),
                "name": self.user,
                "fullname": self.user,
                "email": f"{self.user}@example.invalid",
                "emailVerified": True,
                "canPay": self._can_pay(self.user),
                "isPro": False,
                "avatarUrl": "",
                "orgs": [
                    {
                        "type": "org",
                        "id": _user_id(org),
                        "name": org,
                        "fullname": org,
                        "canPay": self._can_pay(org),
                        "roleInOrg": "admin",
                        "avatarUrl": "",
                    }
                    for org in self.orgs
                ],
                "auth": {"type": "access_token", "accessToken": {"displayName": "emulator", "role": "write"}},
            }
        )

    def _can_pay(self, namespace: str) -> bool:
        settings = self.namespace(namespace)
        return settings is not None and settings.payment_method

    # -----------------------------------------------------------------------------------------
    # Data plane: /endpoints/{namespace}/{name}/...

    def _on_data_plane(self, request: Request, args: dict[str, Any]) -> Response:
        namespace, name = args["namespace"], args["name"]
        with self._lock:
            record = self._store.get(namespace, name)
            if record is None:
                return _json({"error": "Not Found", "code": "NOT_FOUND"}, 404)
            if record.config["type"] != "public" and self._bearer(request) is None:
                return _json({"error": "Unauthorized", "code": "UNAUTHORIZED"}, 401)
            now = self.clock()
            record.settle(now, self.settings.minute_seconds)
            if record.state == PAUSED:
                # A paused endpoint does not wake up on traffic ([O] spike).
                return _json(_PAUSED_BODY, 400)
            # Any request counts as traffic for the idle timer.
            record.last_traffic = now
            if record.state == SCALED_TO_ZERO:
                # 503 at once while a replica starts ([O] spike; [D] autoscaling.md).
                outcome, reason = self._outcome(namespace, name, "resume", record.config)
                record.start(now, self._duration(), outcome=outcome, reason=reason, first=INITIALIZING)
                self._store.save(record)
                return _json(_UNAVAILABLE_BODY, 503)
            self._store.save(record)
            if record.state != RUNNING:
                return _json(_UNAVAILABLE_BODY, 503)
            if "/" + args["path"] == payloads.health_route(record.config):
                return Response(b"", status=200)
            answer = dataplane.answer(
                record.config["model"], request.method, "/" + args["path"], request.get_data(as_text=True)
            )
            if answer is None:
                return _json(
                    {"emulated": True, "endpoint": f"{namespace}/{name}", "path": "/" + args["path"]}
                )
            status, body = answer
            return _json(body, status)

    # -----------------------------------------------------------------------------------------
    # Control interface: Python methods, and the /_emulator routes that call them.

    def configure(self, **changes: Any) -> Settings:
        """Change settings while running (any `Settings` field); returns the new settings.

        Raises:
            ValueError, TypeError: for an unknown name or a value not allowed.
        """
        with self._lock:
            self.settings = self.settings.replace(**changes)
            return self.settings

    def add_fault(self, kind: str, **options: Any) -> FaultRule:
        """Activate a fault rule (see `FaultRule` for `kind` and the options); returns it."""
        return self.faults.add(FaultRule(kind=kind, **options))  # type: ignore[arg-type]

    def clear_faults(self) -> None:
        """Deactivate every fault rule."""
        self.faults.clear()

    def request_counts(self) -> dict[str, Any]:
        """Requests served so far: `{"total", "byRoute": {"POST /v2/endpoint/{namespace}": n},
        "byEndpoint": {"ns/name": n}}`. Control routes are not counted."""
        return self.counter.snapshot()

    def reset_request_counts(self) -> None:
        """Set the request counts back to zero."""
        self.counter.reset()

    def inject_endpoint_fault(
        self, namespace: str, name: str, *, on: str, outcome: str = "fail", message: str | None = None
    ) -> None:
        """Make the next create, update or resume of one endpoint fail or get stuck.

        The fault is used once. "fail" ends the operation in `failed` (create, resume) or
        `updateFailed` (update) with `message`; "stuck" leaves it in `initializing` or
        `updating` for ever.

        Args:
            namespace: The endpoint's namespace.
            name: The endpoint's name (it need not exist yet).
            on: "create", "update" or "resume" (a resume also covers a wake-up from scaled to zero).
            outcome: "fail" or "stuck".
            message: The reason appended to `status.message` on failure.
        """
        if on not in ("create", "update", "resume"):
            raise ValueError(f"on must be 'create', 'update' or 'resume', not {on!r}")
        if outcome not in ("fail", "stuck"):
            raise ValueError(f"outcome must be 'fail' or 'stuck', not {outcome!r}")
        with self._lock:
            self._endpoint_faults[(namespace, name, on)] = (outcome, message or "injected failure")  # type: ignore[assignment]

    def add_unloadable_repository(self, repository: str) -> None:
        """Make every later deployment of this model repository fail to load."""
        with self._lock:
            self._unloadable.add(repository)

    def endpoint_ids(self, namespace: str | None = None) -> list[str]:
        """Every stored endpoint as ``"namespace/name"``, sorted; faults never apply.

        What a leak check compares with the ids a deployment's state holds.

        Args:
            namespace: Only this namespace; None for all.
        """
        with self._lock:
            records = self._store.all() if namespace is None else self._store.in_namespace(namespace)
            return sorted(f"{record.namespace}/{record.name}" for record in records)

    def inspect(self, namespace: str, name: str) -> dict[str, Any] | None:
        """The emulator's view of one endpoint, or None if it does not exist.

        Returns:
            `{"state", "since", "runningSince", "becameRunning", "lastTraffic", "idleDeadline",
            "plan", "history", "config"}`, times in emulator-clock seconds (`runningSince` is
            when it last became running, or None if it is not running).
        """
        with self._lock:
            record = self._store.get(namespace, name)
            if record is None:
                return None
            record.settle(self.clock(), self.settings.minute_seconds)
            return {
                "state": record.state,
                "message": record.message,
                "since": record.since,
                "runningSince": record.since if record.state == RUNNING else None,
                "becameRunning": list(record.became_running),
                "lastTraffic": record.last_traffic,
                "idleDeadline": record.idle_deadline(self.settings.minute_seconds),
                "plan": [
                    {"at": at, "state": state, "message": message} for at, state, message in record.plan
                ],
                "history": [{"at": at, "state": state} for at, state in record.history],
                "config": json.loads(json.dumps(record.config)),
            }

    def running_since(self, namespace: str, name: str) -> float | None:
        """When (emulator clock) the endpoint last became running, if it is running now."""
        view = self.inspect(namespace, name)
        return None if view is None else view["runningSince"]

    def drift(
        self, namespace: str, name: str, changes: dict[str, Any] | None = None, *, state: str | None = None
    ) -> None:
        """Change an endpoint behind the API's back, as a user of the web UI would.

        Args:
            namespace: The endpoint's namespace.
            name: The endpoint's name.
            changes: A PUT-shaped partial body, merged and validated like a PUT but applied at
                once, without an `updating` phase.
            state: Force a state: "paused", "scaledToZero", "running" or "failed".

        Raises:
            ApiError: 404 for an unknown endpoint, 400 for invalid changes.
        """
        allowed = (PAUSED, SCALED_TO_ZERO, RUNNING, FAILED)
        if state is not None and state not in allowed:
            raise ValueError(f"state must be one of {allowed}, not {state!r}")
        with self._lock:
            record = self._settled(namespace, name)
            if changes:
                # The web UI is not bound by the switches that model API refusals.
                permissive = self.settings.replace(
                    failed_update="allow", type_update="in_place", accelerator_switch="allow"
                )
                record.config = payloads.merge_update(
                    record.config, changes, permissive, record.state, self.catalogue
                )
            now = self.clock()
            if state is not None:
                record.enter(now, state)
            record.updated_at = now
            self._store.save(record)

    def reset(self) -> None:
        """Delete every endpoint, fault, count, name reservation and injected endpoint fault."""
        with self._lock:
            self._store.clear()
            self._released.clear()
            self._endpoint_faults.clear()
            self._unloadable.clear()
            self.faults.clear()
            self.faults.reseed(self._seed)
            self._durations = _SeededDraws(self._seed)
            self.counter.reset()

    def transport(self) -> httpx.BaseTransport:
        """An httpx transport serving this app in process (`httpx.Client(transport=...)`).

        A dropped connection surfaces as `httpx.RemoteProtocolError`, as on a real socket.
        """
        from .inprocess import EmulatorTransport

        return EmulatorTransport(self)

    def close(self) -> None:
        """Close the database file, if any."""
        with self._lock:
            self._store.close()

    def _duration(self) -> float:
        return self._durations.draw(self.settings)

    # The /_emulator routes.

    def _on_control_settings(self, request: Request, args: dict[str, Any]) -> Response:
        if request.method == "PUT":
            body = _read_json(request)
            if not isinstance(body, dict):
                raise bad_request("expected a JSON object of settings")
            try:
                self.configure(**body)
            except (TypeError, ValueError) as error:
                raise bad_request(str(error)) from None
        return _json(self.settings.to_json())

    def _on_control_faults(self, request: Request, args: dict[str, Any]) -> Response:
        if request.method == "POST":
            body = _read_json(request)
            if not isinstance(body, dict):
                raise bad_request("expected a JSON object describing a fault")
            try:
                rule = self.add_fault(**body)
            except (TypeError, ValueError) as error:
                raise bad_request(str(error)) from None
            return _json(rule.to_json(), 201)
        if request.method == "DELETE":
            self.clear_faults()
        return _json({"faults": [rule.to_json() for rule in self.faults.rules()]})

    def _on_control_fault(self, request: Request, args: dict[str, Any]) -> Response:
        if not self.faults.remove(int(args["rule_id"])):
            raise ApiError(404, "No fault with this id")
        return _json({})

    def _on_control_requests(self, request: Request, args: dict[str, Any]) -> Response:
        if request.method == "DELETE":
            self.reset_request_counts()
        return _json(self.request_counts())

    def _on_control_clock(self, request: Request, args: dict[str, Any]) -> Response:
        if request.method == "POST":
            body = _read_json(request)
            seconds = body.get("advance") if isinstance(body, dict) else None
            if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
                raise bad_request('expected {"advance": <seconds >= 0>}')
            self.advance_clock(float(seconds))
        now = self.clock()
        return _json({"now": now, "iso": iso(now)})

    def _on_control_reset(self, request: Request, args: dict[str, Any]) -> Response:
        self.reset()
        return _json({})

    def _on_control_unloadable(self, request: Request, args: dict[str, Any]) -> Response:
        if request.method == "POST":
            body = _read_json(request)
            repository = body.get("repository") if isinstance(body, dict) else None
            if not isinstance(repository, str) or not repository:
                raise bad_request('expected {"repository": "<owner/name>"}')
            self.add_unloadable_repository(repository)
        with self._lock:
            return _json({"repositories": sorted(self._unloadable), "prefix": UNLOADABLE_PREFIX})

    def _on_control_endpoint(self, request: Request, args: dict[str, Any]) -> Response:
        namespace, name = args["namespace"], args["name"]
        if request.method == "PATCH":
            body = _read_json(request)
            if not isinstance(body, dict):
                raise bad_request('expected {"config": {...}, "state": "..."}')
            try:
                self.drift(namespace, name, body.get("config"), state=body.get("state"))
            except ValueError as error:
                raise bad_request(str(error)) from None
        view = self.inspect(namespace, name)
        if view is None:
            raise ApiError(404, "Endpoint not found")
        return _json(view)

    def _on_control_namespaces(self, request: Request, args: dict[str, Any]) -> Response:
        return _json({"namespaces": [namespace.to_json() for namespace in self.namespaces()]})

    def _on_control_namespace(self, request: Request, args: dict[str, Any]) -> Response:
        name = args["namespace"]
        if request.method == "PUT":
            body = _read_json(request)
            if not isinstance(body, dict):
                raise bad_request("expected a JSON object of namespace settings")
            try:
                namespace = Namespace.from_json(name, body)
            except (TypeError, ValueError) as error:
                raise bad_request(str(error)) from None
            with self._lock:
                self._namespaces[name] = namespace
        elif request.method == "DELETE":
            self.remove_namespace(name)
        settings = self.namespace(name)
        if settings is None:
            raise ApiError(404, f"{name} is not a namespace of the whoami user nor one set up")
        return _json(settings.to_json())

    def _on_control_endpoint_fault(self, request: Request, args: dict[str, Any]) -> Response:
        body = _read_json(request)
        if not isinstance(body, dict):
            raise bad_request(
                'expected {"on": "create|update|resume", "outcome": "fail|stuck", "message": "..."}'
            )
        try:
            self.inject_endpoint_fault(
                args["namespace"],
                args["name"],
                on=body.get("on", ""),
                outcome=body.get("outcome", "fail"),
                message=body.get("message"),
            )
        except ValueError as error:
            raise bad_request(str(error)) from None
        return _json({})


class _SeededDraws:
    """Provisioning times drawn from the settings' range with a seeded generator."""

    def __init__(self, seed: int | None) -> None:
        self._rng = random.Random(seed)

    def draw(self, settings: Settings) -> float:
        return settings.draw_provision_seconds(self._rng)


def _encode_cursor(name: str) -> str:
    return base64.urlsafe_b64encode(name.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str | None) -> str | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return base64.b64decode(padded, altchars=b"-_", validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        raise bad_request("invalid cursor") from None
