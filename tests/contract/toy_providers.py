"""Small dynamic providers for driving the SDK's provider server in contract tests.

This module is imported in two processes: by the tests (to build resources and their `__provider`
pickles) and by the provider server, which unpickles each provider *by reference* (`toy_providers.
FileBackedProvider`), so it must import without side effects and be on the server's path.

The providers report what they receive as `TOY-EVENT <json>` lines on stderr (`events()` parses them
back from `ProviderServer.stderr_text()`), and `FileBackedProvider` keeps its "cloud" in a folder named
by the stack config key `toy:store`, one JSON file per resource, so a test can delete a resource
behind the provider's back.
"""

from __future__ import annotations

import json
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)
from pulumi.output import Unknown

EVENT_PREFIX = "TOY-EVENT "
REPLACE_ON = ("region",)
"""Inputs whose change forces a replacement in `FileBackedProvider.diff`."""

_emit_lock = threading.Lock()


def emit(method: str, **fields: Any) -> None:
    """Write one event line to stderr (the server's stderr is captured by the harness)."""
    line = EVENT_PREFIX + json.dumps({"method": method, **fields}, default=repr, sort_keys=True)
    with _emit_lock:
        print(line, file=sys.stderr, flush=True)


def events(stderr: str, method: str | None = None) -> list[dict[str, Any]]:
    """Parse the events out of a captured stderr, optionally only those of one method."""
    found = [
        json.loads(line[len(EVENT_PREFIX) :]) for line in stderr.splitlines() if line.startswith(EVENT_PREFIX)
    ]
    return [e for e in found if method is None or e["method"] == method]


def _public(props: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if not k.startswith("__")}


class FileBackedProvider(ResourceProvider):
    """A provider whose resources are JSON files in the folder named by config `toy:store`.

    Inputs that steer it: `fail_check` (a reason: check fails on `name`), `fail_create` (a message:
    create raises it), `unknown_diff` (diff answers DIFF_UNKNOWN), `delete_before_replace` (asked for
    on replacement). `region` changes force a replacement; other changes update in place.
    """

    store: Path | None = None

    def configure(self, req: ConfigureRequest) -> None:
        """Record the config as received and find the store folder."""
        raw = dict(req.config._props)
        emit("configure", config=raw, project=req.config._project_name)
        folder = req.config.get("toy:store")
        self.store = Path(folder) if folder else None

    def _path(self, id_: str) -> Path:
        if self.store is None:
            raise RuntimeError("toy:store is not configured")
        return self.store / f"{id_}.json"

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Echo the inputs; fail on `name` when `fail_check` is set."""
        unknown = sorted(k for k, v in news.items() if isinstance(v, Unknown))
        emit("check", olds=_public(olds), news=_public(news), unknown=unknown)
        failures = []
        if news.get("fail_check"):
            failures.append(CheckFailure("name", str(news["fail_check"])))
        return CheckResult(news, failures)

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Compare outputs in state with new inputs, driven by `REPLACE_ON`."""
        emit("diff", id=id_, olds=_public(olds), news=_public(news))
        if news.get("unknown_diff"):
            return DiffResult(changes=None)
        changed = sorted(k for k in _public(news) if olds.get(k) != news[k])
        changed += sorted(k for k in _public(olds) if k not in news and k not in ("created_at", "generation"))
        replaces = [k for k in changed if k in REPLACE_ON]
        return DiffResult(
            changes=bool(changed),
            replaces=replaces,
            delete_before_replace=bool(news.get("delete_before_replace")),
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Write the resource file; outputs echo the inputs plus `created_at` and `generation`."""
        emit("create", props=_public(props))
        if props.get("fail_create"):
            raise RuntimeError(str(props["fail_create"]))
        id_ = f"{props.get('name', 'res')}-{uuid.uuid4().hex[:8]}"
        outs = {**_public(props), "created_at": time.time(), "generation": 1}
        self._path(id_).write_text(json.dumps(outs))
        return CreateResult(id_, outs)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Return the file's content, or id "" when the file is gone."""
        emit("read", id=id_, props=_public(props))
        path = self._path(id_)
        if not path.exists():
            return ReadResult("", {})
        outs = json.loads(path.read_text())
        inputs = {k: v for k, v in outs.items() if k not in ("created_at", "generation")}
        return ReadResult(id_, outs, inputs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Rewrite the file with the new inputs and a bumped generation."""
        emit("update", id=id_, olds=_public(olds), news=_public(news))
        outs = {
            **_public(news),
            "created_at": olds.get("created_at"),
            "generation": olds.get("generation", 0) + 1,
        }
        self._path(id_).write_text(json.dumps(outs))
        return UpdateResult(outs)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Remove the file."""
        emit("delete", id=id_, props=_public(props))
        self._path(id_).unlink(missing_ok=True)


class FailingConfigureProvider(ResourceProvider):
    """A provider whose `configure` raises: every call that unpickles it fails."""

    def configure(self, req: ConfigureRequest) -> None:
        """Refuse to start."""
        raise RuntimeError("toy configure refused: no credentials")

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Never reached."""
        return CreateResult("never", {})


class SlowProvider(ResourceProvider):
    """A provider whose `create` sleeps `sleep` seconds, reporting when it starts and ends."""

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Sleep, then succeed."""
        start = time.monotonic()
        emit("create_started", name=props.get("name"), at=start)
        time.sleep(float(props.get("sleep", 1.5)))
        emit("create_finished", name=props.get("name"), started=start, ended=time.monotonic())
        return CreateResult(str(props.get("name")), _public(props))


class WideSlowProvider(SlowProvider):
    """`SlowProvider` whose `configure` widens the server's thread pool, as our provider does."""

    def configure(self, req: ConfigureRequest) -> None:
        """Widen the provider server's pool and report the outcome."""
        from pulumi_huggingface._server import widen_server_pool

        status = widen_server_pool()
        emit("widen", status=status.state.value, max_workers=status.max_workers, reason=status.reason)


class ToyResource(Resource, module="toy", name="Thing"):
    """A dynamic resource for the toy providers, with a real type token."""

    created_at: pulumi.Output[float]
    generation: pulumi.Output[int]

    def __init__(
        self,
        name: str,
        props: dict[str, Any],
        provider: ResourceProvider | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(
            provider or FileBackedProvider(),
            name,
            {**props, "created_at": None, "generation": None},
            opts,
        )
