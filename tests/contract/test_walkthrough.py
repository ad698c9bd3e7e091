"""`python -m pulumi_huggingface.walkthrough`, the README's first command, run as a reader runs it.

It runs in a subprocess from the repository's root, so what is checked is what a reader sees: the
create, the in-place preview (`~ update`, `scale_to_zero_timeout: 15 => 30`, no `+-`), one PUT,
destroy, exit status 0; and on a failing step a clear message, a non-zero status and no process
left behind.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from endpoint_stack import REPO_ROOT

pytestmark = pytest.mark.contract


def walkthrough(*args: str, cwd: Path = REPO_ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pulumi_huggingface.walkthrough", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def assert_gone(pid: int) -> None:
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def server_pid(stdout: str) -> int:
    match = re.search(r"python -m pulumi\.dynamic, pid (\d+)", stdout)
    assert match, stdout
    return int(match.group(1))


def test_the_walkthrough_creates_previews_an_in_place_change_updates_and_destroys() -> None:
    """Exit 0, and each step printed as the CLI would show it."""
    result = walkthrough()

    assert result.returncode == 0, result.stderr + result.stdout
    out = result.stdout
    steps = [out.index(marker) for marker in ("$ pulumi up", "$ pulumi preview --diff", "$ pulumi destroy")]
    assert steps == sorted(steps)
    created, preview, updated, destroyed = re.split(r"\n\$ pulumi (?:up|preview --diff|destroy)\n", out)[1:]
    assert "+ pulumi-python:dynamic/huggingface:InferenceEndpoint: (create)" in created
    assert "scale_to_zero_timeout: 15" in created
    assert "~ pulumi-python:dynamic/huggingface:InferenceEndpoint: (update)" in preview
    assert "~ scale_to_zero_timeout: 15 => 30" in preview
    assert "+-" not in preview and "(replace)" not in preview
    assert "Requests to the API: 1 PUT, 0 POST, 0 DELETE" in updated
    (endpoint_id,) = set(re.findall(r"id=(emulator-user/quickstart-[a-z0-9]+)", created + updated))
    assert f"Same endpoint: id={endpoint_id}" in updated
    assert "- 1 deleted" in destroyed
    assert f"{endpoint_id} is gone from the API." in destroyed
    assert "hf_walkthrough_" not in out + result.stderr
    assert_gone(server_pid(out))


def test_a_step_that_does_not_hold_fails_with_a_clear_message_and_leaves_nothing_running(
    tmp_path: Path,
) -> None:
    """A program that ignores the config change: the preview check fails, exit 1, everything stopped."""
    program = tmp_path / "program"
    program.mkdir()
    (tmp_path / "Pulumi.yaml").write_text("name: stubborn\nruntime: python\nmain: program/\n")
    (program / "__main__.py").write_text(
        "from pulumi_huggingface import InferenceEndpoint\n"
        "InferenceEndpoint('fixed', repository='openai-community/gpt2', framework='pytorch',\n"
        "    task='text-generation', accelerator='cpu', vendor='aws', region='us-east-1',\n"
        "    instance_type='intel-icl', instance_size='x2', min_replica=0, scale_to_zero_timeout=15)\n"
    )

    result = walkthrough("--project-dir", str(tmp_path))

    assert result.returncode == 1
    assert result.stderr.startswith("walkthrough failed: the preview does not show an in-place update")
    assert "$ pulumi preview --diff" in result.stdout
    assert_gone(server_pid(result.stdout))


def test_without_a_project_it_says_where_it_looked(tmp_path: Path) -> None:
    result = walkthrough("--project-dir", str(tmp_path))

    assert result.returncode == 1
    assert f"No Pulumi.yaml found in {tmp_path}" in result.stderr
    assert "--project-dir" in result.stderr
