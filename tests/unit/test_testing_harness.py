"""What `pulumi_huggingface_testing.open_stack` gives the CLI: the developer's credentials kept out, a
local backend in the stack's folder, and a copy of the program pointed at this interpreter."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
import yaml

from pulumi_huggingface.settings import resolve_settings
from pulumi_huggingface_testing.stack import _environment, copy_program

ROOT = Path(__file__).resolve().parents[2]


def test_the_developer_s_token_and_hugging_face_settings_never_reach_the_provider(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "developer-home"
    (home / ".cache" / "huggingface").mkdir(parents=True)
    (home / ".cache" / "huggingface" / "token").write_text("hf_developerFileToken")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("HF_TOKEN", "hf_developerToken")
    monkeypatch.setenv("HF_ENDPOINTS_API_URL", "https://api.example.invalid/v2")
    monkeypatch.delenv("HF_HOME", raising=False)

    env = _environment(tmp_path / "stack", Path("/opt/pulumi/bin/pulumi"))
    # The CLI passes its whole environment, ours over the process's, on to the provider.
    seen_by_provider = {**os.environ, **env}
    settings = resolve_settings({}, seen_by_provider)

    assert settings.token is None
    assert settings.api_url != "https://api.example.invalid/v2"
    assert env["PULUMI_BACKEND_URL"] == f"file://{tmp_path / 'stack' / 'backend'}"
    assert Path(env["PULUMI_HOME"]).is_dir() and Path(env["HF_HOME"]).is_relative_to(tmp_path)
    assert env["PULUMI_CONFIG_PASSPHRASE"] and env["PULUMI_PYTHON_CMD"] == sys.executable
    assert env["PATH"].startswith("/opt/pulumi/bin")


def test_a_project_with_main_is_copied_as_its_program_folder(tmp_path: Path) -> None:
    copy = tmp_path / "program"

    copy_program(ROOT, copy)

    settings = yaml.safe_load((copy / "Pulumi.yaml").read_text())
    assert settings["name"] == "pulumi-huggingface" and "main" not in settings
    assert settings["runtime"]["options"] == {"virtualenv": sys.prefix}
    quickstart = {p.name for p in (ROOT / "examples" / "quickstart").iterdir() if p.name != "__pycache__"}
    assert {p.name for p in copy.iterdir()} == quickstart | {"Pulumi.yaml"}
