"""A stack made by the previous release, taken over by the current code under the real `pulumi` CLI.

The quickstart's stack is created with its `Pulumi.yaml` naming a virtualenv that holds the
previous release (its wheel, built from its git tag by the session fixture `previous_release`):
the CLI runs the program and the provider (`pulumi-resource-pulumi-python` →
`python -m pulumi.dynamic`) with that virtualenv's interpreter, and the state stores that
release's pickled provider. Then `Pulumi.yaml` names this checkout's virtualenv instead, as
`pip install --upgrade` in the project's own virtualenv would leave things, and the current code
previews, updates, refreshes and destroys the same stack. The upgrade itself changes nothing: no
replacement, no update, no request that writes to the API.
"""

from __future__ import annotations

import base64
import json
import re
import sys
from pathlib import Path

import pytest
import yaml
from cli_stack import PUT, NewStack, Stack, counts

from pulumi_huggingface_emulator import EmulatorServer

pytestmark = pytest.mark.cli

# Appended to the stack's copy of the program: it records which interpreter ran it.
RECORD_INTERPRETER = '\nimport pathlib, sys\npathlib.Path("ran-with.txt").write_text(sys.executable)\n'
WRITES = ("POST", "PUT", "DELETE")
# What the CLI's summary says of resources a command changed.
CHANGED = r"\d+ (created|updated|replaced|deleted)"


def use_virtualenv(stack: Stack, virtualenv: Path) -> None:
    """Name `virtualenv` in the program's Pulumi.yaml: the CLI runs the program and the provider with it."""
    settings_file = stack.program / "Pulumi.yaml"
    settings = yaml.safe_load(settings_file.read_text())
    settings["runtime"]["options"]["virtualenv"] = str(virtualenv)
    settings_file.write_text(yaml.safe_dump(settings, sort_keys=False))


def ran_with(stack: Stack) -> Path:
    return Path((stack.program / "ran-with.txt").read_text())


def writes(emulator: EmulatorServer) -> dict[str, int]:
    return {route: n for route, n in counts(emulator).items() if route.split()[0] in WRITES}


def test_a_stack_of_the_previous_release_upgrades_without_a_diff(
    new_stack: NewStack, emulator: EmulatorServer, previous_release: Path
) -> None:
    stack = new_stack()
    with (stack.program / "__main__.py").open("a") as program:
        program.write(RECORD_INTERPRETER)
    previous_venv = previous_release.parents[1]
    use_virtualenv(stack, previous_venv)

    created = stack.up()
    assert re.search(r"\+\s+2 created", created.stdout), created  # the stack and the endpoint
    assert ran_with(stack).is_relative_to(previous_venv)
    (endpoint,) = stack.resources()
    endpoint_id = endpoint["id"]
    namespace, _, name = endpoint_id.partition("/")
    before = emulator.app.inspect(namespace, name)
    (stored,) = [
        r for r in stack.export("--show-secrets")["deployment"]["resources"] if r.get("id") == endpoint_id
    ]
    # A secret in `pulumi stack export --show-secrets`: {<signature>, "plaintext": <the value as JSON>}.
    pickled = base64.b64decode(json.loads(stored["inputs"]["__provider"]["plaintext"]))
    assert b"pulumi_huggingface.provider" in pickled and b"InferenceEndpointProvider" in pickled

    use_virtualenv(stack, Path(sys.prefix))
    emulator.app.reset_request_counts()

    preview = stack.preview("--diff", "--expect-no-changes")
    assert ran_with(stack).is_relative_to(Path(sys.prefix))
    assert "replace" not in preview.stdout and "to update" not in preview.stdout, preview
    upgraded = stack.up("--expect-no-changes")
    assert re.search(r"2 unchanged", upgraded.stdout) and not re.search(CHANGED, upgraded.stdout), upgraded
    refreshed = stack.refresh("--expect-no-changes")
    assert re.search(r"2 unchanged", refreshed.stdout) and not re.search(CHANGED, refreshed.stdout), refreshed
    assert stack.preview("--expect-no-changes").returncode == 0
    assert writes(emulator) == {}, "the upgrade wrote to the API"
    assert emulator.app.inspect(namespace, name)["config"] == before["config"]

    stack.config_set("scaleToZeroTimeout", "30")
    changed = stack.up()
    assert re.search(r"~ 1 updated", changed.stdout), changed
    assert writes(emulator) == {PUT: 1}
    assert emulator.app.inspect(namespace, name)["config"]["compute"]["scaling"]["scaleToZeroTimeout"] == 30
    assert [r["id"] for r in stack.resources()] == [endpoint_id]

    destroyed = stack.destroy()
    assert re.search(r"-\s+2 deleted", destroyed.stdout), destroyed
    assert emulator.app.endpoint_ids() == []
    assert stack.resources() == []
