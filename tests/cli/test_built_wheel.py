"""The distributions as users get them: `python -m build`'s sdist and wheel of each of the three
projects (the runtime at the root, provider/emulator, provider/testing), installed into a fresh
virtualenv (not the editable checkout) and running a Pulumi program there.

The runtime wheel is installed alone first: it brings `pulumi` and `httpx` and none of the
emulator, the harness, werkzeug or pytest. Then the `testing` extra is installed from the other two
wheels, and the quickstart, copied out of the repository, is walked by that wheel's
`pulumi-huggingface-walkthrough` under the real Pulumi CLI (linked into the fresh virtualenv's
`bin/`, as `.ci/setup` links it into the checkout's): created, an in-place change previewed and
applied with one PUT, refreshed, destroyed, with the program and the provider running on the fresh
virtualenv's interpreter against the emulator's wheel.
"""

from __future__ import annotations

import email
import re
import shutil
import tarfile
import time
import zipfile
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

import pytest
from cli_stack import find_pulumi

import pulumi_huggingface
from wheels import REPO_ROOT, build, export_tree, install, make_venv, run_in

pytestmark = pytest.mark.cli

VERSION = pulumi_huggingface.__version__
# Distribution name, its folder in the repository, its import package.
PROJECTS = {
    "pulumi-huggingface": (".", "pulumi_huggingface"),
    "pulumi-huggingface-emulator": ("provider/emulator", "pulumi_huggingface_emulator"),
    "pulumi-huggingface-testing": ("provider/testing", "pulumi_huggingface_testing"),
}


@dataclass(frozen=True)
class Built:
    """One project's sdist and wheel, and what the wheel holds."""

    sdist: Path
    wheel: Path
    names: list[str]
    meta: Message
    entry_points: str

    @property
    def python_lines(self) -> int:
        with zipfile.ZipFile(self.wheel) as archive:
            return sum(archive.read(name).decode().count("\n") for name in self.names if name.endswith(".py"))

    def requires(self, extra: str | None = None) -> list[str]:
        """The names of the requirements, of the base install or of one extra."""
        marker = f'extra == "{extra}"'
        return sorted(
            re.split(r"[<>=;\[ ]", r, maxsplit=1)[0]
            for r in self.meta.get_all("Requires-Dist", [])
            if (marker in r if extra else "extra ==" not in r)
        )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Built]:
    """The sdist and the wheel of each project of the working tree, built as a release is built."""
    source = export_tree(tmp_path_factory.mktemp("source"))
    result: dict[str, Built] = {}
    for name, (folder, package) in PROJECTS.items():
        started = time.monotonic()
        artefacts = build(source / folder, tmp_path_factory.mktemp(package))
        (sdist,) = [p for p in artefacts if p.name.endswith(".tar.gz")]
        (wheel,) = [p for p in artefacts if p.suffix == ".whl"]
        dist_info = f"{package}-{VERSION}.dist-info"
        with zipfile.ZipFile(wheel) as archive:
            names = archive.namelist()
            meta = email.message_from_bytes(archive.read(f"{dist_info}/METADATA"))
            entry_points = (
                archive.read(f"{dist_info}/entry_points.txt").decode()
                if f"{dist_info}/entry_points.txt" in names
                else ""
            )
        result[name] = Built(sdist, wheel, names, meta, entry_points)
        print(
            f"{name}: built in {time.monotonic() - started:.1f}s; {wheel.name}, "
            f"{wheel.stat().st_size / 1000:.0f} kB, {result[name].python_lines} lines of Python"
        )
    return result


@pytest.mark.parametrize("name", PROJECTS)
def test_each_wheel_holds_its_package_and_the_licence_and_no_tests(
    name: str, built: dict[str, Built]
) -> None:
    package = PROJECTS[name][1]
    wheel = built[name]
    dist_info = f"{package}-{VERSION}.dist-info"

    assert wheel.wheel.name == f"{package}-{VERSION}-py3-none-any.whl"
    assert {n.split("/")[0] for n in wheel.names} == {package, dist_info}
    assert not [n for n in wheel.names if "/tests/" in f"/{n}" or n.split("/")[-1].startswith("test_")]
    assert f"{dist_info}/licenses/LICENSE" in wheel.names
    assert "Apache License" in zipfile.ZipFile(wheel.wheel).read(f"{dist_info}/licenses/LICENSE").decode()
    assert (wheel.meta["Name"], wheel.meta["Version"], wheel.meta["License-Expression"]) == (
        name,
        VERSION,
        "Apache-2.0",
    )


def test_the_runtime_wheel_holds_only_what_the_provider_runs(built: dict[str, Built]) -> None:
    """No emulator, no harness, no walkthrough, no script; it requires pulumi and httpx only."""
    runtime = built["pulumi-huggingface"]
    modules = {n.removeprefix("pulumi_huggingface/") for n in runtime.names if n.endswith(".py")}

    assert {"provider.py", "resource.py", "client.py", "__main__.py", "_server.py"} <= modules
    assert not [m for m in modules if m.startswith(("emulator/", "testing/")) or m == "walkthrough.py"]
    assert not [n for n in runtime.names if "emulator" in n or "testing" in n or "walkthrough" in n]
    assert runtime.requires() == ["httpx", "pulumi"]
    assert runtime.requires("emulator") == ["pulumi-huggingface-emulator"]
    assert runtime.requires("testing") == ["pulumi-huggingface-testing"]
    assert runtime.entry_points == ""


