"""Every example program, and the root project's, goes through `pulumi up` and `pulumi destroy` for real.

Each program folder runs under the SDK's mocks with the config its README shows (the token and
the emulator's URLs added), and its registrations go through the SDK's provider server started in
that folder, as the CLI starts it: Check, Create, Delete against the emulator. So an example that
stops validating, stops creating, or drifts from the API's schema fails here, not in a reader's shell.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from endpoint_stack import (
    REPO_ROOT,
    SECRET_KEYS,
    TOKEN,
    TYPE,
    EmulatorApi,
    RecordingProviderServer,
    leaks,
    stack_config,
)

from pulumi_huggingface_emulator import EmulatorServer
from support import Deployment, StepOp, run_program

pytestmark = pytest.mark.contract

EXAMPLES = REPO_ROOT / "examples"
ROOT_PROJECT = yaml.safe_load((REPO_ROOT / "Pulumi.yaml").read_text())

# What each example's README tells its reader to `pulumi config set`, by project folder; the
# project's own keys are namespaced by its `name:` (what `pulumi.Config()` reads).
README_CONFIG: dict[str, dict[str, str]] = {
    "quickstart": {},
    "scale-to-zero-dev": {"idleMinutes": "60"},
    "paused-dev": {"endpointState": "paused"},
    "custom-image": {
        "image": "registry.example.com/acme/model-server:1.1",
        "registryUsername": "acme-bot",
        "registryPassword": "registry-pw-Kx81",
        "apiKey": "api-key-Vb27",
    },
    # Its settings sit in Pulumi.production.yaml; tests/cli/test_cli_pipeline.py runs its CI jobs.
    "pipeline": {"scaleToZeroTimeout": "15"},
    # The root project runs the quickstart with its own config namespace.
    ".": {"scaleToZeroTimeout": "30"},
}
README_SECRETS: dict[str, list[str]] = {"custom-image": ["registryPassword", "apiKey"]}


def program_folder(project: str) -> Path:
    """The folder whose `__main__.py` the CLI runs for a project: its own, or `main:` of Pulumi.yaml."""
    folder = REPO_ROOT if project == "." else EXAMPLES / project
    main = yaml.safe_load((folder / "Pulumi.yaml").read_text()).get("main")
    return (folder / main).resolve() if main else folder


def project_name(project: str) -> str:
    folder = REPO_ROOT if project == "." else EXAMPLES / project
    name: str = yaml.safe_load((folder / "Pulumi.yaml").read_text())["name"]
    return name


def test_every_example_and_the_root_project_are_covered() -> None:
    """A new example folder must be added here (with its README's config) to count as tested."""
    folders = sorted(path.name for path in EXAMPLES.iterdir() if (path / "Pulumi.yaml").is_file())

    assert sorted([*folders, "."]) == sorted(README_CONFIG)
    assert program_folder(".") == (REPO_ROOT / ROOT_PROJECT["main"]).resolve()


@pytest.mark.parametrize("project", sorted(README_CONFIG), ids=lambda p: "root" if p == "." else p)
def test_the_program_creates_its_endpoints_and_destroys_them(emulator: EmulatorServer, project: str) -> None:
    """run_program with config, then Check, Create and Delete through the SDK's provider server."""
    name = project_name(project)
    config = {**stack_config(emulator), **{f"{name}:{k}": v for k, v in README_CONFIG[project].items()}}
    secret_keys = [*SECRET_KEYS, *(f"{name}:{k}" for k in README_SECRETS.get(project, []))]
    folder = program_folder(project)
    secret_values = {key: config[key] for key in secret_keys if key != "huggingface:token"}
    api = EmulatorApi(emulator)
    server = RecordingProviderServer(folder, project=name, stack="dev")
    try:
        server.start()
        server.configure(config, secret_keys=secret_keys)
        resources = run_program(
            folder, config=config, secret_config_keys=secret_keys, project=name, stack="dev"
        )
        endpoints = [resource for resource in resources if resource.type == TYPE]
        assert endpoints, f"{project} declares no InferenceEndpoint"
        deployment = Deployment(server)

        plan = deployment.up(resources)

        assert set(plan.ops().values()) == {StepOp.CREATE}
        created = {state.id: state for state in deployment.state.values()}
        for id_, state in created.items():
            live = api.get(id_)
            assert live is not None, f"{id_} is not on the API after create"
            declared = state.outputs.get("desired_state") or "running"
            settled = {"running", "scaledToZero"} if declared == "running" else {declared}
            assert live["status"]["state"] in settled
            assert live["model"]["repository"] == state.outputs["repository"]
            assert state.outputs["url"] == live["status"]["url"]

        deployment.destroy()

        assert deployment.state == {}
        assert [id_ for id_ in created if api.get(id_) is not None] == []
        assert leaks(server, secret_values) == []
        assert TOKEN not in deployment.to_json()
    finally:
        server.close()
        api.close()


def test_the_root_project_reads_the_timeout_from_its_stack_config(emulator: EmulatorServer) -> None:
    """The walkthrough's change is the root project's config `scaleToZeroTimeout`; without it, 15."""
    name = project_name(".")
    folder = program_folder(".")
    base = stack_config(emulator)

    (default,) = run_program(folder, config=base, secret_config_keys=SECRET_KEYS, project=name)
    (changed,) = run_program(
        folder,
        config={**base, f"{name}:scaleToZeroTimeout": "30"},
        secret_config_keys=SECRET_KEYS,
        project=name,
    )

    assert default.plain_inputs()["scale_to_zero_timeout"] == 15
    assert changed.plain_inputs()["scale_to_zero_timeout"] == 30
