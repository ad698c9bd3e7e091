"""Adjust the SDK's dynamic provider server from inside it: many slow calls at once, short errors,
and an end when the CLI is gone.

`pulumi up` serves every dynamic resource of a stack from one plugin process,
`python -m pulumi.dynamic`, whose `main()` hands gRPC a `concurrent.futures.ThreadPoolExecutor(
max_workers=4)`: at most four RPCs run at once. A `create` that waits minutes for an endpoint to
provision holds one worker for all that time, so 32 endpoints take eight provisioning times while
the engine, which runs independent resources in parallel, waits.

`widen_server_pool()` raises that executor's worker limit from inside the plugin process. Our
provider's `configure()` calls it, which the server runs (once per provider pickle) inside the
first RPC that carries the provider, before any `check` or `create` of ours. Nothing public
exposes the pool, so the function verifies every internal it relies on and changes nothing unless
all hold:

* the process is the SDK's provider server (`__main__` is `pulumi.dynamic.__main__`, and the gRPC
  server routes `pulumirpc.ResourceProvider` to its `DynamicResourceProviderServicer`);
* exactly one started `grpc._server._Server` exists, without a `maximum_concurrent_rpcs` cap;
* its `_state.thread_pool` is exactly a stdlib `ThreadPoolExecutor` with `_max_workers == 4` whose
  `_adjust_thread_count` (called on each submit) spawns threads up to `_max_workers`.

When anything differs, concurrency falls back to the SDK's four workers and one warning line says
so on stderr (the CLI shows plugin stderr). Supported range: the SDK side is the same in every
pulumi release from 3.120 to 3.272 (the pool line in `main()` has not changed); the gRPC side
(`_Server._state.thread_pool`, `maximum_concurrent_rpcs`, the generic handlers) was verified against
grpcio 1.85. A contract test fails when a new SDK or grpcio breaks these expectations, so the
fallback is never silent in CI.

The executor's threads are created lazily per submitted call, so a wider limit costs nothing
until calls actually overlap.

Two more adjustments of the server run from `configure()`: `shorten_error_messages()` (this
package's errors reach the CLI as their message, not a traceback) and `exit_with_cli()` (the server
ends when the CLI that started it is gone, instead of serving nobody after a SIGKILL).
"""

from __future__ import annotations

import enum
import gc
import inspect
import os
import sys
import threading
import time
import traceback
from concurrent import futures
from dataclasses import dataclass
from typing import Any

STOCK_MAX_WORKERS = 4
"""The worker count `pulumi.dynamic.__main__.main()` builds its gRPC thread pool with."""

DEFAULT_MAX_WORKERS = 1024
"""Above any `--parallel` a stack of endpoints is run with, so the engine's limit is the one in force.

`pulumi up --parallel N` sends at most N resource operations at once, and each create or update of
an endpoint holds its call for the whole provisioning time: a pool narrower than N (it was 64) makes
the rest queue, so 128 endpoints took two provisioning times. Threads exist only while calls
overlap, and cost little memory each (see bench/README.md)."""

_SERVICE = "pulumirpc.ResourceProvider"
_SERVER_MAIN = "pulumi.dynamic.__main__"

_lock = threading.Lock()
_outcome: PoolStatus | None = None


class PoolState(enum.Enum):
    """What `widen_server_pool` did."""

    WIDENED = "widened"
    """The provider server's pool now allows `max_workers` concurrent calls."""

    STOCK = "stock"
    """Nothing was changed; the SDK's limit of 4 concurrent calls applies (see `reason`)."""


@dataclass(frozen=True)
class PoolStatus:
    """The outcome of `widen_server_pool`.

    Attributes:
        state: Whether the pool was widened.
        max_workers: The pool's worker limit now in force (the stock 4 when not widened, or
            whatever limit an unexpected pool has).
        reason: Why the pool was left alone; empty when widened.
    """

    state: PoolState
    max_workers: int
    reason: str = ""


class _Unexpected(Exception):
    """An internal of the provider server is not what `widen_server_pool` relies on."""


class _CallDetails:
    """The minimal `grpc.HandlerCallDetails` a generic handler needs to route a method."""

    def __init__(self, method: str) -> None:
        self.method = method
        self.invocation_metadata: tuple[Any, ...] = ()


def _require(condition: bool, reason: str) -> None:
    if not condition:
        raise _Unexpected(reason)


def in_provider_server() -> bool:
    """Whether this process is the SDK's dynamic provider server (``python -m pulumi.dynamic``).

    Only there is a pool to widen: a provider used in a program or a test should not call
    `widen_server_pool`, whose warning is meant for the CLI user.
    """
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    return getattr(spec, "name", None) == _SERVER_MAIN


