"""The CI files of examples/pipeline/ run their own commands against the emulator with the real CLI.

A pipeline previews a pull request and applies the merge. Each test plays that story for one CI
system: the stack is created once as the example's README says, the deploy job creates the
endpoint, a change of `scaleToZeroTimeout` in the committed stack file is previewed by the
pull-request job (an in-place `~ update`, nothing sent to the API), and the deploy job applies it
with one PUT. The jobs' scripts are read from the files (`pipeline_steps`), and their environment
comes from the files with the secrets filled in, so a broken workflow fails here. The only thing
the tier adds is the emulator's address (`HF_ENDPOINTS_API_URL`, `HF_ENDPOINT`), standing in for
the real service, and a short poll interval.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from cli_stack import (
    DELETE,
    PASSPHRASE,
    POLL_INTERVAL,
    POST,
    PUT,
    REPO_ROOT,
    TOKEN,
    CliError,
    cli_environment,
    copy_program,
    counts,
)
from pipeline_steps import Job, github_job, gitlab_job, resolve, secret_names

from pulumi_huggingface_emulator import EmulatorServer

PIPELINE = REPO_ROOT / "examples" / "pipeline"
GITHUB = PIPELINE / "github-actions.yml"
GITLAB = PIPELINE / "gitlab-ci.yml"
STACK_FILE = "Pulumi.production.yaml"
SECRETS = ("HF_TOKEN", "PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE")
ENDPOINT_TYPE = "pulumi-python:dynamic/huggingface:InferenceEndpoint"

Jobs = Callable[[], tuple[Job, Job]]
"""The pull-request job and the deploy job of one CI file."""


def github_jobs() -> tuple[Job, Job]:
    return github_job(GITHUB, "preview"), github_job(GITHUB, "deploy")


def gitlab_jobs() -> tuple[Job, Job]:
    return gitlab_job(GITLAB, "preview"), gitlab_job(GITLAB, "deploy")


CI_SYSTEMS = pytest.mark.parametrize("jobs", [github_jobs, gitlab_jobs], ids=["github-actions", "gitlab-ci"])


@CI_SYSTEMS
def test_jobs_preview_pull_requests_and_apply_main_with_the_token_from_a_secret(jobs: Jobs) -> None:
    preview, deploy = jobs()
    assert "pull_request" in preview.condition or "merge_request_event" in preview.condition
    assert "refs/heads/main" in deploy.condition or "CI_DEFAULT_BRANCH" in deploy.condition
    assert [line for script in preview.scripts for line in script.text.splitlines() if "pulumi " in line][
        -1
    ].strip() == "pulumi preview --diff --non-interactive"
    assert [line for script in deploy.scripts for line in script.text.splitlines() if "pulumi " in line][
        -1
    ].strip() == "pulumi up --yes --non-interactive --diff"
    for job in (preview, deploy):
        # Only the installs are skipped, and nothing but installs is.
        assert job.installs and all("install" in line or "get.pulumi.com" in line for line in job.installs)
        assert "HF_TOKEN" not in "".join(script.text for script in job.scripts)
    # GitHub reads secrets into the environment explicitly; GitLab passes CI/CD variables as they are.
    if jobs is github_jobs:
        assert secret_names(preview.env) == secret_names(deploy.env) == set(SECRETS)
        assert {key: value for key, value in preview.env.items() if "secrets." in value} == {
            name: f"${{{{ secrets.{name} }}}}" for name in SECRETS
        }


def test_reader_fills_in_secrets_and_refuses_other_expressions() -> None:
    env = {"A": "${{ secrets.HF_TOKEN }}", "B": "plain", "C": "x-${{secrets.OTHER}}"}
    assert resolve(env, {"HF_TOKEN": "t", "OTHER": "o"}) == {"A": "t", "B": "plain", "C": "x-o"}
    with pytest.raises(ValueError, match="no value for secret OTHER"):
        resolve(env, {"HF_TOKEN": "t"})
    with pytest.raises(ValueError, match="cannot evaluate"):
        resolve({"A": "${{ github.ref }}"}, {})


def run_job(job: Job, repo: Path, env: Mapping[str, str], secrets: Mapping[str, str]) -> str:
    """Run a job's scripts as its CI system would, in `repo`; return what they printed."""
    # GitHub fills secrets into the env the file declares; GitLab's CI/CD variables are the env.
    job_env = (
        {**env, **secrets, **resolve(job.env, secrets)}
        if secret_names(job.env)
        else {
            **env,
            **secrets,
            **job.env,
        }
    )
    printed = []
    for script in job.scripts:
        completed = subprocess.run(
            [*job.shell, "-c", script.text],
            cwd=repo / script.working_directory,
            env=job_env,
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )
        output = completed.stdout + completed.stderr
        if completed.returncode != 0:
            raise CliError(f"{script.name} exited {completed.returncode}\n{script.text}\n{output}")
        printed.append(output)
    return "".join(printed)


