"""A scripted fake of the Inference Endpoints API for the provider's unit tests.

`FakeApi` is an `httpx.MockTransport` handler (a small callable class, as httpx's own tests fake
servers). It keeps endpoints in a dict, records every request, and normalises like the real API:
it resolves the revision to a SHA, fills in image defaults, `compute.id`, the scale-to-zero
default and `metric`, and reads secrets and registry credentials back redacted. Each GET (and each
listing of the namespace) moves an endpoint one step along its scripted states, so a wait costs a
few polls and no wall time.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from pulumi.dynamic import Config, ConfigureRequest

from pulumi_huggingface.client import EndpointsClient
from pulumi_huggingface.provider import InferenceEndpointProvider
from pulumi_huggingface.waiting import Clock
from pulumi_huggingface_emulator import EmulatorApp
from pulumi_huggingface_emulator.inprocess import EmulatorTransport

TOKEN = "hf_unit_test_token_9f8e7d6c5b4a"
NAMESPACE = "alice"
SHA = "0123456789abcdef0123456789abcdef01234567"
CATALOGUE = {
    "vendors": [
        {
            "name": "aws",
            "status": "available",
            "regions": [
                {
                    "name": "us-east-1",
                    "label": "N. Virginia",
                    "status": "available",
                    "computes": [
                        {
                            "accelerator": "cpu",
                            "instanceType": "intel-icl",
                            "instanceSize": size,
                            "status": "available",
                        }
                        for size in ("x1", "x2", "x4", "x8")
                    ]
                    + [
                        {
                            "accelerator": "gpu",
                            "instanceType": gpu,
                            "instanceSize": "x1",
                            "status": "available",
                        }
                        for gpu in ("nvidia-t4", "nvidia-a10g", "nvidia-l4")
                    ],
                },
                {"name": "eu-west-1", "label": "Ireland", "status": "available", "computes": []},
            ],
        }
    ]
}


@dataclass
class Call:
    """One request the fake received."""

    method: str
    path: str
    body: Any
    headers: httpx.Headers


@dataclass
class FakeApi:
    """The fake API. Script states with `script`, inject failures with `fail_next`."""

    endpoints: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    # Per endpoint name: the states its next GETs report, one per GET (the last one sticks).
    scripts: dict[str, list[str]] = field(default_factory=dict)
    # (method, path suffix) -> a callable returning a response or raising, used once.
    failures: list[tuple[str, str, Callable[[httpx.Request], httpx.Response]]] = field(default_factory=list)
    tick: int = 0
    # The real API may answer a PUT (and the next GETs) with the old `running` and `updatedAt`.
    stale_put: bool = False
    # Whether a PUT on a paused endpoint redeploys it (the emulator keeps it paused; the real API's
    # behaviour is not documented).
    put_wakes_paused: bool = False
    # Whether pause is refused while a deployment is under way (undocumented either way).
    refuse_pause_while_deploying: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        # The provider server calls the provider from several threads; the fake serves one at a time.
        with self.lock:
            return self._serve(request)

    def _serve(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        path = request.url.path
        self.calls.append(Call(request.method, path, body, request.headers))
        for index, (method, suffix, respond) in enumerate(self.failures):
            if method == request.method and path.endswith(suffix):
                del self.failures[index]
                return respond(request)
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return httpx.Response(401, json={"error": "Invalid credentials in Authorization header"})
        parts = path.strip("/").split("/")
        if path.endswith("/api/whoami-v2"):
            return httpx.Response(200, json={"type": "user", "name": NAMESPACE})
        if parts[-2:-1] == ["provider"]:
            return httpx.Response(200, json=CATALOGUE)
        if parts[1:2] != ["endpoint"]:
            return httpx.Response(404, json={"error": "no such route"})
        if len(parts) == 3 and request.method == "POST":
            return self._create(parts[2], body)
        if len(parts) == 3 and request.method == "GET":
            return self._list(parts[2])
        namespace, name = parts[2], parts[3]
        key = (namespace, name)
        if key not in self.endpoints:
            return httpx.Response(404, json={"error": "Endpoint not found"})
        if len(parts) == 5 and request.method == "POST":
            return self._act(namespace, name, parts[4])
        if request.method == "GET":
            self._advance(name)
            return httpx.Response(200, json=self.render(namespace, name))
        if request.method == "PUT":
            return self._update(namespace, name, body)
        if request.method == "DELETE":
            del self.endpoints[key]
            return httpx.Response(200, json={})
        return httpx.Response(405, json={"error": "method not allowed"})

    # --- helpers for tests ---------------------------------------------------------------------

    def fail_next(self, method: str, suffix: str, respond: Callable[[httpx.Request], httpx.Response]) -> None:
        """Answer the next matching request with `respond` instead of the normal behaviour."""
        self.failures.append((method, suffix, respond))

    def script(self, name: str, *states: str) -> None:
        """Make the next GETs of endpoint `name` report these states, in order."""
        self.scripts[name] = list(states)

    def calls_of(self, method: str) -> list[Call]:
        """The recorded requests with this method, to the endpoint routes."""
        return [call for call in self.calls if call.method == method and "/endpoint/" in call.path]

    def stored(self, name: str, namespace: str = NAMESPACE) -> dict[str, Any]:
        """The endpoint as the server holds it (secrets unredacted)."""
        return self.endpoints[(namespace, name)]

    def seed(self, name: str, namespace: str = NAMESPACE, **overrides: Any) -> dict[str, Any]:
        """Create a running endpoint directly, as if made outside Pulumi."""
        body = endpoint_body(name)
        body.update(overrides)
        self._store(namespace, body, state="running")
        return self.render(namespace, name)

    def render(self, namespace: str, name: str) -> dict[str, Any]:
        """The endpoint as the API answers: secrets and credentials redacted."""
        endpoint = copy.deepcopy(self.endpoints[(namespace, name)])
        model = endpoint["model"]
        model["secrets"] = {}
        custom = model["image"].get("custom")
        if isinstance(custom, dict) and "credentials" in custom:
            custom["credentials"] = {"username": "", "password": None}
        return endpoint

    # --- the API's behaviour -------------------------------------------------------------------

    def _now(self) -> str:
        self.tick += 1
        return f"2025-01-01T00:00:{self.tick:02d}.000Z"

    def _store(
        self, namespace: str, body: dict[str, Any], *, state: str, created_at: str | None = None
    ) -> dict[str, Any]:
        endpoint = copy.deepcopy(body)
        now = self._now()
        compute = endpoint["compute"]
        scaling = compute["scaling"]
        compute["id"] = f"aws-us-east-1-{compute['instanceType']}-{compute['instanceSize']}"
        if scaling.get("minReplica") == 0 and scaling.get("scaleToZeroTimeout") is None:
            scaling["scaleToZeroTimeout"] = 15
        if scaling.get("measure"):
            scaling["metric"] = next(iter(scaling["measure"]))
        model = endpoint["model"]
        model["revision"] = SHA if model.get("revision") in (None, "main") else model["revision"]
        model.setdefault("env", {})
        model.setdefault("secrets", {})
        model.setdefault("task", None)
        custom = model["image"].get("custom")
        if isinstance(custom, dict):
            custom.setdefault("port", 80)
            custom.setdefault("healthRoute", "/health")
        endpoint.setdefault("tags", [])
        endpoint["healthRoute"] = "/health"
        endpoint["status"] = {
            "state": state,
            "message": f"Endpoint is {state}",
            "createdAt": created_at or now,
            "updatedAt": now,
            "readyReplica": 1 if state == "running" else 0,
            "targetReplica": 1,
            "url": f"https://{endpoint['name']}.endpoints.test" if state == "running" else None,
        }
        self.endpoints[(namespace, endpoint["name"])] = endpoint
        return endpoint

    def _list(self, namespace: str) -> httpx.Response:
        # The provider's waits poll through a shared watcher, which lists a namespace once for all
        # the endpoints being waited on: a listing moves each listed endpoint a step, as a GET does.
        names = [name for (ns, name) in self.endpoints if ns == namespace]
        for name in names:
            self._advance(name)
        items = [self.render(namespace, name) for name in names]
        return httpx.Response(200, json={"items": items, "nextCursor": None})

    def _create(self, namespace: str, body: dict[str, Any]) -> httpx.Response:
        if (namespace, body["name"]) in self.endpoints:
            return httpx.Response(
                409, json={"error": "Conflict: An endpoint with the same name already exists"}
            )
        self._store(namespace, body, state="pending")
        self.scripts.setdefault(body["name"], ["initializing", "running"])
        return httpx.Response(200, json=self.render(namespace, body["name"]))

    def _update(self, namespace: str, name: str, body: dict[str, Any]) -> httpx.Response:
        endpoint = self.endpoints[(namespace, name)]
        merged = _merge({k: v for k, v in endpoint.items() if k != "status"}, body)
        status = endpoint["status"]
        if status["state"] == "paused" and not self.put_wakes_paused:
            self._store(namespace, merged, state="paused", created_at=status["createdAt"])
            return httpx.Response(200, json=self.render(namespace, name))
        self._store(namespace, merged, state="updating", created_at=status["createdAt"])
        if self.stale_put:
            self.endpoints[(namespace, name)]["status"] = status
        else:
            self.scripts.setdefault(name, ["updating", "running"])
        return httpx.Response(200, json=self.render(namespace, name))

    def _act(self, namespace: str, name: str, action: str) -> httpx.Response:
        # pause / resume / scale-to-zero, as the emulator answers them.
        status = self.endpoints[(namespace, name)]["status"]
        state = status["state"]
        if action == "pause":
            if self.refuse_pause_while_deploying and state in ("pending", "initializing", "updating"):
                return httpx.Response(400, json={"error": "Bad Request: Endpoint is being deployed"})
            self.scripts.pop(name, None)
            self._set_state(status, "paused")
        elif action == "resume":
            if state == "running":
                return httpx.Response(400, json={"error": "Bad Request: Endpoint is already running"})
            self._set_state(status, "pending")
            self.scripts.setdefault(name, ["initializing", "running"])
        elif action == "scale-to-zero":
            if state == "paused":
                return httpx.Response(400, json={"error": "Bad Request: Endpoint is paused, resume it first"})
            self.scripts.pop(name, None)
            self._set_state(status, "scaledToZero")
        else:
            return httpx.Response(404, json={"error": "no such route"})
        return httpx.Response(200, json=self.render(namespace, name))

    def _set_state(self, status: dict[str, Any], state: str) -> None:
        status["state"] = state
        status["message"] = f"Endpoint is {state}"
        status["readyReplica"] = 1 if state == "running" else 0
        status["updatedAt"] = self._now()

    def _advance(self, name: str) -> None:
        script = self.scripts.get(name)
        if not script:
            return
        state = script.pop(0)
        if not script:
            del self.scripts[name]
        for (_, stored_name), endpoint in self.endpoints.items():
            if stored_name == name:
                status = endpoint["status"]
                status["state"] = state
                status["message"] = (
                    "Endpoint failed to deploy" if state == "failed" else f"Endpoint is {state}"
                )
                status["readyReplica"] = 1 if state == "running" else 0
                if state == "running":
                    status["url"] = f"https://{name}.endpoints.test"


def _merge(current: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(current)
    for key, value in patch.items():
        whole = key in ("image", "command", "args", "tags", "route", "env", "secrets", "measure")
        if isinstance(value, dict) and isinstance(merged.get(key), dict) and not whole:
            merged[key] = _merge(merged[key], value)
        elif value is None:
            merged.pop(key, None)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


class FakeClock(Clock):
    """A clock that advances only when slept on."""

    def __init__(self) -> None:
        self.time = 1000.0
        self.slept: list[float] = []
        super().__init__(now=lambda: self.time, sleep=self._sleep)

    def _sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.time += seconds


def make_provider(
    api: FakeApi, *, clock: FakeClock | None = None, environ: dict[str, str] | None = None
) -> tuple[InferenceEndpointProvider, list[str], list[str]]:
    """A provider wired to `api` with a fake clock; returns it with its captured info and warn lines."""
    info: list[str] = []
    warn: list[str] = []
    provider = InferenceEndpointProvider(
        transport=httpx.MockTransport(api),
        clock=clock or FakeClock(),
        environ={"HF_TOKEN": TOKEN} if environ is None else environ,
        info=info.append,
        warn=warn.append,
    )
    return provider, info, warn


class EmulatedProvider:
    """A provider on the in-process emulator (`httpx.WSGITransport`) whose sleeps move the emulator's
    clock, so deadlines and provisioning pass without wall time.

    Attributes:
        app: The emulator.
        provider: The provider, not yet configured (see `configure_stack`).
        now: The fake time in seconds, advanced only by the provider's sleeps.
        info: The provider's progress and warning lines.
    """

    def __init__(self, app: EmulatorApp, *, environ: dict[str, str] | None = None) -> None:
        self.app = app
        self.now = 0.0
        self.info: list[str] = []
        self.provider = InferenceEndpointProvider(
            transport=EmulatorTransport(app),
            clock=Clock(now=lambda: self.now, sleep=self.sleep),
            environ=environ or {},
            info=self.info.append,
            warn=self.info.append,
        )

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.app.advance_clock(seconds)

    def configure_stack(self, config: Mapping[str, str]) -> None:
        """Configure the provider as `pulumi up` does, with `config` as the stack config."""
        self.provider.configure(ConfigureRequest(Config(raw_config=dict(config), project_name="p")))


# A small CPU endpoint that both `CATALOGUE` and the emulator offer: the model and hardware of
# every provider test that does not vary them.
SMALL_CPU_ENDPOINT: Mapping[str, Any] = {
    "repository": "openai-community/gpt2",
    "framework": "pytorch",
    "task": "text-generation",
    "accelerator": "cpu",
    "instance_size": "x2",
    "instance_type": "intel-icl",
    "vendor": "aws",
    "region": "us-east-1",
}


def endpoint_body(name: str) -> dict[str, Any]:
    """A create body for a small CPU endpoint, in the API's JSON (as made outside Pulumi)."""
    return {
        "name": name,
        "type": "authenticated",
        "provider": {"vendor": "aws", "region": "us-east-1"},
        "compute": {
            "accelerator": "cpu",
            "instanceType": "intel-icl",
            "instanceSize": "x2",
            "scaling": {"minReplica": 1, "maxReplica": 1},
        },
        "model": {
            "repository": "openai-community/gpt2",
            "framework": "pytorch",
            "image": {"huggingface": {}},
        },
    }


