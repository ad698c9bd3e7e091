"""The README's testing example runs as written, against the quickstart, so it cannot rot."""

from __future__ import annotations

import re
from typing import Any

import pytest
from endpoint_stack import REPO_ROOT

pytestmark = pytest.mark.contract

SECTION = "## Testing your infrastructure code without an account"


def readme_example() -> str:
    text = (REPO_ROOT / "README.md").read_text()
    section = text[text.index(SECTION) :]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match, f"no python example under {SECTION!r}"
    return match.group(1)


def test_the_readme_testing_example_passes_against_the_quickstart() -> None:
    """The example's `PROGRAM` is the reader's folder; here, the quickstart, which reads the same config."""
    source = readme_example()
    assert 'PROGRAM = "infra/"' in source
    source = source.replace('PROGRAM = "infra/"', f'PROGRAM = "{REPO_ROOT / "examples" / "quickstart"}"')
    namespace: dict[str, Any] = {}
    exec(compile(source, "README.md", "exec"), namespace)

    tests = [value for name, value in namespace.items() if name.startswith("test_") and callable(value)]

    assert len(tests) == 1
    tests[0]()