def _find_server_pool() -> tuple[futures.ThreadPoolExecutor, int]:
    main = sys.modules.get("__main__")
    _require(
        in_provider_server(),
        "not running inside the Pulumi SDK's dynamic provider server (python -m pulumi.dynamic)",
    )
    servicer_class = getattr(main, "DynamicResourceProviderServicer", None)
    if not isinstance(servicer_class, type):
        raise _Unexpected("pulumi.dynamic.__main__ has no DynamicResourceProviderServicer")

    try:
        from grpc import _server as grpc_server
    except ImportError as error:  # pragma: no cover - grpcio is a dependency of pulumi
        raise _Unexpected(f"grpc._server cannot be imported: {error}") from error
    server_class = getattr(grpc_server, "_Server", None)
    _require(isinstance(server_class, type), "grpc._server._Server no longer exists")
    servers = [obj for obj in gc.get_objects() if type(obj) is server_class]
    _require(len(servers) == 1, f"expected one gRPC server in the process, found {len(servers)}")
    state = getattr(servers[0], "_state", None)
    _require(state is not None, "the gRPC server has no _state")

    stage = getattr(state, "stage", None)
    _require(getattr(stage, "value", None) == "started", f"the gRPC server is not started (stage {stage!r})")
    _require(
        getattr(state, "maximum_concurrent_rpcs", "missing") is None,
        f"the gRPC server caps concurrent RPCs (maximum_concurrent_rpcs="
        f"{getattr(state, 'maximum_concurrent_rpcs', 'missing')!r})",
    )
    _require(
        _serves_dynamic_provider(state, servicer_class),
        f"the gRPC server does not route {_SERVICE} to pulumi.dynamic's DynamicResourceProviderServicer",
    )

    pool = getattr(state, "thread_pool", None)
    _require(
        type(pool) is futures.ThreadPoolExecutor,
        f"the gRPC server's thread pool is {type(pool).__name__}, "
        "not a concurrent.futures.ThreadPoolExecutor",
    )
    assert isinstance(pool, futures.ThreadPoolExecutor)
    for attribute in ("_max_workers", "_shutdown_lock", "_work_queue", "_threads"):
        _require(hasattr(pool, attribute), f"ThreadPoolExecutor has no {attribute}")
    adjust = getattr(type(pool), "_adjust_thread_count", None)
    _require(callable(adjust), "ThreadPoolExecutor has no _adjust_thread_count")
    try:
        source = inspect.getsource(adjust)  # type: ignore[arg-type]
    except (OSError, TypeError) as error:
        raise _Unexpected(f"cannot read ThreadPoolExecutor._adjust_thread_count: {error}") from error
    _require(
        "self._max_workers" in source,
        "ThreadPoolExecutor._adjust_thread_count no longer sizes the pool from _max_workers",
    )
    submit_source = inspect.getsource(type(pool).submit)
    _require(
        "_adjust_thread_count" in submit_source,
        "ThreadPoolExecutor.submit no longer calls _adjust_thread_count",
    )
    current = pool._max_workers
    _require(isinstance(current, int), f"ThreadPoolExecutor._max_workers is {current!r}")
    return pool, current


def _serves_dynamic_provider(state: Any, servicer_class: type) -> bool:
    for handler in getattr(state, "generic_handlers", ()):
        service_name = getattr(handler, "service_name", None)
        if not callable(service_name) or service_name() != _SERVICE:
            continue
        method_handler = handler.service(_CallDetails(f"/{_SERVICE}/Create"))
        behaviour = getattr(method_handler, "unary_unary", None)
        return isinstance(getattr(behaviour, "__self__", None), servicer_class)
    return False


def _warn(reason: str) -> None:
    # Plain stderr, not `warnings`: this runs inside the provider server, where the CLI shows stderr,
    # and test suites turn Python warnings into errors.
    print(
        f"warning: pulumi-huggingface could not widen the dynamic provider server's thread pool ({reason}); "
        f"at most {STOCK_MAX_WORKERS} endpoint operations will run at once, as in the Pulumi SDK.",
        file=sys.stderr,
        flush=True,
    )


