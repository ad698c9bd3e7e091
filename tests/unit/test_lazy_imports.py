"""What importing the package pulls in: `pulumi up` imports it in the program and again in the plugin,
and a preview never makes an API call, so the HTTP stack waits for the first one."""

from __future__ import annotations

import json
import subprocess
import sys


def modules_after(code: str) -> set[str]:
    """The modules loaded in a fresh interpreter after running `code`."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True).stdout
    return set(json.loads(out.splitlines()[-1]))


def test_importing_the_resource_and_the_provider_does_not_import_httpx() -> None:
    loaded = modules_after("import pulumi_huggingface.resource, pulumi_huggingface.provider")

    assert "pulumi_huggingface.provider" in loaded
    assert "httpx" not in loaded
    assert "pulumi_huggingface.client" not in loaded
