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


# What `pip install pulumi-huggingface` does not install: the extras' dependencies and test tools.
EXTRAS_ONLY = ("werkzeug", "pytest", "_pytest")
# The other two distributions, which the `emulator` and `testing` extras name: the emulator, and the
# harness with the walkthrough.
OPTIONAL_MODULES = ("pulumi_huggingface_emulator", "pulumi_huggingface_testing")


def test_the_runtime_never_imports_the_emulator_the_harness_or_their_dependencies() -> None:
    # Everything the program and the plugin load, up to the first API call's client.
    loaded = modules_after(
        "import pulumi_huggingface, pulumi_huggingface.resource, pulumi_huggingface.provider, "
        "pulumi_huggingface.client, pulumi_huggingface.waiting, pulumi_huggingface.lifecycle.transitions, "
        "pulumi_huggingface.reference, pulumi_huggingface._server"
    )

    assert "pulumi_huggingface.client" in loaded
    assert sorted(m for m in loaded if m.startswith(OPTIONAL_MODULES) or m.split(".")[0] in EXTRAS_ONLY) == []


def test_the_provider_checks_and_diffs_where_werkzeug_and_pytest_cannot_be_imported() -> None:
    """A runtime install (`pip install pulumi-huggingface`) has neither; the provider does not need them."""
    code = (
        "import sys\n"
        "class Refuse:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('werkzeug', 'pytest', '_pytest'):\n"
        "            raise ImportError(f'{name} is not installed')\n"
        "sys.meta_path.insert(0, Refuse())\n"
        "from pulumi_huggingface.provider import InferenceEndpointProvider\n"
        "provider = InferenceEndpointProvider(environ={})\n"
        "news = dict(__resource_name='ep', name='ep', repository='openai-community/gpt2', "
        "framework='pytorch', task='text-generation', accelerator='cpu', vendor='aws', region='us-east-1', "
        "instance_type='intel-icl', instance_size='x2')\n"
        "checked = provider.check({}, news)\n"
        "assert checked.failures == [], checked.failures\n"
        "print(provider.diff('ns/ep', {}, checked.inputs).changes)"
    )
    loaded = modules_after(code)

    assert not {m for m in loaded if m.split(".")[0] in ("werkzeug", "pytest", "_pytest")}
    assert "pulumi_huggingface.provider" in loaded


def test_the_client_imports_nothing_from_polling() -> None:
    loaded = modules_after("import pulumi_huggingface.client")

    assert "pulumi_huggingface.client" in loaded
    assert not {"pulumi_huggingface.waiting", "pulumi_huggingface.lifecycle.transitions"} & loaded


def test_the_harness_s_pytest_plugin_loads_neither_the_emulator_nor_the_automation_api() -> None:
    """pytest loads `pulumi_huggingface_testing.fixtures` in every run where the harness is installed
    (its pytest11 entry point); the emulator and `pulumi.automation` wait for a test that uses a fixture."""
    loaded = modules_after("import pulumi_huggingface_testing.fixtures")

    assert "pulumi_huggingface_testing.fixtures" in loaded
    heavy = ("pulumi_huggingface_emulator", "pulumi_huggingface_testing.stack", "pulumi", "werkzeug")
    assert sorted(m for m in loaded if m.split(".")[0] in heavy or m in heavy) == []
