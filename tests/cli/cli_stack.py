"""The CLI tier's harness: stacks of programs under the real `pulumi` binary, against the emulator.

Each test gets its own stack: the program folder copied to a temporary folder (its `Pulumi.yaml`
pointed at the virtualenv running the tests), a local file backend and a `PULUMI_HOME` of its own,
a passphrase for secrets, no update check, no plugin downloads, and none of the developer's
Hugging Face credentials. The stack's config points the provider at the emulator, with the token
set as a secret (`pulumi config set --secret huggingface:token`), and the emulator accepts only
that token: every create proves that the secret reached the provider.

The CLI is `.venv/bin/pulumi`, which `bash .ci/setup` installs; without it the tier fails (it is
never skipped) with a message saying to run the set-up.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pulumi_huggingface_emulator import EmulatorServer
from pulumi_huggingface_testing import stack as testing_stack
from pulumi_huggingface_testing.stack import DEFAULT_POLL_INTERVAL

REPO_ROOT = Path(__file__).resolve().parents[2]
CLI_DIR = Path(__file__).resolve().parent
PROGRAMS = CLI_DIR / "programs"
QUICKSTART = REPO_ROOT / "examples" / "quickstart"
TYPE = "pulumi-python:dynamic/huggingface:InferenceEndpoint"
# Distinctive, so a leak anywhere is found by a plain substring search.
TOKEN = "hf_cliTierToken4kq9Zx"
# The emulator's user, which whoami answers for any token: the default namespace.
NAMESPACE = "emulator-user"
PASSPHRASE = "cli-tier-passphrase"
# Short, but not zero: the POST and PUT answers show `pending`/`updating`, so the provider waits.
PROVISION_SECONDS = 0.5
POLL_INTERVAL = DEFAULT_POLL_INTERVAL
PUT = "PUT /v2/endpoint/{namespace}/{name}"
POST = "POST /v2/endpoint/{namespace}"
DELETE = "DELETE /v2/endpoint/{namespace}/{name}"


def find_pulumi() -> Path:
    """The CLI `.ci/setup` installed beside this interpreter, else a `pulumi` on PATH."""
    try:
        return testing_stack.find_pulumi()
    except testing_stack.PulumiNotFoundError:
        pytest.fail(
            "No Pulumi CLI: run `bash .ci/setup` from the repository's root (it installs .venv/bin/pulumi).",
            pytrace=False,
        )


@dataclass(frozen=True)
class CliResult:
    """What one `pulumi` command printed and how it exited."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        """stdout then stderr."""
        return self.stdout + self.stderr

    def __str__(self) -> str:
        return (
            f"$ pulumi {' '.join(self.args)}  (exit {self.returncode})\n"
            f"--- stdout\n{self.stdout}--- stderr\n{self.stderr}"
        )


class CliError(AssertionError):
    """A `pulumi` command exited otherwise than expected; the message holds its whole output."""


def cli_environment(pulumi: Path, home: Path, backend: Path) -> dict[str, str]:
    """The CLI's environment: offline, local backend, passphrase, the CLI's folder first on PATH."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PULUMI_")}
    for key in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_TOKEN_PATH", "HF_ENDPOINT"):
        env.pop(key, None)
    bin_dirs = [str(pulumi.parent), str(Path(sys.prefix) / "bin")]
    env.update(
        PATH=os.pathsep.join([*dict.fromkeys(bin_dirs), env.get("PATH", "")]),
        PULUMI_HOME=str(home),
        PULUMI_BACKEND_URL=f"file://{backend}",
        PULUMI_CONFIG_PASSPHRASE=PASSPHRASE,
        PULUMI_SKIP_UPDATE_CHECK="true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION="true",
        PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK="true",
        NO_COLOR="1",
    )
    return env


def copy_program(source: Path, destination: Path) -> Path:
    """Copy a program folder, its Pulumi.yaml pointed at this interpreter's virtualenv; returns the copy."""
    testing_stack.copy_program(source, destination)
    return destination


