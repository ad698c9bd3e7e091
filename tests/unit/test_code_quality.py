"""The codebase keeps its own rules: ruff's lint and format, and mypy strict on the package.

The rules live in pyproject.toml; these tests make every change on main honour them, so the code
reads the same whoever wrote it. The checkers' versions are pinned in .ci/constraints.txt: a new
release of ruff or mypy, with new rules or stricter inference, changes nothing here until the pin
is moved on purpose.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


def test_ruff_finds_nothing_to_lint() -> None:
    """`ruff check` over the whole repository (provider, tests, examples, bench)."""
    result = _run("ruff", "check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_has_nothing_to_change() -> None:
    """`ruff format --check`: one layout everywhere."""
    result = _run("ruff", "format", "--check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_passes_on_the_package() -> None:
    """`mypy` with the strict settings of pyproject.toml over the three packages under provider/."""
    result = _run("mypy", "--no-incremental", "--cache-dir", "/dev/null")
    assert result.returncode == 0, result.stdout + result.stderr
