"""Drive the Pulumi SDK's dynamic provider server exactly as the engine does, without the CLI.

`pulumi up` starts one plugin process per stack for all dynamic resources
(`python -u -m pulumi.dynamic ENGINE_ADDRESS`, cwd on the program folder, `PULUMI_PROJECT` set), reads
its port from the first stdout line and calls it over gRPC. `ProviderServer` starts that same
process and offers one method per RPC, taking and returning plain Python dicts, marshalled the way
the engine marshals them:

* `Handshake` is tried first; the SDK's server does not implement it, so, like the engine, the
  protocol (whether secrets may be sent) comes from the `Configure` answer.
* `Configure` carries the whole stack config, namespaced keys kept (`huggingface:token`), both as the
  deprecated `variables` map (`pulumi-python:config:<key>` -> string) and as the `args` Struct with
  secret values wrapped; the SDK's server reads `args`.
* The SDK's server answers `acceptSecrets=False`, so secret markers are stripped from every
  property bag sent and restored on the results by name, as the engine's `annotateSecrets` does.
* Unknowns may only be sent during a preview (`check`/`diff` with `preview=True`).

Errors raised by provider code reach the engine as gRPC status UNKNOWN with the Python traceback
as details; they surface here as `ProviderCallError`.
"""

from __future__ import annotations

import atexit
import json
import os
import secrets
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, NamedTuple, TypedDict

import grpc
from pulumi.runtime import rpc
from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from support._values import (
    annotate_secrets,
    contains_secrets,
    from_struct,
    strip_secrets,
    to_struct,
)

DYNAMIC_PROVIDER_PACKAGE = "pulumi-python"
"""The package of Python dynamic resources: their default provider is `pulumi:providers:pulumi-python`."""

SCRUBBED_ENV = (
    "HF_TOKEN",
    "HUGGING_FACE_HUB_TOKEN",
    "HF_HOME",
    "HF_HUB_CACHE",
    "HF_TOKEN_PATH",
    "HF_ENDPOINT",
    "HF_ENDPOINTS_API_URL",
    "PULUMI_CONFIG",
    "PULUMI_ACCESS_TOKEN",
)
"""Variables never inherited by the server: they would reach a real account, cache or stack."""


class ProviderCallError(Exception):
    """An RPC to the provider server failed.

    Attributes:
        method: The RPC name, such as "Create".
        code: The gRPC status code; provider exceptions arrive as `grpc.StatusCode.UNKNOWN`.
        details: The status details; for provider exceptions, the Python traceback.
    """

    def __init__(self, method: str, code: grpc.StatusCode, details: str) -> None:
        super().__init__(f"{method} failed with {code.name}: {details}")
        self.method = method
        self.code = code
        self.details = details


class ProviderServerStartError(RuntimeError):
    """The provider server exited or stayed silent before printing its port."""


@dataclass(frozen=True)
class CheckFailure:
    """One input rejected by `check`.

    Attributes:
        property: The input's name.
        reason: Why it was rejected.
    """

    property: str
    reason: str


@dataclass(frozen=True)
class CheckResponse:
    """The answer to `Check`.

    Attributes:
        inputs: The checked inputs (with `__provider`), secret markers restored by name.
        failures: Rejected inputs; the engine stops before any other call when there are any.
    """

    inputs: dict[str, Any]
    failures: list[CheckFailure] = field(default_factory=list)


@dataclass(frozen=True)
class DiffResponse:
    """The answer to `Diff`.

    Attributes:
        changes: True (DIFF_SOME), False (DIFF_NONE) or None (DIFF_UNKNOWN: the engine then compares
            old and new inputs itself and never replaces).
        replaces: Properties forcing a replacement; the engine replaces iff `changes` and this is
            non-empty.
        delete_before_replace: Whether a replacement deletes the old resource first.
        stables: Properties reported as never changing (the SDK's server never sends them).
    """

    changes: bool | None
    replaces: list[str] = field(default_factory=list)
    delete_before_replace: bool = False
    stables: list[str] = field(default_factory=list)


