"""Build the package as a release is built and install it where nothing else is installed.

`export_tree` copies what a commit of the working tree would hold, `export_commit` what a past
commit or tag held; `build` runs PyPA's build frontend on such a copy (isolated, the wheel made
from the sdist, as a release is made), and `make_venv` installs the result into a fresh virtualenv
with the versions of `.ci/constraints.txt`, so pip's wheel cache serves it and a new release of a
dependency cannot change what is tested. The copies keep the checkout itself free of `build/` and
`*.egg-info`.

`install_release` puts a past release, built from its commit, into a virtualenv of its own: the
upgrade tests of the contract and CLI tiers share it through the session fixture
`previous_release` (tests/conftest.py).
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
CONSTRAINTS = REPO_ROOT / ".ci" / "constraints.txt"
# The release whose stacks the current code must take over unchanged: the newest tag before this
# code (see docs/compatibility.md). Moved by each release.
PREVIOUS_RELEASE = "05a747c"  # tagged v0.1.0; named by its commit, which every clone of main holds
PREVIOUS_VERSION = "0.1.0"
# Bounds for the slow steps: an isolated build fetches setuptools, an install fetches pulumi's
# dependencies when pip's cache lacks them. Generous, since the machine may be shared.
BUILD_SECONDS = 600
INSTALL_SECONDS = 900


def _run(args: list[str], *, cwd: Path | None = None, timeout: float) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PIP_CONSTRAINT", "VIRTUAL_ENV")}
    result = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


def export_tree(dest: Path) -> Path:
    """Copy the files git tracks or would track (not ignored) from the checkout into `dest`."""
    listed = _run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO_ROOT, timeout=60
    )
    for name in filter(None, listed.stdout.split("\0")):
        source = REPO_ROOT / name
        if source.is_file():
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())
    return dest


def export_commit(ref: str, dest: Path) -> Path:
    """Extract the tree of `ref` (a tag or commit of this repository) into `dest`."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", ref], cwd=REPO_ROOT, capture_output=True, timeout=60, check=False
    )
    assert archive.returncode == 0, archive.stderr.decode()
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        if hasattr(tarfile, "data_filter"):  # Python 3.10.12+: refuse links and paths out of dest
            tar.extractall(dest, filter="data")
        else:
            tar.extractall(dest)  # an archive of this repository's own commit
    return dest


def build(source: Path, outdir: Path, *, sdist: bool = True) -> list[Path]:
    """`python -m build` of `source` into `outdir`: sdist then wheel, or the wheel alone."""
    args = [sys.executable, "-m", "build", "--outdir", str(outdir)]
    _run([*args, *([] if sdist else ["--wheel"]), str(source)], timeout=BUILD_SECONDS)
    return sorted(outdir.iterdir())


def make_venv(path: Path, *requirements: str) -> Path:
    """A fresh virtualenv at `path` with `requirements` installed; returns its interpreter."""
    _run([sys.executable, "-m", "venv", str(path)], timeout=120)
    python = path / "bin" / "python"
    install(python, *requirements)
    return python


def install(python: Path, *requirements: str) -> None:
    """Install `requirements` with the interpreter `python`'s pip, at the versions of the constraints."""
    pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    _run([*pip, "-c", str(CONSTRAINTS), *requirements], timeout=INSTALL_SECONDS)


def run_in(python: Path, *args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run `python ARGS` in `cwd` without the checkout on its path; the result, whatever the status."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(
        [str(python), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def install_release(tag: str, workdir: Path) -> Path:
    """Build the wheel of the release tagged `tag` and install it into `workdir/venv`; its interpreter."""
    started = time.monotonic()
    (wheel,) = build(export_commit(tag, workdir / "source"), workdir / "dist", sdist=False)
    python = make_venv(workdir / "venv", str(wheel))
    print(f"{tag}: {wheel.name} built and installed in {time.monotonic() - started:.1f}s")
    return python
