"""The main README's example of huggingface_hub pointed at the emulator runs as written."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
SECTION = "### The official client against the emulator"


def test_the_readme_official_client_example_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Create, wait, a text-generation call through InferenceClient, delete: as a user's CI would."""
    text = README.read_text(encoding="utf-8")
    match = re.search(r"```python\n(.*?)```", text[text.index(SECTION) :], re.DOTALL)
    assert match, f"no python example under {SECTION!r}"
    namespace: dict[str, Any] = {}
    exec(compile(match.group(1), "README.md", "exec"), namespace)
    (test,) = [value for name, value in namespace.items() if name.startswith("test_") and callable(value)]
    test(monkeypatch)
