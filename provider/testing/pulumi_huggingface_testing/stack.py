"""Stacks of Pulumi programs under the real Pulumi CLI and engine, against the emulator.

`open_stack` gives a stack of an inline program (a function) or of a program folder, with a local
file backend and a `PULUMI_HOME` in a temporary folder, a passphrase for secrets, no Pulumi account,
no update check or plugin download, and none of the developer's Hugging Face credentials or cache.
Its config points the provider at an emulator, with the token set as a secret. `up`, `preview`,
`refresh` and `destroy` run the CLI (through `pulumi.automation`) and return the engine's own
results: `UpResult.summary.resource_changes`, `PreviewResult.change_summary`.

The CLI is found beside the running interpreter (a virtualenv's `bin/pulumi`), else on PATH. Its
dynamic-provider plugin (`pulumi-resource-pulumi-python`) must be beside it or on PATH, and it runs
the provider with this interpreter, which must have this package installed.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Protocol

import yaml
from pulumi import automation as auto

__all__ = [
    "DEFAULT_POLL_INTERVAL",
    "EmulatedStack",
    "Emulator",
    "PulumiNotFoundError",
    "copy_program",
    "emulator_config",
    "find_pulumi",
    "open_stack",
]

# `huggingface:pollInterval` against the emulator: polling at huggingface_hub's 5 s would only add
# seconds of sleep to every create, update and delete.
DEFAULT_POLL_INTERVAL: Final = "0.2"
_PASSPHRASE: Final = "pulumi-huggingface-testing"
# Credentials, caches and settings of the developer's that must not reach the CLI or the provider:
# the CLI passes its whole environment on, and the provider reads these when the config is silent.
# Blank counts as unset for every one the provider reads.
_BLANKED: Final = (
    "HF_TOKEN",
    "HUGGING_FACE_HUB_TOKEN",
    "HF_ENDPOINT",
    "HF_ENDPOINTS_API_URL",
    "HF_ENDPOINTS_POLL_INTERVAL",
    "PULUMI_ACCESS_TOKEN",
    "PULUMI_CONFIG",
)


class Emulator(Protocol):
    """What a stack needs of an emulator: `pulumi_huggingface_emulator.EmulatorServer` has it."""

    @property
    def base_url(self) -> str: ...

    @property
    def hub_url(self) -> str: ...


class PulumiNotFoundError(RuntimeError):
    """No Pulumi CLI beside this interpreter nor on PATH."""


def find_pulumi() -> Path:
    """The `pulumi` beside this interpreter (a virtualenv's `bin/`), else the first on PATH.

    Raises:
        PulumiNotFoundError: Neither exists; the message says how to install the CLI.
    """
    beside = Path(sys.prefix) / "bin" / "pulumi"
    if beside.exists():
        return beside
    found = shutil.which("pulumi")
    if found is None:
        raise PulumiNotFoundError(
            "No Pulumi CLI beside this interpreter nor on PATH. Install it "
            "(https://www.pulumi.com/docs/install/) or, in this repository, run `bash .ci/setup`."
        )
    return Path(found)


def emulator_config(emulator: Emulator, *, poll_interval: str = DEFAULT_POLL_INTERVAL) -> dict[str, str]:
    """The stack config that points the provider at `emulator` (the token is set apart, as a secret)."""
    return {
        "huggingface:apiUrl": emulator.base_url,
        "huggingface:hubUrl": emulator.hub_url,
        "huggingface:pollInterval": poll_interval,
    }


def _environment(workdir: Path, pulumi: Path) -> dict[str, str]:
    home, backend, hf_home = workdir / "pulumi-home", workdir / "backend", workdir / "hf-home"
    for folder in (home, backend, hf_home):
        folder.mkdir(parents=True, exist_ok=True)
    path = os.pathsep.join(dict.fromkeys([str(pulumi.parent), str(Path(sys.executable).parent)]))
    return {
        **dict.fromkeys(_BLANKED, ""),
        "HF_HOME": str(hf_home),
        "HF_TOKEN_PATH": str(hf_home / "token"),
        "PULUMI_HOME": str(home),
        "PULUMI_BACKEND_URL": f"file://{backend}",
        "PULUMI_CONFIG_PASSPHRASE": _PASSPHRASE,
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        # The dynamic provider's plugin runs this interpreter, which has the provider installed.
        "PULUMI_PYTHON_CMD": sys.executable,
        "PATH": os.pathsep.join([path, os.environ.get("PATH", "")]),
    }


def copy_program(source: Path, destination: Path) -> None:
    """Copy a program folder for the CLI; the copy's Pulumi.yaml names this interpreter's virtualenv.

    A project whose Pulumi.yaml has `main:` (a program in a subfolder) is copied as that subfolder
    with the project's settings beside it.
    """
    settings = yaml.safe_load((source / "Pulumi.yaml").read_text())
    if not isinstance(settings, dict) or not isinstance(settings.get("name"), str):
        raise ValueError(f"{source / 'Pulumi.yaml'} has no project name")
    main = settings.pop("main", None)
    code = (source / main).resolve() if isinstance(main, str) and main else source
    if not (code / "__main__.py").is_file():
        raise ValueError(f"{code} has no __main__.py (the program {source / 'Pulumi.yaml'} names)")
    ignored = shutil.ignore_patterns("__pycache__", "Pulumi.*.yaml", ".venv", ".git")
    shutil.copytree(code, destination, ignore=ignored)
    runtime = settings.get("runtime")
    if not isinstance(runtime, dict):
        runtime = {"name": runtime or "python"}
    options = runtime.setdefault("options", {})
    options["virtualenv"] = sys.prefix
    options.pop("toolchain", None)
    settings["runtime"] = runtime
    (destination / "Pulumi.yaml").write_text(yaml.safe_dump(settings, sort_keys=False))


class EmulatedStack:
    """One stack of one program under the real Pulumi CLI, with a backend of its own.

    Made by `open_stack`. The engine's results come back as `pulumi.automation` returns them.
    `close()` (or leaving the `with` block) destroys whatever the stack still holds, removes the
    stack and its temporary folder.
    """

    def __init__(self, stack: auto.Stack, workdir: Path, *, owns_workdir: bool) -> None:
        self.stack = stack
        self.workdir = workdir
        self._owns_workdir = owns_workdir
        self._closed = False

    @property
    def name(self) -> str:
        """The stack's name."""
        return self.stack.name

    def set_config(self, key: str, value: str, *, secret: bool = False) -> None:
        """`pulumi config set [--secret] key value`; a key without `namespace:` is the project's."""
        self.stack.set_config(key, auto.ConfigValue(value=value, secret=secret))

    def remove_config(self, key: str) -> None:
        """`pulumi config rm key`."""
        self.stack.remove_config(key)

    def up(self, **options: Any) -> auto.UpResult:
        """`pulumi up --yes`; keyword options are `pulumi.automation.Stack.up`'s."""
        return self.stack.up(**options)

    def preview(self, **options: Any) -> auto.PreviewResult:
        """`pulumi preview`; keyword options are `pulumi.automation.Stack.preview`'s (`diff=True`...)."""
        return self.stack.preview(**options)

    def refresh(self, **options: Any) -> auto.RefreshResult:
        """`pulumi refresh --yes`."""
        return self.stack.refresh(**options)

    def destroy(self, **options: Any) -> auto.DestroyResult:
        """`pulumi destroy --yes`."""
        return self.stack.destroy(**options)

    def outputs(self) -> dict[str, Any]:
        """The stack's outputs, secrets included in plain (`pulumi stack output --show-secrets`)."""
        return {key: output.value for key, output in self.stack.outputs().items()}

    def resources(self, type_: str | None = None) -> list[dict[str, Any]]:
        """The resources in the stack's state (`pulumi stack export`), optionally of one type."""
        deployment = self.stack.export_stack().deployment or {}
        resources: list[dict[str, Any]] = deployment.get("resources") or []
        return [r for r in resources if type_ is None or r.get("type") == type_]

    def close(self) -> None:
        """Destroy what the stack still holds, remove it and its temporary folder."""
        if self._closed:
            return
        self._closed = True
        try:
            if any(r.get("custom") for r in self.resources()):
                self.destroy()
            self.stack.workspace.remove_stack(self.stack.name)
        finally:
            if self._owns_workdir:
                shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> EmulatedStack:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def open_stack(
    program: Callable[[], None] | str | os.PathLike[str],
    emulator: Emulator | None,
    *,
    token: str = "hf_test",
    stack_name: str = "test",
    project: str | None = None,
    config: Mapping[str, str] | None = None,
    poll_interval: str = DEFAULT_POLL_INTERVAL,
    workdir: str | os.PathLike[str] | None = None,
) -> EmulatedStack:
    """Create a stack of `program` with a local file backend in a temporary folder.

    Args:
        program: An inline program (a function that declares resources, run in this process), or a
            program folder holding Pulumi.yaml (relative to the current directory), which is copied
            so that the CLI's files stay out of it and run by the CLI's Python language host.
        emulator: The emulator the provider talks to (its URLs and `poll_interval` go in the config),
            or None to leave the API settings to `config`.
        token: Set as the secret `huggingface:token`.
        stack_name: The stack's name.
        project: The project's name for an inline program (default `test`); a folder's comes from
            its Pulumi.yaml.
        config: More stack config; a key without `namespace:` is the project's.
        poll_interval: `huggingface:pollInterval` against the emulator, in seconds.
        workdir: The folder for the backend, `PULUMI_HOME` and the program's copy; by default a new
            temporary folder, removed by `close()`.

    Raises:
        PulumiNotFoundError: No Pulumi CLI.
    """
    pulumi = find_pulumi()
    owns_workdir = workdir is None
    root = Path(tempfile.mkdtemp(prefix="pulumi-hf-stack-")) if workdir is None else Path(workdir)
    env = _environment(root, pulumi)
    command = auto.PulumiCommand(root=str(pulumi.parent.parent))
    options: dict[str, Any] = {"env_vars": env, "pulumi_home": env["PULUMI_HOME"], "pulumi_command": command}
    if callable(program):
        name = project or "test"
        options["project_settings"] = auto.ProjectSettings(name=name, runtime="python")
        options["work_dir"] = str(root)
        stack = auto.create_stack(
            stack_name, project_name=name, program=program, opts=auto.LocalWorkspaceOptions(**options)
        )
    else:
        folder = root / "program"
        copy_program(Path(program).resolve(), folder)
        options["work_dir"] = str(folder)
        stack = auto.create_stack(
            stack_name, work_dir=str(folder), opts=auto.LocalWorkspaceOptions(**options)
        )
    settings = {
        **(emulator_config(emulator, poll_interval=poll_interval) if emulator else {}),
        **(config or {}),
    }
    configs = {key: auto.ConfigValue(value=value) for key, value in settings.items()}
    configs["huggingface:token"] = auto.ConfigValue(value=token, secret=True)
    stack.set_all_config(configs)
    return EmulatedStack(stack, root, owns_workdir=owns_workdir)
