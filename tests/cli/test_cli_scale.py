"""Many endpoints in one `pulumi up` at the CLI's default parallelism, and then in one destroy.

The CLI runs at most `--parallel` resource operations at once (4 per CPU by default); the provider
server must serve all of them at once, share one poller among their waits, and record every
endpoint: the emulator holds exactly the endpoints the state holds, and nothing after destroy.
"""

from __future__ import annotations

import re

import pytest
from cli_stack import POST, PROGRAMS, NewStack, counts

from pulumi_huggingface_emulator import EmulatorServer

pytestmark = pytest.mark.cli

COUNT = 24


def test_many_endpoints_in_one_up_at_the_default_parallelism(
    new_stack: NewStack, emulator: EmulatorServer
) -> None:
    names = [f"endpoint-{index:02d}" for index in range(COUNT)]
    stack = new_stack(PROGRAMS / "options", config={"resources": ",".join(names)})
    created = stack.run("up", "--yes")
    assert re.search(rf"Resources:\n\s+\+ {COUNT + 1} created", created.stdout), created
    state_ids = sorted(resource["id"] for resource in stack.resources())
    assert len(state_ids) == COUNT and emulator.app.endpoint_ids() == state_ids
    assert counts(emulator).get(POST) == COUNT
    stack.preview("--expect-no-changes")

    destroyed = stack.destroy()
    assert re.search(rf"Resources:\n\s+- {COUNT + 1} deleted", destroyed.stdout), destroyed
    assert emulator.app.endpoint_ids() == [] and stack.resources() == []