def test_the_emulator_and_the_harness_wheels_carry_their_entry_points(built: dict[str, Built]) -> None:
    emulator, testing = built["pulumi-huggingface-emulator"], built["pulumi-huggingface-testing"]

    assert "pulumi_huggingface_emulator/app.py" in emulator.names
    assert emulator.requires() == ["httpx", "werkzeug"]
    assert "pulumi-huggingface-emulator = pulumi_huggingface_emulator.__main__:main" in emulator.entry_points
    assert {"pulumi_huggingface_testing/stack.py", "pulumi_huggingface_testing/walkthrough.py"} <= set(
        testing.names
    )
    assert testing.requires() == ["pulumi-huggingface", "pulumi-huggingface-emulator", "pytest"]
    assert (
        "pulumi-huggingface-walkthrough = pulumi_huggingface_testing.walkthrough:main" in testing.entry_points
    )
    assert re.search(r"\[pytest11\]\npulumi_huggingface_testing.fixtures = ", testing.entry_points)


def test_the_sdists_hold_the_sources_their_wheels_are_built_from(built: dict[str, Built]) -> None:
    """Each project's pyproject, README, LICENSE and package; tests stay in the repository."""
    for name, (_, package) in PROJECTS.items():
        with tarfile.open(built[name].sdist) as archive:
            names = {n.split("/", 1)[1] for n in archive.getnames() if "/" in n}
        where = "provider/" if name == "pulumi-huggingface" else ""
        assert {"pyproject.toml", "README.md", "LICENSE", f"{where}{package}/__init__.py"} <= names, name
        assert not [n for n in names if n.startswith("tests/")], name
    with tarfile.open(built["pulumi-huggingface"].sdist) as archive:
        runtime_sources = archive.getnames()
    assert not [n for n in runtime_sources if "/provider/emulator/" in n or "/provider/testing/" in n]


@dataclass(frozen=True)
class FreshVenv:
    """A fresh virtualenv made with the runtime wheel alone, and what it held then."""

    python: Path
    installed: set[str]
    importable: str


@pytest.fixture(scope="module")
def fresh_venv(built: dict[str, Built], tmp_path_factory: pytest.TempPathFactory) -> FreshVenv:
    """A fresh virtualenv with the runtime wheel alone (`pip install pulumi-huggingface`)."""
    started = time.monotonic()
    python = make_venv(tmp_path_factory.mktemp("venv") / "venv", str(built["pulumi-huggingface"].wheel))
    print(f"fresh virtualenv with the runtime wheel: {time.monotonic() - started:.1f}s")
    listed = run_in(python, "-m", "pip", "list", "--format=freeze", cwd=python.parent)
    probe = run_in(
        python,
        "-c",
        "import importlib.util as u; import pulumi_huggingface.provider; "
        "print([m for m in ('pulumi_huggingface_emulator', 'pulumi_huggingface_testing', "
        "'pulumi_huggingface.emulator', 'pulumi_huggingface.testing', 'werkzeug', 'pytest') "
        "if u.find_spec(m)])",
        cwd=python.parent,
    )
    assert probe.returncode == 0, probe.stderr
    installed = {line.split("==")[0].lower() for line in listed.stdout.split()}
    return FreshVenv(python, installed, probe.stdout.strip())


def test_installing_the_runtime_brings_neither_werkzeug_nor_pytest_nor_test_code(
    fresh_venv: FreshVenv,
) -> None:
    assert {"pulumi", "httpx", "pulumi-huggingface"} <= fresh_venv.installed
    assert not fresh_venv.installed & {
        "werkzeug",
        "pytest",
        "pulumi-huggingface-emulator",
        "pulumi-huggingface-testing",
    }
    assert fresh_venv.importable == "[]"


def test_the_built_wheels_run_a_program_in_a_fresh_virtualenv(
    built: dict[str, Built], fresh_venv: FreshVenv, tmp_path: Path
) -> None:
    """With the testing extra from the wheels, the walkthrough creates, updates in place and destroys."""
    python = fresh_venv.python
    started = time.monotonic()
    wheels = [
        str(built[name].wheel) for name in ("pulumi-huggingface-emulator", "pulumi-huggingface-testing")
    ]
    install(python, f"{built['pulumi-huggingface'].wheel}[testing]", *wheels)
    print(f"the testing extra from the wheels: {time.monotonic() - started:.1f}s")
    # The CLI and its Python pieces beside the interpreter, where .ci/setup puts them for .venv.
    cli = find_pulumi()
    for tool in (
        "pulumi",
        "pulumi-language-python",
        "pulumi-language-python-exec",
        "pulumi-resource-pulumi-python",
    ):
        (python.parent / tool).unlink(missing_ok=True)
        (python.parent / tool).symlink_to(cli.parent / tool)
    project = tmp_path / "project"
    shutil.copytree(REPO_ROOT / "examples" / "quickstart", project)

    where = run_in(
        python,
        "-c",
        "import pulumi_huggingface as p, pulumi_huggingface_testing as t; "
        "print(p.__file__, t.__file__, p.__version__)",
        cwd=project,
    )
    *locations, version = where.stdout.split()
    assert all(Path(location).is_relative_to(python.parents[1]) for location in locations), where.stdout
    assert version == VERSION

    walkthrough = python.parent / "pulumi-huggingface-walkthrough"
    walk = run_in(python, str(walkthrough), "--project-dir", str(project), cwd=project, timeout=600)

    assert walk.returncode == 0, walk.stdout + walk.stderr
    printed = walk.stdout
    assert re.search(r"\+\s+pulumi-python:dynamic/huggingface:InferenceEndpoint quickstart created", printed)
    assert re.search(r"~\s*scale_to_zero_timeout\s*:\s*15 => 30", printed), printed
    assert "Requests to the API: 1 PUT, 0 POST, 0 DELETE" in printed
    assert re.search(r"- 2 deleted", printed), printed
    assert str(REPO_ROOT / "provider") not in printed + walk.stderr
