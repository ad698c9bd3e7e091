"""Walk the root Pulumi program through create, an in-place change and destroy, without an account.

``python -m pulumi_huggingface.walkthrough`` starts the Inference Endpoints emulator in this process,
starts the Pulumi SDK's dynamic provider server (``python -m pulumi.dynamic``, the process ``pulumi
up`` runs for this provider) configured with the stack config the CLI would send, and walks the
project's program (``Pulumi.yaml``'s ``main:``, run under the SDK's mocks) through:

1. ``pulumi up``: the endpoint is created and waited for;
2. ``pulumi config set scaleToZeroTimeout 30`` and ``pulumi preview --diff``: an in-place update
   (``~ update``, ``scale_to_zero_timeout: 15 => 30``), no replacement;
3. ``pulumi up``: one ``PUT`` reaches the API, and the endpoint keeps its id and URL;
4. ``pulumi destroy``: nothing is left on the API.

Each step is checked; the first one that does not hold stops the walkthrough with a message and
exit status 1. The provider server and the emulator are stopped whatever happens. The Pulumi CLI is
not needed (nor used): its engine's step logic is played by `pulumi_huggingface.testing.Deployment`.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Final, TextIO

import yaml

from pulumi_huggingface.emulator import EmulatorServer
from pulumi_huggingface.testing import (
    Deployment,
    DeploymentError,
    ProviderServer,
    RegisteredResource,
    run_program,
)

__all__ = ["WalkthroughError", "find_project", "main", "run_walkthrough"]

TIMEOUT_KEY: Final = "scaleToZeroTimeout"
FIRST_TIMEOUT: Final = 15
SECOND_TIMEOUT: Final = 30
# Long enough that the API's first answers and the provider's first polls show the endpoint pending
# and updating, as the real service does for minutes; short enough not to keep the reader waiting.
PROVISION_SECONDS: Final = 1.0
# The stack's `huggingface:pollInterval`: against the emulator in this process, polling at
# huggingface_hub's 5 s would only add seconds of sleep to every create, update and delete.
POLL_INTERVAL: Final = "0.2"
STACK: Final = "dev"
_TYPE: Final = "pulumi-python:dynamic/huggingface:InferenceEndpoint"
_PUT: Final = "PUT /v2/endpoint/{namespace}/{name}"
_POST: Final = "POST /v2/endpoint/{namespace}"
_DELETE: Final = "DELETE /v2/endpoint/{namespace}/{name}"


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


def _program_folder(project: Path, settings: dict[str, Any]) -> Path:
    main = settings.get("main")
    folder = (project / main).resolve() if isinstance(main, str) and main else project
    if not (folder / "__main__.py").is_file():
        raise WalkthroughError(f"{folder} (Pulumi.yaml's main:) has no __main__.py to run.")
    return folder


class _Walk:
    """The state of one walkthrough: the emulator, the provider server, the stack's state."""

    def __init__(self, project: Path, out: TextIO) -> None:
        settings = yaml.safe_load((project / "Pulumi.yaml").read_text())
        if not isinstance(settings, dict) or not isinstance(settings.get("name"), str):
            raise WalkthroughError(f"{project / 'Pulumi.yaml'} has no project name.")
        self.project_name: str = settings["name"]
        self.folder = _program_folder(project, settings)
        self.out = out
        # A throwaway token: the emulator accepts only it, and it must never be printed.
        self.token = f"hf_walkthrough_{secrets.token_hex(8)}"
        self.emulator: EmulatorServer | None = None
        self.server: ProviderServer | None = None
        self.deployment: Deployment | None = None
        self._stderr_seen = 0

    def say(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def config(self, timeout: int | None) -> dict[str, str]:
        """The stack config; `timeout` None leaves the program's default (never `pulumi config set`)."""
        assert self.emulator is not None
        config = {
            "huggingface:token": self.token,
            "huggingface:apiUrl": self.emulator.base_url,
            "huggingface:hubUrl": self.emulator.hub_url,
            "huggingface:pollInterval": POLL_INTERVAL,
        }
        if timeout is not None:
            config[f"{self.project_name}:{TIMEOUT_KEY}"] = str(timeout)
        return config

    def program(self, timeout: int | None, *, preview: bool) -> list[RegisteredResource]:
        return run_program(
            self.folder,
            config=self.config(timeout),
            secret_config_keys=["huggingface:token"],
            project=self.project_name,
            stack=STACK,
            preview=preview,
        )

    def provider_lines(self) -> None:
        """Print what the provider logged since last time, as the CLI shows the plugin's lines."""
        assert self.server is not None
        text = self.server.stderr_text()
        new, self._stderr_seen = text[self._stderr_seen :], len(text)
        for line in new.splitlines():
            if line.strip():
                self.say(f"    {line.strip()}")

    def start(self) -> None:
        self.emulator = EmulatorServer(token=self.token, provision_seconds=PROVISION_SECONDS)
        self.say(f"Emulator of the Inference Endpoints API on {self.emulator.base_url} (in this process).")
        self.server = ProviderServer(self.folder, project=self.project_name, stack=STACK)
        self.server.start()
        # The engine configures the provider with the whole stack config.
        self.server.configure(self.config(None), secret_keys=["huggingface:token"])
        self.say(
            f"Provider: the Pulumi SDK's provider server (python -m pulumi.dynamic, pid {self.server.pid}), "
            "configured with huggingface:token (secret), huggingface:apiUrl, huggingface:hubUrl and "
            f"huggingface:pollInterval {POLL_INTERVAL} (seconds between status requests; "
            "leave it unset, 5, against the real API)."
        )
        self.deployment = Deployment(self.server)

    def stop(self) -> list[str]:
        """Destroy whatever is still in state, stop the server and the emulator; return what went wrong."""
        problems: list[str] = []
        if self.deployment is not None and self.deployment.state:
            try:
                self.deployment.destroy()
            except DeploymentError as error:
                problems.append(f"cleaning up: {error}")
        if self.server is not None:
            self.server.close()
            if self.server.is_running():
                problems.append(f"the provider server (pid {self.server.pid}) is still running")
        if self.emulator is not None:
            self.emulator.stop()
        return problems

    def counts(self) -> dict[str, int]:
        assert self.emulator is not None
        by_route: dict[str, int] = self.emulator.app.request_counts()["byRoute"]
        return by_route

    def only_endpoint(self) -> tuple[str, dict[str, Any]]:
        assert self.deployment is not None
        endpoints = [state for state in self.deployment.state.values() if state.type == _TYPE]
        if len(endpoints) != 1:
            raise WalkthroughError(f"expected one InferenceEndpoint in state, found {len(endpoints)}")
        return endpoints[0].id, endpoints[0].outputs

    def step_create(self) -> tuple[str, Any]:
        assert self.deployment is not None
        self.say("\n$ pulumi up")
        plan = self.deployment.up(self.program(None, preview=False))
        self.say(plan.render().rstrip("\n"))
        self.provider_lines()
        id_, outputs = self.only_endpoint()
        if outputs.get("state") not in ("running", "scaledToZero"):
            raise WalkthroughError(f"after pulumi up the endpoint is {outputs.get('state')!r}, not running")
        if outputs.get("scale_to_zero_timeout") != FIRST_TIMEOUT:
            raise WalkthroughError(
                f"scale_to_zero_timeout is {outputs.get('scale_to_zero_timeout')!r} after create, "
                f"not {FIRST_TIMEOUT}"
            )
        self.say(f"Outputs: id={id_} url={outputs.get('url')} state={outputs.get('state')}")
        return id_, outputs.get("url")

    def step_preview(self) -> None:
        assert self.deployment is not None
        self.say(f"\n$ pulumi config set {TIMEOUT_KEY} {SECOND_TIMEOUT}")
        self.say("$ pulumi preview --diff")
        before = sum(self.counts().values())
        plan = self.deployment.preview(self.program(SECOND_TIMEOUT, preview=True))
        rendered = plan.render()
        self.say(rendered.rstrip("\n"))
        expected = f"~ scale_to_zero_timeout: {FIRST_TIMEOUT} => {SECOND_TIMEOUT}"
        if "(update)" not in rendered or expected not in rendered:
            raise WalkthroughError(f"the preview does not show an in-place update with {expected!r}")
        if "+-" in rendered or "(replace)" in rendered:
            raise WalkthroughError("the preview shows a replacement where an in-place update was expected")
        if sum(self.counts().values()) != before:
            raise WalkthroughError("the preview sent requests to the API; a preview must not")

    def step_update(self, id_: str, url: Any) -> None:
        assert self.deployment is not None and self.emulator is not None
        self.say("\n$ pulumi up")
        self.emulator.app.reset_request_counts()
        plan = self.deployment.up(self.program(SECOND_TIMEOUT, preview=False))
        self.say(plan.render().rstrip("\n"))
        self.provider_lines()
        counts = self.counts()
        puts, posts, deletes = counts.get(_PUT, 0), counts.get(_POST, 0), counts.get(_DELETE, 0)
        self.say(
            f"Requests to the API: {puts} PUT, {posts} POST, {deletes} DELETE (from the emulator's counters)"
        )
        if (puts, posts, deletes) != (1, 0, 0):
            raise WalkthroughError(
                f"the update sent {puts} PUT, {posts} POST, {deletes} DELETE; expected one PUT"
            )
        new_id, outputs = self.only_endpoint()
        if (new_id, outputs.get("url")) != (id_, url):
            raise WalkthroughError(
                f"the endpoint changed identity: {id_} {url} became {new_id} {outputs.get('url')}"
            )
        if outputs.get("scale_to_zero_timeout") != SECOND_TIMEOUT:
            raise WalkthroughError(
                f"scale_to_zero_timeout is {outputs.get('scale_to_zero_timeout')!r}, not 30"
            )
        self.say(
            f"Same endpoint: id={new_id} url={outputs.get('url')}; scale_to_zero_timeout={SECOND_TIMEOUT}"
        )

    def step_destroy(self, id_: str) -> None:
        assert self.deployment is not None and self.emulator is not None
        self.say("\n$ pulumi destroy")
        plan = self.deployment.destroy()
        self.say(plan.render().rstrip("\n"))
        self.provider_lines()
        namespace, _, name = id_.partition("/")
        if self.emulator.app.inspect(namespace, name) is not None or self.deployment.state:
            raise WalkthroughError(f"{id_} is still there after pulumi destroy")
        self.say(f"{id_} is gone from the API.")


def run_walkthrough(project: Path, out: TextIO) -> None:
    """Run the four steps against a fresh emulator, printing what the CLI would show.

    Args:
        project: The folder holding ``Pulumi.yaml``.
        out: Where to print.

    Raises:
        WalkthroughError: A step did not do what it should.
        DeploymentError: A provider call failed.
    """
    walk = _Walk(project, out)
    started = time.monotonic()
    walk.say(
        f"Walkthrough of the {walk.project_name} program ({walk.folder}) against a local emulator: "
        "no account, no Pulumi CLI."
    )
    try:
        walk.start()
        id_, url = walk.step_create()
        walk.step_preview()
        walk.step_update(id_, url)
        walk.step_destroy(id_)
    finally:
        problems = walk.stop()
    if problems:
        raise WalkthroughError("; ".join(problems))
    walk.say(
        f"\nDone in {time.monotonic() - started:.1f}s: created, previewed an in-place change, updated "
        "it with one PUT, destroyed. The provider server and the emulator are stopped."
    )


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Entry point of ``python -m pulumi_huggingface.walkthrough``; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m pulumi_huggingface.walkthrough",
        description="Create, preview an in-place change, update and destroy the root program's endpoint "
        "against a local emulator, through the Pulumi SDK's provider server.",
    )
    parser.add_argument("--project-dir", type=Path, default=None, help="the folder holding Pulumi.yaml")
    args = parser.parse_args(argv)
    stdout, stderr = out or sys.stdout, err or sys.stderr
    report: Callable[[str], object] = stderr.write
    try:
        run_walkthrough(find_project(args.project_dir), stdout)
    except (WalkthroughError, DeploymentError) as error:
        report(f"walkthrough failed: {error}\n")
        return 1
    except KeyboardInterrupt:
        report("walkthrough interrupted; the provider server and the emulator were stopped\n")
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