def widen_server_pool(max_workers: int = DEFAULT_MAX_WORKERS) -> PoolStatus:
    """Raise the provider server's concurrent-call limit from the SDK's 4 to `max_workers`.

    Call it from the provider's `configure()`. The first call decides; later calls (one per
    distinct provider pickle) return the same status and change nothing. Thread-safe.

    Args:
        max_workers: The new worker limit (at least 4).

    Returns:
        `PoolState.WIDENED` with the new limit, or `PoolState.STOCK` with the reason, after one
        warning line on stderr, when this is not the SDK's provider server or its internals are
        not exactly as expected.

    Raises:
        ValueError: `max_workers` is below the stock limit.
    """
    global _outcome
    if max_workers < STOCK_MAX_WORKERS:
        raise ValueError(f"max_workers must be at least {STOCK_MAX_WORKERS}, got {max_workers}")
    with _lock:
        if _outcome is not None:
            return _outcome
        try:
            pool, current = _find_server_pool()
            _require(
                current == STOCK_MAX_WORKERS,
                f"the thread pool has {current} workers where the SDK builds it with {STOCK_MAX_WORKERS}",
            )
        except _Unexpected as unexpected:
            _outcome = PoolStatus(PoolState.STOCK, STOCK_MAX_WORKERS, str(unexpected))
            _warn(_outcome.reason)
            return _outcome
        with pool._shutdown_lock:
            pool._max_workers = max_workers
            # Calls queued while all four workers were busy get no thread until the next submit;
            # start one for each now, as submit() would have.
            for _ in range(pool._work_queue.qsize()):
                pool._adjust_thread_count()
        _outcome = PoolStatus(PoolState.WIDENED, max_workers)
        return _outcome


class _ShortTracebacks:
    """Stands in for the `traceback` module inside `pulumi.dynamic.__main__`.

    The server's `_abort_with_traceback` sends `traceback.format_exc()` as a failed call's error,
    and the CLI prints it as the resource's error: a wall of frames before the one line that says
    what happened. Here an error of this package is sent as its message alone (it names the
    endpoint and the next step, with secrets blanked out), and any other exception as its type
    and message first, then the traceback, which a bug report needs.
    """

    def __init__(self, module: Any) -> None:
        self._module = module

    def format_exc(self, limit: int | None = None, chain: bool = True) -> str:
        from .errors import HuggingFaceError

        error = sys.exc_info()[1]
        if isinstance(error, HuggingFaceError):
            return str(error)
        full: str = self._module.format_exc(limit, chain)
        if error is None:
            return full
        return f"{type(error).__name__}: {error}\n\n{full}"

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name)


def shorten_error_messages() -> bool:
    """Make the provider server send this package's errors as their message, without a traceback.

    Call it from the provider's `configure()`, which runs inside the first call carrying the
    provider, so that call's errors are already short. It changes the `traceback` name that
    `pulumi.dynamic.__main__._abort_with_traceback` reads (once; thread-safe), and nothing when that
    wrapper no longer formats errors with `traceback.format_exc()`.

    Returns:
        Whether the server's errors are shortened.
    """
    main = sys.modules.get("__main__")
    if not in_provider_server() or main is None:
        return False
    with _lock:
        current = getattr(main, "traceback", None)
        if isinstance(current, _ShortTracebacks):
            return True
        wrapper = getattr(main, "_abort_with_traceback", None)
        try:
            source = inspect.getsource(wrapper) if callable(wrapper) else ""
        except (OSError, TypeError):
            source = ""
        if current is not traceback or "traceback.format_exc()" not in source:
            return False
        main.traceback = _ShortTracebacks(traceback)  # type: ignore[attr-defined]
        return True


_PLUGIN_SCRIPT = "pulumi-resource-pulumi-python"
_watching_cli = False


def _proc_parent(pid: int) -> int | None:
    """The parent pid of `pid` from /proc (Linux), or None when it cannot be read."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return int(stat.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def _proc_cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return cmdline.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _watch_cli(parent: int, cli: int | None, interval: float) -> None:
    while os.getppid() == parent and (cli is None or _proc_parent(parent) == cli):
        time.sleep(interval)
    # Nobody is left to receive a result: an endpoint being created stays on the API, and the next
    # `pulumi up` takes it over (or names it, if autonamed) as after any interrupted run.
    os._exit(1)


def exit_with_cli(interval: float = 1.0) -> bool:
    """End this provider server when the Pulumi CLI that started it is gone.

    The CLI stops its plugins when it ends, but a CLI killed with SIGKILL (a cancelled CI job, the
    out-of-memory killer) stops nothing, and the SDK's server then serves nobody for ever, holding
    its waits. The CLI is this process's parent, or, when the `pulumi-resource-pulumi-python` script
    started it without `exec` (it runs Python as its child), the script's parent; a daemon thread
    checks every `interval` seconds that both links hold and exits the process when one breaks.
    Call it from `configure()`; only the first call starts the thread. Outside the provider server it
    does nothing.

    Returns:
        Whether the server is watching the CLI (started now or earlier).
    """
    global _watching_cli
    if not in_provider_server():
        return False
    with _lock:
        if not _watching_cli:
            parent = os.getppid()
            cli = _proc_parent(parent) if _PLUGIN_SCRIPT in _proc_cmdline(parent) else None
            threading.Thread(
                target=_watch_cli, args=(parent, cli, interval), name="exit-with-cli", daemon=True
            ).start()
            _watching_cli = True
    return True