class CreateResponse(NamedTuple):
    """The answer to `Create`: the new resource's id and outputs."""

    id: str
    outs: dict[str, Any]


class ReadResponse(NamedTuple):
    """The answer to `Read`: id ("" when the resource is gone), outputs, and inputs if returned."""

    id: str
    outs: dict[str, Any]
    inputs: dict[str, Any] | None


def make_urn(type_: str, name: str, *, project: str = "project", stack: str = "stack") -> str:
    """Build a resource URN the way the engine does for a resource without a parent.

    Args:
        type_: Type token, such as "pulumi-python:dynamic/huggingface:InferenceEndpoint".
        name: Logical name.
        project: Project name.
        stack: Stack name.

    Returns:
        "urn:pulumi:<stack>::<project>::<type>::<name>".
    """
    return f"urn:pulumi:{stack}::{project}::{type_}::{name}"


def urn_type(urn: str) -> str:
    """Return the (innermost) type token of a URN."""
    return urn.split("::")[2].split("$")[-1]


def urn_name(urn: str) -> str:
    """Return the logical name of a URN."""
    return "::".join(urn.split("::")[3:])


class _ResourceFields(TypedDict):
    urn: str
    name: str
    type: str


def _resource_fields(urn: str) -> _ResourceFields:
    """The fields by which every resource request names its resource: the URN and its name and type."""
    return {"urn": urn, "name": urn_name(urn), "type": urn_type(urn)}


def _config_string(value: Any) -> str:
    # Stack config values are strings in the engine; structured values travel as their JSON text.
    return value if isinstance(value, str) else json.dumps(value)


