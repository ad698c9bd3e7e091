"""Read the commands of the CI files in examples/pipeline/, so the CLI tier runs those very lines.

The CLI tier runs what a pipeline runs, taken from the files users copy: a test that ran its own
copy of the commands would keep passing after the workflow broke. Each CI system's job becomes a
`Job`: where it runs, its environment as written, and its shell scripts in order. Steps that install
the CLI or the program's packages are set apart (`Job.installs`), because the tier runs against the
CLI and the virtualenv it already has; everything else runs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_SECRET = re.compile(r"secrets\.([A-Za-z_][A-Za-z0-9_]*)")
# GitHub Actions runs a `shell: bash` step as `bash --noprofile --norc -eo pipefail <file>`; GitLab
# runs a job's lines in one bash session that stops at the first failing line: the same semantics.
BASH = ("bash", "--noprofile", "--norc", "-eo", "pipefail")


@dataclass(frozen=True)
class Script:
    """One shell script of a job, as the CI system runs it.

    Attributes:
        name: Where it comes from (`<job>.<step id>` or `<job>.script`).
        text: The lines, exactly as written in the file.
        working_directory: Where it starts, relative to the repository's root.
    """

    name: str
    text: str
    working_directory: str


@dataclass(frozen=True)
class Job:
    """What one CI job runs.

    Attributes:
        name: The job's name in the file.
        condition: When it runs, as written (`if:` or the `rules` conditions).
        env: Its environment as written, workflow-level first; values may hold `${{ secrets.X }}`.
        scripts: The scripts the tier runs, in order.
        installs: The scripts (or lines) that install the CLI or packages, which the tier skips.
        shell: The command line the CI system runs a script with.
    """

    name: str
    condition: str
    env: Mapping[str, str]
    scripts: list[Script] = field(default_factory=list)
    installs: list[str] = field(default_factory=list)
    shell: tuple[str, ...] = BASH


def _is_install(line: str) -> bool:
    return "pip install" in line or "get.pulumi.com" in line


def github_job(path: Path, name: str) -> Job:
    """The `run:` steps of one GitHub Actions job; a step whose id is `install` is an install."""
    workflow = yaml.safe_load(path.read_text())
    job = workflow["jobs"][name]
    defaults = {**workflow.get("defaults", {}).get("run", {}), **job.get("defaults", {}).get("run", {})}
    if defaults.get("shell", "bash") != "bash":
        raise ValueError(f"{path.name}: job {name} runs its steps with {defaults['shell']}, not bash")
    env = {key: str(value) for key, value in {**workflow.get("env", {}), **job.get("env", {})}.items()}
    result = Job(name=name, condition=str(job.get("if", "")), env=env)
    for step in job["steps"]:
        if "run" not in step:
            continue
        if step.get("shell", "bash") != "bash" or "env" in step:
            raise ValueError(f"{path.name}: step {step.get('id')} of {name} needs a reader that knows more")
        if step.get("id") == "install":
            result.installs.append(step["run"].strip())
            continue
        directory = step.get("working-directory", defaults.get("working-directory", "."))
        result.scripts.append(Script(f"{name}.{step.get('id')}", step["run"], directory))
    return result


def gitlab_job(path: Path, name: str) -> Job:
    """A GitLab CI job's `before_script` and `script` lines (its own or `default:`'s), as one script.

    GitLab runs both lists in one shell session, so a `cd` in `before_script` holds for `script`.
    Lines that download the CLI or install packages are installs.
    """
    pipeline = yaml.safe_load(path.read_text())
    job = pipeline[name]
    default = pipeline.get("default", {})
    before = job.get("before_script", default.get("before_script", []))
    lines = [str(line) for line in [*before, *job["script"]]]
    env = {
        key: str(value)
        for key, value in {**pipeline.get("variables", {}), **job.get("variables", {})}.items()
    }
    conditions = " or ".join(str(rule.get("if", "")) for rule in job.get("rules", []))
    result = Job(name=name, condition=conditions, env=env)
    result.installs.extend(line for line in lines if _is_install(line))
    kept = [line for line in lines if not _is_install(line)]
    result.scripts.append(Script(f"{name}.script", "\n".join(kept) + "\n", "."))
    return result


def secret_names(env: Mapping[str, str]) -> set[str]:
    """The secrets a job's environment reads (`${{ secrets.X }}`)."""
    return {match for value in env.values() for match in _SECRET.findall(value)}


def resolve(env: Mapping[str, str], secrets: Mapping[str, str]) -> dict[str, str]:
    """The environment with each `${{ secrets.X }}` replaced by `secrets[X]`.

    Raises:
        ValueError: A value holds an expression other than a secret, or a secret not given.
    """

    def substitute(match: re.Match[str]) -> str:
        secret = _SECRET.fullmatch(match.group(1))
        if secret is None:
            raise ValueError(f"cannot evaluate ${{{{ {match.group(1)} }}}}")
        if secret.group(1) not in secrets:
            raise ValueError(f"no value for secret {secret.group(1)}")
        return secrets[secret.group(1)]

    return {key: _EXPRESSION.sub(substitute, value) for key, value in env.items()}


def load(path: Path) -> Any:
    """The parsed YAML file (for assertions on what the reader does not model)."""
    return yaml.safe_load(path.read_text())