def base_inputs(**overrides: Any) -> dict[str, Any]:
    """Valid inputs for a small CPU endpoint, as the resource sends them (before check)."""
    inputs: dict[str, Any] = {
        "__resource_name": "quickstart",
        **SMALL_CPU_ENDPOINT,
        "min_replica": 0,
        "max_replica": 1,
        "scale_to_zero_timeout": 15,
    }
    inputs.update(overrides)
    return inputs


class EmulatedStack(EmulatedProvider):
    """An `EmulatedProvider` configured as a stack on the emulator, with a plain client for setting
    scenes, and `checked` running check on a small CPU endpoint as the engine would.

    Attributes:
        client: A client of the emulator, outside the provider.
        declared: What `checked` declares before its overrides.
    """

    API = "http://emulator.test/v2"

    def __init__(self, app: EmulatorApp, *, token: str, declared: Mapping[str, Any]) -> None:
        super().__init__(app)
        self.configure_stack(self.config(token))
        self.client = EndpointsClient(token=token, api_url=self.API, transport=EmulatorTransport(app))
        self.declared = dict(declared)

    @classmethod
    def config(cls, token: str) -> dict[str, str]:
        """The stack config pointing a provider at the in-process emulator."""
        return {
            "huggingface:token": token,
            "huggingface:apiUrl": cls.API,
            "huggingface:hubUrl": "http://emulator.test",
        }

    def checked(self, olds: dict[str, Any] | None = None, **overrides: Any) -> dict[str, Any]:
        """The inputs check returns for `declared` with `overrides`; fails the test on any failure."""
        result = self.provider.check(olds or {}, {**self.declared, **overrides})
        assert result.failures == [], result.failures
        return result.inputs

    def sent(self, method: str, route: str) -> int:
        """How many requests reached `route` (e.g. `/v2/endpoint/{namespace}`) with `method`."""
        counts: dict[str, int] = self.app.request_counts()["byRoute"]
        return counts.get(f"{method} {route}", 0)
