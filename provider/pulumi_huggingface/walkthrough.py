"""Walk the root Pulumi program through the real Pulumi CLI against a local emulator, without an account.

``python -m pulumi_huggingface.walkthrough`` (after ``bash .ci/setup``, which installs the CLI as
``.venv/bin/pulumi``) starts the Inference Endpoints emulator on loopback in this process, copies the
root project (``Pulumi.yaml`` and the program its ``main:`` names) to a temporary folder with a
local file backend and a ``PULUMI_HOME`` of its own (a passphrase for secrets, no Pulumi account,
no update check, no plugin downloads), and runs:

1. ``pulumi up --yes``: the endpoint is created and waited for;
2. ``pulumi config set scaleToZeroTimeout 30`` and ``pulumi preview --diff``: the CLI shows an
   in-place update (``~ update``, ``scale_to_zero_timeout: 15 => 30``), no replacement;
3. ``pulumi up --yes``: one ``PUT`` reaches the API (the emulator's counters), no ``POST`` or
   ``DELETE``, and the endpoint keeps its id;
4. ``pulumi refresh --yes``: nothing changed;
5. ``pulumi destroy --yes``: nothing is left on the API.

It prints what the CLI printed, trimmed to the lines a newcomer needs. Each step is checked; the
first one that does not hold stops the walkthrough with a message and exit status 1. Whatever
happens, what is still deployed is destroyed, the emulator stops, no process the CLI started is
left running, and the temporary folder is removed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final, TextIO

import yaml

from pulumi_huggingface.emulator import EmulatorServer

__all__ = ["WalkthroughError", "find_project", "find_pulumi", "main", "run_walkthrough"]

TIMEOUT_KEY: Final = "scaleToZeroTimeout"
FIRST_TIMEOUT: Final = 15
SECOND_TIMEOUT: Final = 30
# Long enough that the provider's first polls see the endpoint pending and updating, as the real
# service does for minutes; short enough not to keep the reader waiting.
PROVISION_SECONDS: Final = 1.0
# The stack's `huggingface:pollInterval`: against the emulator, polling at huggingface_hub's 5 s
# would only add seconds of sleep to every create, update and delete.
POLL_INTERVAL: Final = "0.2"
STACK: Final = "walkthrough"
COMMAND_TIMEOUT: Final = 300.0
_TYPE: Final = "pulumi-python:dynamic/huggingface:InferenceEndpoint"
_PUT: Final = "PUT /v2/endpoint/{namespace}/{name}"
_POST: Final = "POST /v2/endpoint/{namespace}"
_DELETE: Final = "DELETE /v2/endpoint/{namespace}/{name}"
# Lines of the CLI's output a newcomer does not need here: the progress spinner (the CLI prints it
# as lines when its output is not a terminal), the stack's own rows, URNs, and the hint about
# `pulumi stack rm` after destroy.
_DROPPED: Final = (
    re.compile(r"^@ "),
    re.compile(r"pulumi:pulumi:Stack\b"),
    re.compile(r"^\s*\[urn="),
    re.compile(r"^The resources in the stack have been deleted"),
    re.compile(r"^If you want to remove the stack completely"),
)
# `--yes` runs print their preview first; `pulumi preview --diff` shows it on its own step.
_APPLYING: Final = re.compile(r"^(?:Updating|Refreshing|Destroying) \(", re.MULTILINE)


class WalkthroughError(Exception):
    """A step of the walkthrough did not do what it should; the message says which and what was seen."""


def find_project(start: Path | None = None) -> Path:
    """Return the folder holding the root ``Pulumi.yaml``.

    The given folder, else the current directory when it holds one, else the checkout this package
    was installed from (``pip install -e .``).

    Raises:
        WalkthroughError: No ``Pulumi.yaml`` in any of those places.
    """
    candidates = [start] if start is not None else [Path.cwd(), Path(__file__).resolve().parents[2]]
    for folder in candidates:
        if (folder / "Pulumi.yaml").is_file():
            return folder.resolve()
    tried = ", ".join(str(folder) for folder in candidates)
    raise WalkthroughError(
        f"No Pulumi.yaml found in {tried}. Run the walkthrough from the repository's root, or pass "
        "--project-dir PATH."
    )


def find_pulumi() -> Path:
    """The Pulumi CLI: ``pulumi`` beside this interpreter (``bash .ci/setup`` puts it there), else on PATH.

    Raises:
        WalkthroughError: There is none.
    """
    beside = Path(sys.prefix) / "bin" / "pulumi"
    if beside.exists():
        return beside
    found = shutil.which("pulumi")
    if found is None:
        raise WalkthroughError(
            "No Pulumi CLI found. Run `bash .ci/setup` from the repository's root: it uses a pulumi on "
            "PATH, or builds the pinned version from Go modules, and links it into .venv/bin."
        )
    return Path(found)


def trim(output: str, *, applying: bool = False) -> str:
    """The CLI's output without the lines a newcomer does not need, and without blank runs.

    Args:
        output: What the CLI printed.
        applying: The command ran with `--yes`: keep only what follows its preview.
    """
    start = _APPLYING.search(output) if applying else None
    if start is not None:
        output = output[start.start() :]
    kept: list[str] = []
    for line in output.splitlines():
        line = line.rstrip()
        if any(pattern.search(line) for pattern in _DROPPED):
            continue
        if not line and (not kept or not kept[-1]):
            continue
        kept.append(line)
    return "\n".join(kept).strip("\n")


def _copy_project(project: Path, destination: Path) -> Path:
    """Copy Pulumi.yaml and its program; the copy's virtualenv is this interpreter's."""
    settings = yaml.safe_load((project / "Pulumi.yaml").read_text())
    if not isinstance(settings, dict) or not isinstance(settings.get("name"), str):
        raise WalkthroughError(f"{project / 'Pulumi.yaml'} has no project name.")
    main = settings.get("main")
    program = (project / main).resolve() if isinstance(main, str) and main else project
    if not (program / "__main__.py").is_file():
        raise WalkthroughError(f"{program} (Pulumi.yaml's main:) has no __main__.py to run.")
    destination.mkdir(parents=True)
    if program != project.resolve():
        relative = Path(main) if isinstance(main, str) else Path(".")
        shutil.copytree(
            program, destination / relative, ignore=shutil.ignore_patterns("__pycache__", "Pulumi.*")
        )
    else:
        shutil.copy2(program / "__main__.py", destination / "__main__.py")
    runtime = settings.get("runtime")
    if not isinstance(runtime, dict):
        runtime = {"name": runtime or "python"}
    options = runtime.setdefault("options", {})
    options["virtualenv"] = sys.prefix
    options.pop("toolchain", None)
    settings["runtime"] = runtime
    (destination / "Pulumi.yaml").write_text(yaml.safe_dump(settings, sort_keys=False))
    return destination


class _Walk:
    """One walkthrough: the emulator, the temporary project and backend, the CLI's environment."""

    def __init__(self, project: Path, pulumi: Path, out: TextIO) -> None:
        self.project = project
        self.pulumi = pulumi
        self.out = out
        # A throwaway token: the emulator accepts only it, so a create proves the secret reached
        # the provider; it is never printed.
        self.token = f"hf_walkthrough_{secrets.token_hex(8)}"
        self.temp = Path(tempfile.mkdtemp(prefix="pulumi-hf-walkthrough-"))
        self.folder = _copy_project(project, self.temp / "project")
        self.home = self.temp / "pulumi-home"
        self.backend = self.temp / "backend"
        self.home.mkdir()
        self.backend.mkdir()
        self.emulator: EmulatorServer | None = None
        self.env = self._environment()

    def _environment(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("PULUMI_")}
        for key in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_TOKEN_PATH", "HF_ENDPOINT"):
            env.pop(key, None)
        bins = dict.fromkeys([str(self.pulumi.parent), str(Path(sys.prefix) / "bin")])
        env.update(
            PATH=os.pathsep.join([*bins, env.get("PATH", "")]),
            PULUMI_HOME=str(self.home),
            PULUMI_BACKEND_URL=f"file://{self.backend}",
            PULUMI_CONFIG_PASSPHRASE=secrets.token_hex(16),
            PULUMI_SKIP_UPDATE_CHECK="true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION="true",
            NO_COLOR="1",
        )
        return env

    def say(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def pulumi_run(self, *args: str, show: bool = True, shown_as: str | None = None) -> str:
        """Run `pulumi <args>` in the project copy; print its trimmed output; return stdout."""
        if show:
            self.say(f"\n$ pulumi {shown_as or ' '.join(args)}")
        done = subprocess.run(
            [str(self.pulumi), *args],
            cwd=self.folder,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )
        if done.returncode != 0:
            raise WalkthroughError(
                f"`pulumi {shown_as or ' '.join(args)}` exited with {done.returncode}:\n"
                f"{trim(done.stdout + done.stderr)}"
            )
        shown = trim(done.stdout, applying="--yes" in args)
        if show and shown:
            self.say(shown)
        return done.stdout

    def counts(self) -> dict[str, int]:
        assert self.emulator is not None
        by_route: dict[str, int] = self.emulator.app.request_counts()["byRoute"]
        return by_route

    def endpoint(self) -> tuple[str, dict[str, Any]]:
        exported = json.loads(self.pulumi_run("stack", "export", show=False))
        resources = exported.get("deployment", {}).get("resources") or []
        endpoints = [r for r in resources if r.get("type") == _TYPE]
        if len(endpoints) != 1:
            raise WalkthroughError(f"expected one InferenceEndpoint in the stack, found {len(endpoints)}")
        return endpoints[0]["id"], endpoints[0].get("outputs", {})

    def start(self) -> None:
        self.emulator = EmulatorServer(token=self.token, provision_seconds=PROVISION_SECONDS)
        version = self.pulumi_run("version", show=False).strip()
        self.say(
            f"Pulumi CLI {version} ({self.pulumi}); emulator of the Inference Endpoints API on "
            f"{self.emulator.base_url}; state in a local backend under {self.temp}."
        )
        self.pulumi_run("stack", "init", STACK, show=False)
        config = {
            "huggingface:apiUrl": self.emulator.base_url,
            "huggingface:hubUrl": self.emulator.hub_url,
            "huggingface:pollInterval": POLL_INTERVAL,
        }
        for key, value in config.items():
            self.pulumi_run("config", "set", key, value)
        self.pulumi_run(
            "config",
            "set",
            "--secret",
            "huggingface:token",
            self.token,
            shown_as="config set --secret huggingface:token hf_...",
        )

    def step_create(self) -> str:
        self.pulumi_run("up", "--yes")
        id_, outputs = self.endpoint()
        if outputs.get("state") not in ("running", "scaledToZero"):
            raise WalkthroughError(f"after pulumi up the endpoint is {outputs.get('state')!r}, not running")
        if outputs.get("scale_to_zero_timeout") != FIRST_TIMEOUT:
            raise WalkthroughError(
                f"scale_to_zero_timeout is {outputs.get('scale_to_zero_timeout')!r} after create, "
                f"not {FIRST_TIMEOUT}"
            )
        return id_

    def step_preview(self) -> None:
        self.pulumi_run("config", "set", TIMEOUT_KEY, str(SECOND_TIMEOUT))
        before = sum(self.counts().values())
        shown = self.pulumi_run("preview", "--diff")
        update = re.search(r"~ \S*InferenceEndpoint\S*: \(update\)", shown)
        change = re.search(rf"~ scale_to_zero_timeout\s*: {FIRST_TIMEOUT} => {SECOND_TIMEOUT}", shown)
        if not update or not change:
            raise WalkthroughError(
                "the preview does not show an in-place update of scale_to_zero_timeout "
                f"{FIRST_TIMEOUT} => {SECOND_TIMEOUT}"
            )
        if "replace" in shown:
            raise WalkthroughError("the preview shows a replacement where an in-place update was expected")
        if sum(self.counts().values()) != before:
            raise WalkthroughError("the preview sent requests to the API; a preview must not")

    def step_update(self, id_: str) -> None:
        assert self.emulator is not None
        self.emulator.app.reset_request_counts()
        self.pulumi_run("up", "--yes")
        counts = self.counts()
        puts, posts, deletes = counts.get(_PUT, 0), counts.get(_POST, 0), counts.get(_DELETE, 0)
        self.say(
            f"Requests to the API during this pulumi up (the emulator's counters): {puts} PUT, "
            f"{posts} POST, {deletes} DELETE"
        )
        if (puts, posts, deletes) != (1, 0, 0):
            raise WalkthroughError(
                f"the update sent {puts} PUT, {posts} POST, {deletes} DELETE; expected one PUT"
            )
        new_id, outputs = self.endpoint()
        if new_id != id_:
            raise WalkthroughError(f"the endpoint changed identity: {id_} became {new_id}")
        if outputs.get("scale_to_zero_timeout") != SECOND_TIMEOUT:
            raise WalkthroughError(
                f"scale_to_zero_timeout is {outputs.get('scale_to_zero_timeout')!r}, not {SECOND_TIMEOUT}"
            )

    def step_refresh(self) -> None:
        shown = self.pulumi_run("refresh", "--yes")
        if not re.search(r"\b\d+ unchanged", shown):
            raise WalkthroughError("pulumi refresh found a change where nothing had changed")

    def step_destroy(self, id_: str) -> None:
        assert self.emulator is not None
        self.pulumi_run("destroy", "--yes")
        if self.emulator.app.endpoint_ids():
            raise WalkthroughError(
                f"{self.emulator.app.endpoint_ids()} still on the API after pulumi destroy"
            )
        self.say(f"{id_} is gone from the API.")

    def processes(self) -> list[int]:
        """Processes the CLI started for this walkthrough that still run (they carry its PULUMI_HOME)."""
        marker = f"PULUMI_HOME={self.home}".encode()
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                if marker in (entry / "environ").read_bytes().split(b"\0"):
                    state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
                    if state != "Z":
                        found.append(int(entry.name))
            except OSError:
                continue
        return found

    def stop(self) -> list[str]:
        """Destroy what is still deployed, stop the emulator, remove the temporary folder."""
        problems: list[str] = []
        if self.emulator is not None and self.emulator.app.endpoint_ids():
            try:
                self.pulumi_run("destroy", "--yes", show=False)
            except (WalkthroughError, subprocess.TimeoutExpired) as error:
                problems.append(f"cleaning up: {error}")
        deadline = time.monotonic() + 10
        while self.processes() and time.monotonic() < deadline:
            time.sleep(0.1)
        if self.processes():
            problems.append(f"processes the CLI started still run: {self.processes()}")
        if self.emulator is not None:
            self.emulator.stop()
        shutil.rmtree(self.temp, ignore_errors=True)
        return problems


def run_walkthrough(project: Path, out: TextIO, *, pulumi: Path | None = None) -> None:
    """Run the five steps with the real CLI against a fresh emulator, printing what the CLI shows.

    Args:
        project: The folder holding ``Pulumi.yaml``.
        out: Where to print.
        pulumi: The CLI; `find_pulumi()` when None.

    Raises:
        WalkthroughError: A step did not do what it should, or a command failed.
    """
    walk = _Walk(project, pulumi or find_pulumi(), out)
    started = time.monotonic()
    try:
        walk.start()
        id_ = walk.step_create()
        walk.step_preview()
        walk.step_update(id_)
        walk.step_refresh()
        walk.step_destroy(id_)
    finally:
        problems = walk.stop()
    if problems:
        raise WalkthroughError("; ".join(problems))
    walk.say(
        f"\nDone in {time.monotonic() - started:.1f}s with the real Pulumi CLI: created, previewed an "
        "in-place change, applied it with one PUT, refreshed, destroyed. The emulator and every process "
        "the CLI started are stopped; the temporary backend is removed."
    )


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Entry point of ``python -m pulumi_huggingface.walkthrough``; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m pulumi_huggingface.walkthrough",
        description="Create, preview an in-place change, update, refresh and destroy the root program's "
        "endpoint with the real Pulumi CLI against a local emulator.",
    )
    parser.add_argument("--project-dir", type=Path, default=None, help="the folder holding Pulumi.yaml")
    args = parser.parse_args(argv)
    stdout, stderr = out or sys.stdout, err or sys.stderr
    try:
        run_walkthrough(find_project(args.project_dir), stdout)
    except WalkthroughError as error:
        stderr.write(f"walkthrough failed: {error}\n")
        return 1
    except KeyboardInterrupt:
        stderr.write("walkthrough interrupted\n")
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
