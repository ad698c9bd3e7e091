"""`python -m pulumi_huggingface.walkthrough`, the README's first command, run as a reader runs it.

It runs in a subprocess from the repository's root with the real CLI, so what is checked is what a
reader sees: the CLI's create, its in-place preview (`~ update`, `scale_to_zero_timeout: 15 => 30`,
no replacement), one PUT, refresh, destroy, exit status 0, and nothing left: no process the CLI
started, no temporary folder; on a failing step, a clear message, a non-zero status and the same
clean-up.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from cli_stack import REPO_ROOT

pytestmark = pytest.mark.cli


def walkthrough(*args: str, cwd: Path = REPO_ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pulumi_huggingface.walkthrough", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def temporary_folder(stdout: str) -> Path:
    match = re.search(r"state in a local backend under (\S+?)\.\n", stdout)
    assert match, stdout
    return Path(match.group(1))


def test_the_walkthrough_runs_the_cli_lifecycle_and_leaves_nothing_behind() -> None:
    result = walkthrough()

    assert result.returncode == 0, result.stderr + result.stdout
    out = result.stdout
    markers = [
        "$ pulumi up --yes",
        "$ pulumi preview --diff",
        "$ pulumi refresh --yes",
        "$ pulumi destroy --yes",
    ]
    assert [out.index(m) for m in markers] == sorted(out.index(m) for m in markers)
    created, preview, updated = (
        out.split("$ pulumi up --yes")[1],
        out.split("$ pulumi preview --diff")[1],
        out.split("$ pulumi up --yes")[2],
    )
    created = created.split("$ pulumi")[0]
    assert re.search(r"\+\s+pulumi-python:dynamic/huggingface:InferenceEndpoint quickstart created", created)
    assert re.search(r"Resources:\n\s+\+ 2 created", created)
    preview = preview.split("$ pulumi")[0]
    assert re.search(r"~ pulumi-python:dynamic/huggingface:InferenceEndpoint: \(update\)", preview)
    assert re.search(r"~ scale_to_zero_timeout\s*: 15 => 30", preview)
    assert "replace" not in preview
    assert "1 PUT, 0 POST, 0 DELETE" in updated
    assert re.search(r"emulator-user/quickstart-[a-z0-9]+ is gone from the API\.", out)
    assert "hf_walkthrough_" not in out + result.stderr
    assert not temporary_folder(out).exists()


def test_a_step_that_does_not_hold_fails_with_a_clear_message_and_leaves_nothing_behind(
    tmp_path: Path,
) -> None:
    """A program that ignores the config change: the preview check fails, exit 1, all cleaned up."""
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
    assert not temporary_folder(result.stdout).exists()


def test_without_a_project_it_says_where_it_looked(tmp_path: Path) -> None:
    result = walkthrough("--project-dir", str(tmp_path))

    assert result.returncode == 1
    assert f"No Pulumi.yaml found in {tmp_path}" in result.stderr
    assert "--project-dir" in result.stderr
