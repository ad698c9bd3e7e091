"""The example programs run under the SDK's mocks and their endpoints pass check.

So the examples in the documentation cannot rot: each declares one valid endpoint with the
config its README shows, and the custom-image example keeps its credentials secret.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from provider_fakes import EmulatedApi, make_provider

from support import run_program

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
TYPE_TOKEN = "pulumi-python:dynamic/huggingface:InferenceEndpoint"

CONFIGS: dict[str, dict[str, str]] = {
    "quickstart": {},
    "scale-to-zero-dev": {"huggingface-scale-to-zero-dev:idleMinutes": "60"},
    "paused-dev": {"huggingface-paused-dev:endpointState": "paused"},
    "pipeline": {"huggingface-pipeline:scaleToZeroTimeout": "15"},
    "custom-image": {
        "huggingface-custom-image:registryPassword": "registry-pw-123",
        "huggingface-custom-image:apiKey": "api-key-456",
    },
}
SECRET_KEYS = {
    "custom-image": ["huggingface-custom-image:registryPassword", "huggingface-custom-image:apiKey"]
}


def test_every_example_folder_is_covered() -> None:
    assert sorted(path.name for path in EXAMPLES.iterdir() if path.is_dir()) == sorted(CONFIGS)


@pytest.mark.parametrize("example", sorted(CONFIGS))
def test_example_declares_one_valid_endpoint(example: str) -> None:
    folder = EXAMPLES / example
    assert (folder / "README.md").is_file() and (folder / "Pulumi.yaml").is_file()
    resources = run_program(folder, config=CONFIGS[example], secret_config_keys=SECRET_KEYS.get(example, []))
    [endpoint] = [resource for resource in resources if resource.type == TYPE_TOKEN]
    api = EmulatedApi()
    provider, _, _ = make_provider(api)
    inputs: dict[str, Any] = {**endpoint.plain_inputs(), "__resource_name": endpoint.name}
    result = provider.check({}, inputs)
    assert result.failures == [], [(f.property, f.reason) for f in result.failures]
    assert api.calls == []


def test_custom_image_keeps_credentials_and_secrets_secret() -> None:
    [endpoint] = run_program(
        EXAMPLES / "custom-image",
        config=CONFIGS["custom-image"],
        secret_config_keys=SECRET_KEYS["custom-image"],
    )
    assert {"container_registry_password", "secrets"} <= endpoint.secret_keys


def test_scale_to_zero_dev_reads_the_timeout_from_config() -> None:
    [endpoint] = run_program(EXAMPLES / "scale-to-zero-dev", config=CONFIGS["scale-to-zero-dev"])
    assert endpoint.plain_inputs()["scale_to_zero_timeout"] == 60
    assert endpoint.plain_inputs()["min_replica"] == 0


@pytest.mark.parametrize(
    ("configured", "expected"),
    [(None, "running"), ("paused", "paused"), ("scaledToZero", "scaledToZero")],
)
def test_paused_dev_reads_the_state_from_config(configured: str | None, expected: str) -> None:
    """`pulumi config set endpointState ...` is the switch a pipeline flips; each value passes check."""
    config = {} if configured is None else {"huggingface-paused-dev:endpointState": configured}
    [endpoint] = run_program(EXAMPLES / "paused-dev", config=config)
    assert endpoint.plain_inputs()["desired_state"] == expected
    provider, _, _ = make_provider(EmulatedApi())
    result = provider.check({}, {**endpoint.plain_inputs(), "__resource_name": endpoint.name})
    assert result.failures == []


def test_root_project_runs_the_quickstart() -> None:
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    assert project["name"] == "pulumi-huggingface"
    assert project["runtime"] == {"name": "python", "options": {"toolchain": "pip", "virtualenv": ".venv"}}
    assert project["main"] == "examples/quickstart/"


def test_a_program_folder_given_relative_to_the_current_directory_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(ROOT)

    (resource,) = run_program("examples/quickstart")

    assert resource.type == TYPE_TOKEN and resource.inputs["scale_to_zero_timeout"] == 15
    assert Path.cwd() == ROOT
