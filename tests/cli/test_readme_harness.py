"""The README's testing example runs as written: saved as a user's test module and run by pytest
from the repository's root, where its relative program folder (`examples/quickstart`) is."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.cli

REPO_ROOT = Path(__file__).resolve().parents[2]
SECTION = "## Testing your infrastructure code without an account"


def readme_example() -> str:
    text = (REPO_ROOT / "README.md").read_text()
    section = text[text.index(SECTION) :]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match, f"no python example under {SECTION!r}"
    return match.group(1)


def test_the_readme_testing_example_passes_as_written(tmp_path: Path) -> None:
    example = readme_example()
    assert 'PROGRAM = "examples/quickstart"' in example
    # The fixtures come from the harness's pytest11 entry point, not from a line in the module.
    assert "pytest_plugins" not in example
    test_file = tmp_path / "tests" / "test_infra.py"
    test_file.parent.mkdir()
    test_file.write_text(example)

    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(test_file),
            "-v",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(tmp_path),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )

    report = completed.stdout + completed.stderr
    assert completed.returncode == 0, report
    assert re.search(r"2 passed", report), report
    assert "test_a_longer_idle_time_is_an_in_place_update PASSED" in report, report
    assert "test_an_inline_program PASSED" in report, report
