"""The package as users get it: `python -m build`'s sdist and wheel, the wheel installed into a
fresh virtualenv (not the editable checkout) and running a Pulumi program there.

The program is the quickstart, copied out of the repository and walked by the wheel's own
`pulumi-huggingface-walkthrough` under the real Pulumi CLI (linked into the fresh virtualenv's
`bin/`, as `.ci/setup` links it into the checkout's): created, an in-place change previewed and
applied with one PUT, refreshed, destroyed, with the program and the provider running on the fresh
virtualenv's interpreter against the wheel's own emulator.
"""

from __future__ import annotations

import email
import re
import shutil
import tarfile
import time
import zipfile
from pathlib import Path

import pytest
from cli_stack import find_pulumi

import pulumi_huggingface
from wheels import REPO_ROOT, build, export_tree, make_venv, run_in

pytestmark = pytest.mark.cli

VERSION = pulumi_huggingface.__version__
DIST_INFO = f"pulumi_huggingface-{VERSION}.dist-info"


@pytest.fixture(scope="module")
def artefacts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sdist and the wheel of the working tree, built as a release is built."""
    source = export_tree(tmp_path_factory.mktemp("source"))
    started = time.monotonic()
    built = build(source, tmp_path_factory.mktemp("dist"))
    print(f"python -m build: {time.monotonic() - started:.1f}s, {[p.name for p in built]}")
    by_kind = {
        "sdist": [p for p in built if p.name.endswith(".tar.gz")],
        "wheel": [p for p in built if p.suffix == ".whl"],
    }
    assert [len(v) for v in by_kind.values()] == [1, 1], built
    return {kind: paths[0] for kind, paths in by_kind.items()}


def test_the_wheel_holds_the_package_and_its_licence_and_no_tests(artefacts: dict[str, Path]) -> None:
    """Only `pulumi_huggingface/` (provider, emulator, harness) and the dist-info with LICENSE."""
    wheel = artefacts["wheel"]
    assert wheel.name == f"pulumi_huggingface-{VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        meta = email.message_from_bytes(archive.read(f"{DIST_INFO}/METADATA"))
        entry_points = archive.read(f"{DIST_INFO}/entry_points.txt").decode()
    print(f"wheel: {wheel.stat().st_size / 1024:.0f} KiB, {len(names)} files")

    assert {name.split("/")[0] for name in names} == {"pulumi_huggingface", DIST_INFO}
    assert not [name for name in names if "/tests/" in f"/{name}" or name.split("/")[-1].startswith("test_")]
    for module in (
        "provider.py",
        "resource.py",
        "emulator/app.py",
        "testing/stack.py",
        "walkthrough.py",
    ):
        assert f"pulumi_huggingface/{module}" in names
    assert f"{DIST_INFO}/licenses/LICENSE" in names
    assert (meta["Name"], meta["Version"], meta["License-Expression"]) == (
        "pulumi-huggingface",
        VERSION,
        "Apache-2.0",
    )
    runtime = sorted(
        r.split(">")[0].split("<")[0] for r in meta.get_all("Requires-Dist", []) if "extra ==" not in r
    )
    assert runtime == ["httpx", "pulumi"]
    assert "pulumi-huggingface-emulator = pulumi_huggingface.emulator.__main__:main" in entry_points
    assert "pulumi-huggingface-walkthrough = pulumi_huggingface.walkthrough:main" in entry_points


def test_the_sdist_holds_the_sources_the_wheel_is_built_from(artefacts: dict[str, Path]) -> None:
    """pyproject, README, LICENSE and the package under `provider/`; tests stay in the repository."""
    with tarfile.open(artefacts["sdist"]) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {"pyproject.toml", "README.md", "LICENSE", "provider/pulumi_huggingface/provider.py"} <= names
    assert not [name for name in names if name.startswith("tests/")]


def test_the_built_wheel_runs_a_program_in_a_fresh_virtualenv(
    artefacts: dict[str, Path], tmp_path: Path
) -> None:
    """Installed from the wheel, the package creates, updates in place and destroys the quickstart."""
    started = time.monotonic()
    python = make_venv(tmp_path / "venv", f"{artefacts['wheel']}[testing]")
    print(f"fresh virtualenv with the wheel: {time.monotonic() - started:.1f}s")
    # The CLI and its Python pieces beside the interpreter, where .ci/setup puts them for .venv.
    cli = find_pulumi()
    for tool in (
        "pulumi",
        "pulumi-language-python",
        "pulumi-language-python-exec",
        "pulumi-resource-pulumi-python",
    ):
        (python.parent / tool).symlink_to(cli.parent / tool)
    project = tmp_path / "project"
    shutil.copytree(REPO_ROOT / "examples" / "quickstart", project)

    where = run_in(
        python, "-c", "import pulumi_huggingface as p; print(p.__file__, p.__version__)", cwd=project
    )
    location, version = where.stdout.split()
    assert Path(location).is_relative_to(tmp_path / "venv"), where.stdout
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
