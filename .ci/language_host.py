"""A minimal Pulumi language host for Python programs: what `pulumi up` needs to run this repository's.

`.ci/setup` installs it as `.venv/bin/pulumi-language-python` when the Pulumi CLI in use has no
`pulumi-language-python` of its own (a CLI built from Go modules has none: the Go module of
Pulumi's Python language host is not served by the module proxy). The CLI starts it as it starts
every language plugin, with the engine's address as the last argument, reads the port of its gRPC
`pulumirpc.LanguageRuntime` server from the first line of its stdout, and calls:

* `Run`: runs the program with the interpreter of the project's virtualenv (`runtime.options.
  virtualenv` in `Pulumi.yaml`, relative to the project's folder) through Pulumi's own program
  runner, `pulumi-language-python-exec`, which must sit beside this file, with the arguments and
  environment (`PULUMI_CONFIG`, `PULUMI_CONFIG_SECRET_KEYS`) the runner expects;
* `GetRequiredPackages` / `GetRequiredPlugins`: none (the programs here use only dynamic
  providers, served by the bundled `pulumi-resource-pulumi-python`);
* `GetPluginInfo`, `Handshake`, `About`, `GetProgramDependencies`, `InstallDependencies`, `Cancel`.

Code generation, packing, linking and plugins written in Python are not supported. It stops when
the CLI that started it is gone.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent import futures
from importlib import metadata
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2, json_format
from pulumi.runtime.proto import language_pb2, language_pb2_grpc, plugin_pb2

EXECUTOR = Path(__file__).resolve().with_name("pulumi-language-python-exec")
# pulumi-language-python-exec exits with 32 after it has shown the user an actionable message; the
# engine then reports nothing more (RunResponse.bail).
EXIT_AFTER_USER_MESSAGE = 32


def _options(info: Any) -> dict[str, Any]:
    return json_format.MessageToDict(info.options) if info.HasField("options") else {}


def _interpreter(info: Any) -> tuple[list[str], dict[str, str]]:
    """The Python command for a program and its environment, with the virtualenv activated as Pulumi does."""
    env = dict(os.environ)
    virtualenv = _options(info).get("virtualenv")
    if not virtualenv:
        return [os.environ.get("PULUMI_PYTHON_CMD", "python3")], env
    venv = Path(info.root_directory or ".", virtualenv).resolve()
    python = venv / "bin" / "python"
    if not python.exists():
        raise FileNotFoundError(
            f"The 'virtualenv' option in Pulumi.yaml is set to {virtualenv!r}, but {python} does not exist. "
            "Run `bash .ci/setup` from the repository's root to create it."
        )
    env.pop("PYTHONHOME", None)
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(venv)
    return [str(python)], env


class LanguageHost(language_pb2_grpc.LanguageRuntimeServicer):  # type: ignore[misc]
    """The `pulumirpc.LanguageRuntime` service for Python programs."""

    def __init__(self, engine_address: str) -> None:
        self.engine_address = engine_address
        self._running: set[subprocess.Popen[bytes]] = set()
        self._lock = threading.Lock()

    def Handshake(self, request: Any, context: Any) -> Any:
        self.engine_address = request.engine_address
        return language_pb2.LanguageHandshakeResponse()

    def GetPluginInfo(self, request: Any, context: Any) -> Any:
        return plugin_pb2.PluginInfo(version=metadata.version("pulumi"))

    def GetRequiredPlugins(self, request: Any, context: Any) -> Any:
        return language_pb2.GetRequiredPluginsResponse()

    def GetRequiredPackages(self, request: Any, context: Any) -> Any:
        return language_pb2.GetRequiredPackagesResponse()

    def Run(self, request: Any, context: Any) -> Any:
        try:
            command, env = _interpreter(request.info)
        except FileNotFoundError as error:
            return language_pb2.RunResponse(error=str(error))
        args = [str(EXECUTOR)]
        for flag, value in (
            ("monitor", request.monitor_address),
            ("engine", self.engine_address),
            ("project", request.project),
            ("root_directory", request.info.root_directory),
            ("stack", request.stack),
            ("pwd", request.pwd),
            ("dry_run", "true" if request.dryRun else "false"),
            ("parallel", str(request.parallel)),
            ("organization", request.organization),
        ):
            if value:
                args += [f"--{flag}", value]
        args += [request.info.entry_point or ".", *request.args]
        env["PULUMI_CONFIG"] = json.dumps(dict(request.config))
        env["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(list(request.configSecretKeys))
        try:
            process = subprocess.Popen([*command, *args], env=env)
        except OSError as error:
            return language_pb2.RunResponse(
                error=f"problem executing program (could not run language executor): {error}"
            )
        with self._lock:
            self._running.add(process)
        # The engine cancels the call when it is interrupted: pass the interrupt on, as to a terminal.
        context.add_callback(lambda: _interrupt(process))
        try:
            code = process.wait()
        finally:
            with self._lock:
                self._running.discard(process)
        if code == 0:
            return language_pb2.RunResponse()
        if code == EXIT_AFTER_USER_MESSAGE:
            return language_pb2.RunResponse(bail=True)
        if code < 0:
            return language_pb2.RunResponse(error=f"program exited unexpectedly: signal {-code}")
        return language_pb2.RunResponse(error=f"program exited with non-zero exit code: {code}")

    def Cancel(self, request: Any, context: Any) -> Any:
        with self._lock:
            running = list(self._running)
        for process in running:
            _interrupt(process)
        return empty_pb2.Empty()

    def About(self, request: Any, context: Any) -> Any:
        command, env = _interpreter(request.info)
        probe = "import sys, platform; print(sys.executable); print(platform.python_version())"
        out = subprocess.run([*command, "-c", probe], env=env, capture_output=True, text=True, check=True)
        executable, version = out.stdout.split()[:2]
        return language_pb2.AboutResponse(
            executable=executable, version=version, metadata={"toolchain": "pip"}
        )

    def GetProgramDependencies(self, request: Any, context: Any) -> Any:
        command, env = _interpreter(request.info)
        probe = (
            "import json, importlib.metadata as m; "
            "print(json.dumps(sorted({d.metadata['Name']: d.version for d in m.distributions()}.items())))"
        )
        out = subprocess.run([*command, "-c", probe], env=env, capture_output=True, text=True, check=True)
        return language_pb2.GetProgramDependenciesResponse(
            dependencies=[
                language_pb2.DependencyInfo(name=name, version=version)
                for name, version in json.loads(out.stdout)
            ]
        )

    def InstallDependencies(self, request: Any, context: Any) -> Any:
        try:
            _interpreter(request.info)
        except FileNotFoundError as error:
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(error))
        yield language_pb2.InstallDependenciesResponse(
            stdout=b"The virtualenv is set up by `bash .ci/setup`; nothing to install.\n"
        )


def _interrupt(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)


def _exit_with_parent(parent: int) -> None:
    # The CLI kills its plugins when it ends; if it is killed itself, nobody will.
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(1)


def main(argv: list[str]) -> int:
    """Serve on a free loopback port, print it, and serve until the CLI ends."""
    if "--version" in argv:
        print(metadata.version("pulumi"))
        return 0
    if not EXECUTOR.exists():
        print(f"missing executor {EXECUTOR}", file=sys.stderr)
        return 1
    positional = [arg for arg in argv if not arg.startswith("-")]
    engine_address = positional[-1] if positional else ""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    language_pb2_grpc.add_LanguageRuntimeServicer_to_server(LanguageHost(engine_address), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(port, flush=True)
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    # The CLI ends its plugins with SIGINT when it is done: stop serving, quietly.
    signal.signal(signal.SIGINT, lambda signum, frame: server.stop(0))
    signal.signal(signal.SIGTERM, lambda signum, frame: server.stop(0))
    server.wait_for_termination()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
