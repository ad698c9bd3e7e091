"""Walk the root Pulumi program through create, an in-place change, refresh and destroy, without an account.

``python -m pulumi_huggingface_testing.walkthrough`` starts the Inference Endpoints emulator in this process
and runs the project's program (``Pulumi.yaml``, its ``main:``) as a stack under the real Pulumi CLI
(``pulumi_huggingface_testing.open_stack``: a local file backend in a temporary folder, a passphrase,
no Pulumi account), printing the CLI's own output:

1. ``pulumi up``: the endpoint is created and waited for;
2. ``pulumi config set scaleToZeroTimeout 30`` and ``pulumi preview --diff``: an in-place update
   (``~ update``, ``scale_to_zero_timeout: 15 => 30``), no replacement, no API request;
3. ``pulumi up``: one ``PUT`` reaches the API, and the endpoint keeps its id and URL;
4. ``pulumi refresh`` and ``pulumi destroy``: nothing is left on the API.

Each step is checked; the first one that does not hold stops the walkthrough with a message and
exit status 1. The stack, its temporary folder and the emulator are removed whatever happens. It
needs the Pulumi CLI beside the interpreter or on PATH (``bash .ci/setup`` installs it into .venv).
"""

from __future__ import annotations

import argparse
import secrets
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Final, TextIO

from pulumi import automation as auto

from pulumi_huggingface_emulator import EmulatorServer
from pulumi_huggingface_testing import DEFAULT_POLL_INTERVAL, EmulatedStack, PulumiNotFoundError, open_stack

__all__ = ["WalkthroughError", "find_project", "main", "run_walkthrough"]

TIMEOUT_KEY: Final = "scaleToZeroTimeout"
FIRST_TIMEOUT: Final = 15
SECOND_TIMEOUT: Final = 30
# Long enough that the API's first answers and the provider's first polls show the endpoint pending
# and updating, as the real service does for minutes; short enough not to keep the reader waiting.
PROVISION_SECONDS: Final = 1.0
STACK: Final = "dev"
_PUT: Final = "PUT /v2/endpoint/{namespace}/{name}"
_POST: Final = "POST /v2/endpoint/{namespace}"
_DELETE: Final = "DELETE /v2/endpoint/{namespace}/{name}"


class WalkthroughError(Exception):
    """A step of the walkthrough did not do what it should; the message says which and what was seen."""


def find_project(start: Path | None = None) -> Path:
    """Return the folder holding the root ``Pulumi.yaml``.

    The given folder, else the current directory when it holds one, else the checkout this package
    was installed from (``pip install -e provider/testing``, as ``.ci/setup`` does).

    Raises:
        WalkthroughError: No ``Pulumi.yaml`` in any of those places.
    """
    candidates = [start] if start is not None else [Path.cwd(), Path(__file__).resolve().parents[3]]
    for folder in candidates:
        if (folder / "Pulumi.yaml").is_file():
            return folder.resolve()
    tried = ", ".join(str(folder) for folder in candidates)
    raise WalkthroughError(
        f"No Pulumi.yaml found in {tried}. Run the walkthrough from the repository's root, or pass "
        "--project-dir PATH."
    )