class Stack:
    """One stack of one program under the real CLI, with its own backend and `PULUMI_HOME`.

    Args:
        program: The program folder (holding Pulumi.yaml); commands run there.
        workdir: A folder of its own for the backend and `PULUMI_HOME`.
        pulumi: The CLI.
        name: The stack's name.
    """

    def __init__(self, program: Path, workdir: Path, *, pulumi: Path, name: str = "dev") -> None:
        self.program = program
        self.name = name
        self.pulumi = pulumi
        self.home = workdir / "pulumi-home"
        self.backend = workdir / "backend"
        self.home.mkdir(parents=True, exist_ok=True)
        self.backend.mkdir(parents=True, exist_ok=True)
        self.env = cli_environment(pulumi, self.home, self.backend)

    def run(
        self,
        *args: str,
        check: bool | None = True,
        timeout: float = 240,
        env: Mapping[str, str] | None = None,
    ) -> CliResult:
        """Run `pulumi <args>` in the program folder.

        Args:
            args: The command line after `pulumi`.
            check: True: fail unless it exits 0; False: fail if it exits 0; None: either.
            timeout: Seconds before the command is killed (and the test fails).
            env: Variables added to the stack's environment for this command.
        """
        completed = subprocess.run(
            [str(self.pulumi), *args],
            cwd=self.program,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        result = CliResult(tuple(args), completed.returncode, completed.stdout, completed.stderr)
        if check is True and result.returncode != 0:
            raise CliError(f"expected success\n{result}")
        if check is False and result.returncode == 0:
            raise CliError(f"expected a failure\n{result}")
        return result

    def init(self) -> None:
        """`pulumi stack init`."""
        self.run("stack", "init", self.name)

    def config_set(self, key: str, value: str, *, secret: bool = False) -> CliResult:
        """`pulumi config set [--secret] key value`."""
        return self.run("config", "set", *(["--secret"] if secret else []), "--", key, value)

    def up(self, *extra: str, check: bool | None = True) -> CliResult:
        """`pulumi up --yes`."""
        return self.run("up", "--yes", *extra, check=check)

    def preview(self, *extra: str, check: bool | None = True) -> CliResult:
        """`pulumi preview`."""
        return self.run("preview", *extra, check=check)

    def refresh(self, *extra: str, check: bool | None = True) -> CliResult:
        """`pulumi refresh --yes`."""
        return self.run("refresh", "--yes", *extra, check=check)

    def destroy(self, *extra: str, check: bool | None = True) -> CliResult:
        """`pulumi destroy --yes`."""
        return self.run("destroy", "--yes", *extra, check=check)

    def export(self, *extra: str) -> dict[str, Any]:
        """`pulumi stack export` as JSON."""
        exported: dict[str, Any] = json.loads(self.run("stack", "export", *extra).stdout)
        return exported

    def outputs(self, *, show_secrets: bool = False) -> dict[str, Any]:
        """`pulumi stack output --json`."""
        extra = ["--show-secrets"] if show_secrets else []
        outputs: dict[str, Any] = json.loads(self.run("stack", "output", "--json", *extra).stdout)
        return outputs

    def resources(self, type_: str = TYPE) -> list[dict[str, Any]]:
        """The stack's resources of one type, from `pulumi stack export`."""
        deployment = self.export().get("deployment", {})
        return [r for r in deployment.get("resources") or [] if r.get("type") == type_]

    def processes(self) -> list[int]:
        """Pids of processes started for this stack (they carry its `PULUMI_HOME`) that still run."""
        marker = f"PULUMI_HOME={self.home}".encode()
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                environ = (entry / "environ").read_bytes()
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if marker in environ.split(b"\0") and state != "Z":
                found.append(int(entry.name))
        return found


def counts(emulator: EmulatorServer) -> dict[str, int]:
    """Requests the emulator served, by route."""
    by_route: dict[str, int] = emulator.app.request_counts()["byRoute"]
    return by_route


NewStack = Callable[..., Stack]
"""The `new_stack` fixture: `new_stack(program=QUICKSTART, *, name, config, token) -> Stack`."""
