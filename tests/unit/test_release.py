"""What a release ships beside the code: one version everywhere, a changelog entry, the licence."""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import pulumi_huggingface
import pulumi_huggingface_emulator
import pulumi_huggingface_testing

ROOT = Path(__file__).resolve().parents[2]
# This repository's distributions (the runtime, the emulator, the harness), installed editable
# from its folders, so not pinned; they are released together, at one version.
DISTRIBUTIONS = ("pulumi-huggingface", "pulumi-huggingface-emulator", "pulumi-huggingface-testing")
# SemVer 2.0.0's core: MAJOR.MINOR.PATCH without leading zeros, an optional pre-release.
SEMVER = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?")


def _release_headings() -> list[str]:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    return re.findall(r"^## \[([^\]]+)\]", text, flags=re.MULTILINE)


def test_the_version_is_written_once_and_is_semver() -> None:
    """pyproject.toml reads `__version__`; the installed metadata agrees with it."""
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in pyproject
    assert 'version = { attr = "pulumi_huggingface.__version__" }' in pyproject
    assert not re.search(r"^version\s*=\s*\"", pyproject, flags=re.MULTILINE)
    assert SEMVER.fullmatch(pulumi_huggingface.__version__)
    assert metadata.version("pulumi-huggingface") == pulumi_huggingface.__version__


def test_the_three_distributions_share_the_version() -> None:
    """The emulator and the harness are released with the runtime; each reads its own `__version__`."""
    assert pulumi_huggingface_emulator.__version__ == pulumi_huggingface.__version__
    assert pulumi_huggingface_testing.__version__ == pulumi_huggingface.__version__
    assert {name: metadata.version(name) for name in DISTRIBUTIONS} == dict.fromkeys(
        DISTRIBUTIONS, pulumi_huggingface.__version__
    )


def test_the_changelog_has_an_unreleased_section_then_the_current_version() -> None:
    """Keep a Changelog: `Unreleased` on top, then the newest release, which is this version."""
    headings = _release_headings()
    assert headings[:2] == ["Unreleased", pulumi_huggingface.__version__]
    assert all(SEMVER.fullmatch(v) for v in headings[1:]), headings


def test_the_licence_is_the_apache_2_text_the_metadata_declares() -> None:
    """LICENSE holds the full Apache License 2.0, as `license = "Apache-2.0"` says."""
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text
    assert metadata.metadata("pulumi-huggingface")["License-Expression"] == "Apache-2.0"


def _pins() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (ROOT / ".ci" / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"{line!r} in .ci/constraints.txt is not pinned with =="
            pins[canonicalize_name(name)] = version
    return pins


def _test_extra_closure() -> set[str]:
    """The distributions `pip install -e '.[test]'` brings in here, from the installed metadata."""
    seen: set[str] = set()
    pending = [Requirement("pulumi-huggingface[test]")]
    while pending:
        requirement = pending.pop()
        extras = requirement.extras or {""}
        name = canonicalize_name(requirement.name)
        for extra in extras:
            key = f"{name}[{extra}]"
            if key in seen:
                continue
            seen.add(key)
            for text in metadata.requires(requirement.name) or ():
                child = Requirement(text)
                if child.marker is None or child.marker.evaluate({"extra": extra}):
                    pending.append(child)
    return {key.split("[")[0] for key in seen} - set(DISTRIBUTIONS)


def test_the_constraints_pin_every_package_the_test_extra_installs() -> None:
    """A package the test extra pulls in without a pin would float to its newest release in CI."""
    pins = _pins()
    assert {"ruff", "mypy", "pytest", "pulumi", "httpx"} <= pins.keys()
    assert sorted(_test_extra_closure() - pins.keys()) == []