class _Walk:
    """The state of one walkthrough: the emulator and the stack."""

    def __init__(self, project: Path, out: TextIO) -> None:
        self.project = project
        self.out = out
        # A throwaway token: the emulator accepts only it, and it must never be printed.
        self.token = f"hf_walkthrough_{secrets.token_hex(8)}"
        self.emulator: EmulatorServer | None = None
        self.stack: EmulatedStack | None = None

    def say(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def cli_line(self, line: str) -> None:
        """Print a line of the CLI's output, indented under the command, without its spinner lines."""
        if line.strip() and not line.lstrip().startswith("@ "):
            self.say(f"    {line.rstrip()}")

    def start(self) -> None:
        self.emulator = EmulatorServer(token=self.token, provision_seconds=PROVISION_SECONDS)
        self.say(f"Emulator of the Inference Endpoints API on {self.emulator.base_url} (in this process).")
        self.stack = open_stack(self.project, self.emulator, token=self.token, stack_name=STACK)
        self.say(
            f"Stack {STACK} under the Pulumi CLI, local file backend in {self.stack.workdir}; config: "
            "huggingface:token (secret), huggingface:apiUrl, huggingface:hubUrl and huggingface:pollInterval"
            f" {DEFAULT_POLL_INTERVAL} (seconds between status requests; leave it unset, 5, against the real"
            " API)."
        )

    def stop(self) -> list[str]:
        """Destroy whatever is still in the stack, remove it, stop the emulator; return what went wrong."""
        problems: list[str] = []
        if self.stack is not None:
            try:
                self.stack.close()
            except auto.CommandError as error:
                problems.append(f"cleaning up: {error}")
        if self.emulator is not None:
            self.emulator.stop()
        return problems

    def counts(self) -> dict[str, int]:
        assert self.emulator is not None
        by_route: dict[str, int] = self.emulator.app.request_counts()["byRoute"]
        return by_route

    def outputs(self) -> dict[str, Any]:
        assert self.stack is not None
        return self.stack.outputs()

    def step_create(self) -> tuple[str, Any]:
        assert self.stack is not None
        self.say("\n$ pulumi up --yes")
        result = self.stack.up(on_output=self.cli_line)
        if result.summary.resource_changes != {"create": 2}:
            raise WalkthroughError(
                f"pulumi up made {result.summary.resource_changes}, not the stack and one endpoint"
            )
        outputs = self.outputs()
        if outputs.get("state") not in ("running", "scaledToZero"):
            raise WalkthroughError(f"after pulumi up the endpoint is {outputs.get('state')!r}, not running")
        return str(outputs.get("endpoint_id")), outputs.get("url")

    def step_preview(self) -> None:
        assert self.stack is not None
        self.say(f"\n$ pulumi config set {TIMEOUT_KEY} {SECOND_TIMEOUT}")
        self.stack.set_config(TIMEOUT_KEY, str(SECOND_TIMEOUT))
        self.say("$ pulumi preview --diff")
        before = sum(self.counts().values())
        result = self.stack.preview(diff=True, on_output=self.cli_line)
        expected = f"scale_to_zero_timeout: {FIRST_TIMEOUT} => {SECOND_TIMEOUT}"
        if result.change_summary != {"update": 1, "same": 1} or expected not in result.stdout:
            raise WalkthroughError(
                f"the preview does not show one in-place update with {expected!r}: {result.change_summary}"
            )
        if sum(self.counts().values()) != before:
            raise WalkthroughError("the preview sent requests to the API; a preview must not")

    def step_update(self, id_: str, url: Any) -> None:
        assert self.stack is not None and self.emulator is not None
        self.say("\n$ pulumi up --yes")
        self.emulator.app.reset_request_counts()
        result = self.stack.up(on_output=self.cli_line)
        counts = self.counts()
        puts, posts, deletes = counts.get(_PUT, 0), counts.get(_POST, 0), counts.get(_DELETE, 0)
        self.say(
            f"Requests to the API: {puts} PUT, {posts} POST, {deletes} DELETE (from the emulator's counters)"
        )
        if result.summary.resource_changes != {"update": 1, "same": 1} or (puts, posts, deletes) != (1, 0, 0):
            raise WalkthroughError(
                f"the update made {result.summary.resource_changes} with {puts} PUT, {posts} POST, "
                f"{deletes} DELETE; expected one in-place update with one PUT"
            )
        outputs = self.outputs()
        if (outputs.get("endpoint_id"), outputs.get("url")) != (id_, url):
            raise WalkthroughError(
                f"the endpoint changed identity: {id_} {url} became "
                f"{outputs.get('endpoint_id')} {outputs.get('url')}"
            )
        self.say(f"Same endpoint: id={id_} url={url}")

    def step_refresh_and_destroy(self, id_: str) -> None:
        assert self.stack is not None and self.emulator is not None
        self.say("\n$ pulumi refresh --yes")
        refreshed = self.stack.refresh(on_output=self.cli_line)
        if refreshed.summary.resource_changes != {"same": 2}:
            raise WalkthroughError(f"pulumi refresh found drift: {refreshed.summary.resource_changes}")
        self.say("\n$ pulumi destroy --yes")
        self.stack.destroy(on_output=self.cli_line)
        namespace, _, name = id_.partition("/")
        if self.emulator.app.inspect(namespace, name) is not None:
            raise WalkthroughError(f"{id_} is still there after pulumi destroy")
        self.say(f"{id_} is gone from the API.")


def run_walkthrough(project: Path, out: TextIO) -> None:
    """Run the steps against a fresh emulator, printing the CLI's output.

    Args:
        project: The folder holding ``Pulumi.yaml``.
        out: Where to print.

    Raises:
        WalkthroughError: A step did not do what it should.
        pulumi.automation.CommandError: A Pulumi command failed.
        PulumiNotFoundError: No Pulumi CLI.
    """
    walk = _Walk(project, out)
    started = time.monotonic()
    walk.say(f"Walkthrough of the program of {project / 'Pulumi.yaml'} against a local emulator: no account.")
    try:
        walk.start()
        id_, url = walk.step_create()
        walk.step_preview()
        walk.step_update(id_, url)
        walk.step_refresh_and_destroy(id_)
    finally:
        problems = walk.stop()
    if problems:
        raise WalkthroughError("; ".join(problems))
    walk.say(
        f"\nDone in {time.monotonic() - started:.1f}s: created, previewed an in-place change, updated "
        "it with one PUT, refreshed, destroyed. The stack and the emulator are removed."
    )


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Entry point of ``python -m pulumi_huggingface_testing.walkthrough``; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m pulumi_huggingface_testing.walkthrough",
        description="Create, preview an in-place change, update, refresh and destroy the root program's "
        "endpoint against a local emulator, under the Pulumi CLI.",
    )
    parser.add_argument("--project-dir", type=Path, default=None, help="the folder holding Pulumi.yaml")
    args = parser.parse_args(argv)
    stdout, stderr = out or sys.stdout, err or sys.stderr
    report: Callable[[str], object] = stderr.write
    try:
        run_walkthrough(find_project(args.project_dir), stdout)
    except (WalkthroughError, PulumiNotFoundError, auto.CommandError) as error:
        report(f"walkthrough failed: {error}\n")
        return 1
    except KeyboardInterrupt:
        report("walkthrough interrupted; the stack and the emulator were removed\n")
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