class ProviderServer:
    """A running `python -u -m pulumi.dynamic` provider server and a gRPC client for it.

    Use it as a context manager; leaving the block (also on an exception) stops the process. An
    `atexit` hook stops any server still running at interpreter exit.

    Example:
        >>> with ProviderServer(program_dir, python_path=[support_dir]) as server:  # doctest: +SKIP
        ...     server.configure({"huggingface:token": "hf_x"}, secret_keys=["huggingface:token"])
        ...     checked = server.check(urn, {}, inputs)
        ...     created = server.create(urn, checked.inputs)

    Args:
        cwd: Folder the server runs in: the Pulumi program's folder, where the provider's module
            must import.
        project: Value of `PULUMI_PROJECT` (the project name).
        stack: Stack name used in URNs built by callers through `make_urn`.
        python_path: Folders put first on the server's `PYTHONPATH` (for provider classes in
            test-support modules).
        env: Extra environment variables, applied last (the only way to pass `HF_TOKEN` and the
            like, which are otherwise scrubbed).
        python: Interpreter; the current one by default, as the engine uses the project's.
        start_timeout: Seconds to wait for the port line.
        call_timeout: gRPC deadline of each call in seconds, None for none (the engine sets none).
    """

    def __init__(
        self,
        cwd: str | os.PathLike[str],
        *,
        project: str = "project",
        stack: str = "stack",
        python_path: Iterable[str | os.PathLike[str]] = (),
        env: Mapping[str, str] | None = None,
        python: str = sys.executable,
        start_timeout: float = 30.0,
        call_timeout: float | None = 300.0,
    ) -> None:
        self.cwd = Path(cwd)
        self.project = project
        self.stack = stack
        self._python_path = [str(p) for p in python_path]
        self._extra_env = dict(env or {})
        self._python = python
        self._start_timeout = start_timeout
        self.call_timeout = call_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._channel: grpc.Channel | None = None
        self._stub: provider_pb2_grpc.ResourceProviderStub | None = None
        self._hf_home: str | None = None
        # Output is read only under `_output_lock`, by the pump thread and by `_collect()`, so chunks
        # keep their order and a reader can take what is already in the pipe before returning.
        self._output: dict[int, bytearray] = {}
        self._names: dict[str, int] = {}
        self._open_fds: set[int] = set()
        self._output_lock = threading.Lock()
        self._pump_thread: threading.Thread | None = None
        self._port_ready = threading.Event()
        self._accept_secrets: bool | None = None
        self.port: int | None = None

    # Lifecycle -------------------------------------------------------------------------------

    def __enter__(self) -> ProviderServer:
        if self._process is None:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def environment(self) -> dict[str, str]:
        """Return the environment the server process gets.

        The current environment minus `SCRUBBED_ENV`, with a private empty `HF_HOME`, the variables
        the engine sets for a dynamic provider plugin (`PULUMI_PROJECT`, and `PULUMI_CONFIG` holding
        the `pulumi-python` namespace of the stack config, always empty), `PYTHONPATH` extended, and
        the explicit `env` last.
        """
        env = {k: v for k, v in os.environ.items() if k not in SCRUBBED_ENV}
        if self._hf_home is not None:
            env["HF_HOME"] = self._hf_home
        env["PULUMI_PROJECT"] = self.project
        env["PULUMI_CONFIG"] = "{}"
        paths = [*self._python_path]
        if os.environ.get("PYTHONPATH"):
            paths.append(os.environ["PYTHONPATH"])
        if paths:
            env["PYTHONPATH"] = os.pathsep.join(paths)
        env.update(self._extra_env)
        return env

    def start(self) -> None:
        """Start the server, wait for its port, and connect.

        Raises:
            ProviderServerStartError: The process exited or printed no port within `start_timeout`
                (the message includes its stderr).
        """
        if self._process is not None:
            raise RuntimeError("the provider server was already started")
        self._hf_home = tempfile.mkdtemp(prefix="hf-home-")
        atexit.register(self.close)
        try:
            self._process = subprocess.Popen(
                [self._python, "-u", "-m", "pulumi.dynamic", "127.0.0.1:1"],
                cwd=self.cwd,
                env=self.environment(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                # Its own session, so a Ctrl-C aimed at the test run does not reach it mid-call.
                start_new_session=True,
            )
            assert self._process.stdout is not None and self._process.stderr is not None
            self._names = {"stdout": self._process.stdout.fileno(), "stderr": self._process.stderr.fileno()}
            self._output = {fd: bytearray() for fd in self._names.values()}
            self._open_fds = set(self._names.values())
            self._pump_thread = threading.Thread(
                target=self._pump, name="provider-server-output", daemon=True
            )
            self._pump_thread.start()
            self.port = self._wait_for_port()
            self._channel = grpc.insecure_channel(f"127.0.0.1:{self.port}", options=_GRPC_CHANNEL_OPTIONS)
            grpc.channel_ready_future(self._channel).result(timeout=self._start_timeout)
            self._stub = provider_pb2_grpc.ResourceProviderStub(self._channel)
            self._handshake()
        except BaseException:
            self.close()
            raise

    def _wait_for_port(self) -> int:
        deadline = time.monotonic() + self._start_timeout
        while not self._port_ready.wait(0.05):
            if self._process is not None and self._process.poll() is not None:
                self._port_ready.wait(1.0)
                break
            if time.monotonic() > deadline:
                break
        with self._output_lock:
            self._collect()
            first = bytes(self._output[self._names["stdout"]]).split(b"\n", 1)[0]
        line = first.decode("utf-8", "replace").strip()
        if not line.isdigit():
            state = "exited" if self._process and self._process.poll() is not None else "did not answer"
            raise ProviderServerStartError(
                f"the provider server {state} before printing its port "
                f"(first stdout line: {line!r}); stderr:\n{self.stderr_text()}"
            )
        return int(line)

    def _read_available(self, fd: int) -> None:
        # Caller holds `_output_lock`. Reads only what is already in the pipe, never blocks.
        while fd in self._open_fds and select.select([fd], [], [], 0)[0]:
            chunk = os.read(fd, 65536)
            if not chunk:
                self._open_fds.discard(fd)
                break
            self._output[fd] += chunk

    def _collect(self) -> None:
        for fd in list(self._open_fds):
            self._read_available(fd)
        stdout = self._names.get("stdout")
        if stdout is not None and (b"\n" in self._output[stdout] or stdout not in self._open_fds):
            self._port_ready.set()

    def _pump(self) -> None:
        # Keeps draining both pipes while the server runs: a full pipe would block the server.
        while True:
            with self._output_lock:
                fds = list(self._open_fds)
            if not fds:
                break
            select.select(fds, [], [], 0.05)
            with self._output_lock:
                self._collect()
        self._port_ready.set()

    def _join_pump(self, timeout: float) -> None:
        if self._pump_thread is not None and self._pump_thread is not threading.current_thread():
            self._pump_thread.join(timeout)

    @property
    def pid(self) -> int:
        """The server's process id."""
        if self._process is None:
            raise RuntimeError("the provider server is not running")
        return self._process.pid

    def is_running(self) -> bool:
        """Return whether the server process is alive."""
        return self._process is not None and self._process.poll() is None

    @property
    def returncode(self) -> int | None:
        """The exit status once the process has ended, else None."""
        return None if self._process is None else self._process.poll()

    def _text(self, name: str) -> bytes:
        fd = self._names.get(name)
        if fd is None:
            return b""
        with self._output_lock:
            self._collect()
            return bytes(self._output[fd])

    def stderr_text(self) -> str:
        """Everything the server wrote to stderr so far (where `pulumi.log` and tracebacks go).

        Output written before an RPC returned is included once the call has returned: what is
        still in the pipe is read before answering.
        """
        return self._text("stderr").decode("utf-8", "replace")

    def wait_for_stderr(self, text: str, timeout: float = 10.0) -> str:
        """Wait until `text` appears on the server's stderr.

        Args:
            text: Substring to wait for.
            timeout: Seconds to wait.

        Returns:
            The whole stderr so far.

        Raises:
            TimeoutError: `text` did not appear in time.
        """
        deadline = time.monotonic() + timeout
        while True:
            captured = self.stderr_text()
            if text in captured:
                return captured
            if time.monotonic() > deadline:
                raise TimeoutError(f"{text!r} did not appear on the provider server's stderr:\n{captured}")
            time.sleep(0.02)

    def kill(self) -> None:
        """SIGKILL the server at once, as a crash or an engine kill would; calls in flight fail."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()

    def close(self) -> None:
        """Close the channel and stop the process; safe to call more than once."""
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        self._stub = None
        if self._process is not None:
            if self._process.poll() is None:
                self._process.terminate()
                try:
                    self._process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self._process.kill()
                    self._process.wait()
            self._join_pump(timeout=5.0)
            for stream in (self._process.stdout, self._process.stderr):
                if stream is not None:
                    stream.close()
        if self._hf_home is not None:
            shutil.rmtree(self._hf_home, ignore_errors=True)
            self._hf_home = None
        atexit.unregister(self.close)

    # RPCs ------------------------------------------------------------------------------------

    def _call(self, method: str, request: Any) -> Any:
        if self._stub is None:
            raise RuntimeError("the provider server is not running")
        try:
            return getattr(self._stub, method)(request, timeout=self.call_timeout)
        except grpc.RpcError as error:
            code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
            details = error.details() if hasattr(error, "details") else str(error)
            raise ProviderCallError(method, code, details or "") from None

    def _handshake(self) -> None:
        try:
            response = self._call(
                "Handshake",
                provider_pb2.ProviderHandshakeRequest(
                    engine_address="127.0.0.1:1",
                    root_directory=str(self.cwd),
                    program_directory=str(self.cwd),
                    configure_with_urn=True,
                ),
            )
        except ProviderCallError as error:
            # The SDK's server does not implement Handshake; the engine then waits for Configure.
            if error.code is not grpc.StatusCode.UNIMPLEMENTED:
                raise
            return
        self._accept_secrets = bool(response.accept_secrets)

    @property
    def accepts_secrets(self) -> bool:
        """Whether the server accepts secret markers (known after `configure`)."""
        if self._accept_secrets is None:
            raise RuntimeError("call configure() first: the engine always configures before any other call")
        return self._accept_secrets

    def configure(self, config: Mapping[str, Any], secret_keys: Iterable[str] = ()) -> None:
        """Send the stack config, as the engine configures the default `pulumi-python` provider.

        Args:
            config: Stack config with namespaced keys ("huggingface:token"); non-string values are
                sent as their JSON text, as the engine stores structured config.
            secret_keys: Keys whose values are secrets (`pulumi config set --secret`).
        """
        secret_set = set(secret_keys)
        unknown = secret_set - set(config)
        if unknown:
            raise ValueError(f"secret keys not in config: {sorted(unknown)}")
        values = {k: _config_string(v) for k, v in config.items()}
        args = {k: rpc.wrap_rpc_secret(v) if k in secret_set else v for k, v in values.items()}
        provider_type = f"pulumi:providers:{DYNAMIC_PROVIDER_PACKAGE}"
        response = self._call(
            "Configure",
            provider_pb2.ConfigureRequest(
                variables={f"{DYNAMIC_PROVIDER_PACKAGE}:config:{k}": v for k, v in values.items()},
                args=to_struct(args, keep_unknowns=True),
                acceptSecrets=True,
                acceptResources=True,
                sends_old_inputs=True,
                sends_old_inputs_to_delete=True,
                urn=make_urn(provider_type, "default", project=self.project, stack=self.stack),
                name="default",
                type=provider_type,
                id=str(uuid.uuid4()),
            ),
        )
        if self._accept_secrets is None:
            self._accept_secrets = bool(response.acceptSecrets)

    def _outgoing(self, props: Mapping[str, Any] | None, *, keep_unknowns: bool) -> Any:
        bag = dict(props or {})
        if not self.accepts_secrets:
            bag = strip_secrets(bag)
        return to_struct(bag, keep_unknowns=keep_unknowns)

    def _incoming(
        self, struct: Any, sent: Mapping[str, Any] | None, *, keep_unknowns: bool
    ) -> dict[str, Any]:
        values = from_struct(struct, keep_unknowns=keep_unknowns)
        if not self.accepts_secrets and sent and contains_secrets(dict(sent)):
            values = annotate_secrets(values, sent)
        return values

    def check(
        self, urn: str, olds: Mapping[str, Any], news: Mapping[str, Any], *, preview: bool = False
    ) -> CheckResponse:
        """Call `Check` with previous and new inputs.

        Args:
            urn: The resource's URN.
            olds: The inputs in state ({} for a resource being created).
            news: The program's inputs, with `__provider`.
            preview: Whether unknowns may be sent and returned (the engine's `AllowUnknowns`).
        """
        response = self._call(
            "Check",
            provider_pb2.CheckRequest(
                **_resource_fields(urn),
                olds=self._outgoing(olds, keep_unknowns=preview),
                news=self._outgoing(news, keep_unknowns=preview),
                randomSeed=secrets.token_bytes(32),
            ),
        )
        return CheckResponse(
            inputs=self._incoming(response.inputs, news, keep_unknowns=preview),
            failures=[CheckFailure(f.property, f.reason) for f in response.failures],
        )

    def diff(
        self,
        urn: str,
        id: str,
        olds: Mapping[str, Any],
        news: Mapping[str, Any],
        *,
        old_inputs: Mapping[str, Any] | None = None,
        ignore_changes: Sequence[str] = (),
        preview: bool = False,
    ) -> DiffResponse:
        """Call `Diff`.

        Args:
            urn: The resource's URN.
            id: The resource's id.
            olds: The *outputs* in state (the SDK hands these to `diff` as `olds`).
            news: The checked new inputs.
            old_inputs: The inputs in state (the engine sends them; the SDK's server ignores them).
            ignore_changes: The resource's `ignore_changes` option.
            preview: Whether unknowns may be sent.
        """
        response = self._call(
            "Diff",
            provider_pb2.DiffRequest(
                id=id,
                **_resource_fields(urn),
                olds=self._outgoing(olds, keep_unknowns=preview),
                news=self._outgoing(news, keep_unknowns=preview),
                old_inputs=self._outgoing(old_inputs, keep_unknowns=preview),
                ignoreChanges=list(ignore_changes),
            ),
        )
        changes: bool | None = {
            provider_pb2.DiffResponse.DIFF_SOME: True,
            provider_pb2.DiffResponse.DIFF_NONE: False,
        }.get(response.changes)
        return DiffResponse(
            changes=changes,
            replaces=list(response.replaces),
            delete_before_replace=bool(response.deleteBeforeReplace),
            stables=list(response.stables),
        )

    def create(self, urn: str, props: Mapping[str, Any], *, timeout: float = 0.0) -> CreateResponse:
        """Call `Create` (never during a preview: the SDK's server does not support provider previews).

        Args:
            urn: The resource's URN.
            props: The checked inputs.
            timeout: The request's `timeout` field (the resource's custom create timeout; 0 = none).
                Dynamic providers ignore it.
        """
        response = self._call(
            "Create",
            provider_pb2.CreateRequest(
                **_resource_fields(urn),
                properties=self._outgoing(props, keep_unknowns=False),
                timeout=timeout,
                preview=False,
            ),
        )
        return CreateResponse(
            str(response.id), self._incoming(response.properties, props, keep_unknowns=False)
        )

    def read(
        self, urn: str, id: str, props: Mapping[str, Any], inputs: Mapping[str, Any] | None = None
    ) -> ReadResponse:
        """Call `Read`, as `pulumi refresh` does (or a lookup, with `props` empty and `inputs` set).

        Args:
            urn: The resource's URN.
            id: The resource's id.
            props: The outputs in state.
            inputs: The inputs in state.
        """
        response = self._call(
            "Read",
            provider_pb2.ReadRequest(
                id=id,
                **_resource_fields(urn),
                properties=self._outgoing(props, keep_unknowns=False),
                inputs=self._outgoing(inputs, keep_unknowns=False) if inputs is not None else None,
            ),
        )
        new_inputs = (
            self._incoming(response.inputs, inputs, keep_unknowns=False)
            if response.HasField("inputs")
            else None
        )
        return ReadResponse(
            str(response.id), self._incoming(response.properties, props, keep_unknowns=False), new_inputs
        )

    def update(
        self,
        urn: str,
        id: str,
        olds: Mapping[str, Any],
        news: Mapping[str, Any],
        *,
        old_inputs: Mapping[str, Any] | None = None,
        timeout: float = 0.0,
        ignore_changes: Sequence[str] = (),
    ) -> dict[str, Any]:
        """Call `Update` and return the new outputs (they replace all stored outputs).

        Args:
            urn: The resource's URN.
            id: The resource's id.
            olds: The outputs in state.
            news: The checked new inputs.
            old_inputs: The inputs in state (the engine sends them; the SDK's server ignores them).
            timeout: The request's `timeout` field (ignored by dynamic providers).
            ignore_changes: The resource's `ignore_changes` option.
        """
        response = self._call(
            "Update",
            provider_pb2.UpdateRequest(
                id=id,
                **_resource_fields(urn),
                olds=self._outgoing(olds, keep_unknowns=False),
                news=self._outgoing(news, keep_unknowns=False),
                old_inputs=self._outgoing(old_inputs, keep_unknowns=False),
                timeout=timeout,
                ignoreChanges=list(ignore_changes),
                preview=False,
            ),
        )
        return self._incoming(response.properties, news, keep_unknowns=False)

    def delete(
        self,
        urn: str,
        id: str,
        props: Mapping[str, Any],
        *,
        old_inputs: Mapping[str, Any] | None = None,
        timeout: float = 0.0,
    ) -> None:
        """Call `Delete`.

        Args:
            urn: The resource's URN.
            id: The resource's id.
            props: The outputs in state.
            old_inputs: The inputs in state (the engine sends them; the SDK's server ignores them).
            timeout: The request's `timeout` field (ignored by dynamic providers).
        """
        self._call(
            "Delete",
            provider_pb2.DeleteRequest(
                id=id,
                **_resource_fields(urn),
                properties=self._outgoing(props, keep_unknowns=False),
                old_inputs=self._outgoing(old_inputs, keep_unknowns=False),
                timeout=timeout,
            ),
        )