def endpoint_timeouts(emulator: EmulatorServer) -> list[int]:
    """The `scaleToZeroTimeout` of every endpoint the emulator holds."""
    timeouts = []
    for endpoint_id in emulator.app.endpoint_ids():
        view = emulator.app.inspect(*endpoint_id.split("/"))
        assert view is not None
        timeouts.append(view["config"]["compute"]["scaling"]["scaleToZeroTimeout"])
    return timeouts


@CI_SYSTEMS
def test_timeout_change_is_reviewed_in_the_pull_request_preview_then_applied_on_main(
    jobs: Jobs, pulumi_cli: Path, emulator: EmulatorServer, tmp_path: Path
) -> None:
    preview_job, deploy_job = jobs()
    repo = tmp_path / "repo"
    program = copy_program(PIPELINE, repo / "examples" / "pipeline")
    shutil.copy(PIPELINE / STACK_FILE, program / STACK_FILE)
    backend = tmp_path / "backend"
    backend.mkdir()
    secrets = {
        "HF_TOKEN": TOKEN,
        "PULUMI_BACKEND_URL": f"file://{backend}",
        "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
    }
    base = cli_environment(pulumi_cli, tmp_path / "pulumi-home", backend)
    for key in ("PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE"):
        base.pop(key)
    base.update(
        HF_ENDPOINTS_API_URL=emulator.base_url,
        HF_ENDPOINT=emulator.hub_url,
        HF_ENDPOINTS_POLL_INTERVAL=POLL_INTERVAL,
    )
    # Once, as the example's README says: create the stack with the pipeline's backend and passphrase.
    subprocess.run(
        [str(pulumi_cli), "stack", "init", "production"],
        cwd=program,
        env={**base, **secrets},
        check=True,
        capture_output=True,
        timeout=60,
    )

    run_job(deploy_job, repo, base, secrets)
    assert endpoint_timeouts(emulator) == [15]
    before = counts(emulator)
    assert before.get(POST) == 1

    stack_file = program / STACK_FILE
    stack_file.write_text(
        stack_file.read_text().replace('scaleToZeroTimeout: "15"', 'scaleToZeroTimeout: "30"')
    )
    reviewed = run_job(preview_job, repo, base, secrets)
    assert f"~ {ENDPOINT_TYPE}: (update)" in reviewed, reviewed
    assert "~ scale_to_zero_timeout: 15 => 30" in reviewed, reviewed
    assert "replace" not in reviewed and "1 to update" in reviewed, reviewed
    assert counts(emulator) == before, "the preview sent requests to the API"

    applied = run_job(deploy_job, repo, base, secrets)
    assert "1 updated" in applied, applied
    after = counts(emulator)
    assert after.get(PUT, 0) - before.get(PUT, 0) == 1
    assert after.get(POST) == 1 and after.get(DELETE, 0) == 0
    assert endpoint_timeouts(emulator) == [30]

    settled = run_job(preview_job, repo, base, secrets)
    assert "2 unchanged" in settled and "to update" not in settled, settled
