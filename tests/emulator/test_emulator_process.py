"""The emulator as a process: persistence across restarts, the command line, concurrency, and
the wall between the emulator and the provider."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest
from emulator_helpers import AUTH, NAMESPACE, TOKEN, create_body

import pulumi_huggingface_emulator as emulator_package
from pulumi_huggingface_emulator import EmulatorServer


def test_endpoints_survive_a_restart_with_a_db(tmp_path: Path) -> None:
    """With db_path (`--db`), endpoints, their timestamps and deletions persist."""
    db = tmp_path / "emulator.db"
    with (
        EmulatorServer(db_path=db, provision_seconds=0.05) as first,
        httpx.Client(base_url=first.base_url, headers=AUTH) as http,
    ):
        created = http.post(f"/endpoint/{NAMESPACE}", json=create_body("kept")).json()
        http.post(f"/endpoint/{NAMESPACE}", json=create_body("dropped"))
        http.delete(f"/endpoint/{NAMESPACE}/dropped")
        http.put(f"/endpoint/{NAMESPACE}/kept", json={"tags": ["persisted"]})
    with (
        EmulatorServer(db_path=db, provision_seconds=0.05) as second,
        httpx.Client(base_url=second.base_url, headers=AUTH) as http,
    ):
        items = http.get(f"/endpoint/{NAMESPACE}").json()["items"]
        assert [i["name"] for i in items] == ["kept"]
        assert items[0]["tags"] == ["persisted"]
        assert items[0]["status"]["createdAt"] == created["status"]["createdAt"]
        second.app.advance_clock(1)
        status = http.get(f"/endpoint/{NAMESPACE}/kept").json()["status"]
        assert status["state"] == "running"
        assert status["url"].startswith(second.hub_url), "the url follows the host that serves it"


def test_without_a_db_nothing_survives(tmp_path: Path) -> None:
    """In memory by default."""
    with EmulatorServer() as first:
        httpx.post(f"{first.base_url}/endpoint/{NAMESPACE}", json=create_body("fleeting"), headers=AUTH)
    with EmulatorServer() as second:
        assert httpx.get(f"{second.base_url}/endpoint/{NAMESPACE}", headers=AUTH).json()["items"] == []


def test_command_line_starts_prints_its_url_and_serves(tmp_path: Path) -> None:
    """`python -m pulumi_huggingface_emulator` prints the base URL first, then serves until terminated."""
    command = [
        sys.executable,
        "-m",
        "pulumi_huggingface_emulator",
        "--port",
        "0",
        "--token",
        TOKEN,
        "--provision-seconds",
        "0.1",
        "--db",
        str(tmp_path / "cli.db"),
        "--user",
        "cli-user",
        "--create-status",
        "202",
    ]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            base_url = process.stdout.readline().strip()
            assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/v2")
            hub_url = base_url.removesuffix("/v2")
            me = httpx.get(f"{hub_url}/api/whoami-v2", headers=AUTH).json()
            assert me["name"] == "cli-user"
            created = httpx.post(f"{base_url}/endpoint/cli-user", json=create_body("from-cli"), headers=AUTH)
            assert created.status_code == 202
            wrong = httpx.get(f"{base_url}/endpoint/cli-user", headers={"Authorization": "Bearer other"})
            assert wrong.status_code == 401
        finally:
            process.terminate()
            remaining_output, errors = process.communicate(timeout=10)
    assert process.returncode == 0, errors
    assert remaining_output == ""


def test_command_line_rejects_bad_options() -> None:
    """An invalid option value exits with a message, before serving."""
    result = subprocess.run(
        [sys.executable, "-m", "pulumi_huggingface_emulator", "--provision-seconds", "9..1"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode != 0 and "provision_seconds" in result.stderr


def test_console_script_is_declared() -> None:
    """`pulumi-huggingface-emulator` points at this module's main()."""
    from importlib.metadata import entry_points

    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "pulumi-huggingface-emulator"]
    assert script.value == "pulumi_huggingface_emulator.__main__:main"
    from pulumi_huggingface_emulator.__main__ import main

    assert script.load() is main


def test_sixty_four_concurrent_clients(server: EmulatorServer) -> None:
    """64 clients at once, each creating, reading and listing, all get their answers."""
    failures: list[str] = []
    barrier = threading.Barrier(64)

    def client(index: int) -> None:
        try:
            with httpx.Client(base_url=server.base_url, headers=AUTH, timeout=20) as http:
                barrier.wait()
                name = f"c{index}"
                if http.post(f"/endpoint/{NAMESPACE}", json=create_body(name)).status_code != 200:
                    failures.append(f"create {name}")
                for _ in range(3):
                    if http.get(f"/endpoint/{NAMESPACE}/{name}").status_code != 200:
                        failures.append(f"get {name}")
                http.get(f"/endpoint/{NAMESPACE}")
        except Exception as error:  # collected and asserted on below
            failures.append(repr(error))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(64)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(httpx.get(f"{server.base_url}/endpoint/{NAMESPACE}", headers=AUTH).json()["items"]) == 64
    assert server.app.request_counts()["total"] == 64 * 5 + 1


def test_running_the_emulator_loads_neither_pulumi_nor_the_provider() -> None:
    """The wall: run the emulator in a fresh interpreter and look at what got imported.

    This checks what a user running the emulator loads: serving requests in process, on a socket
    and through its command line module; neither `pulumi` nor `pulumi_huggingface` may be among it.
    """
    script = """
import json, sys
import httpx
from pulumi_huggingface_emulator import EmulatorApp, EmulatorServer
from pulumi_huggingface_emulator.__main__ import main
with EmulatorServer() as server:
    httpx.get(server.base_url + "/provider")
app = EmulatorApp()
httpx.Client(transport=app.transport(), base_url="http://e").get("/v2/provider")
print(json.dumps(sorted(m for m in sys.modules if m.startswith("pulumi"))))
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    loaded = json.loads(result.stdout)
    outside = [m for m in loaded if m.split(".")[0] != "pulumi_huggingface_emulator"]
    assert outside == []
    assert "pulumi_huggingface_emulator.inprocess" in loaded, "the check ran the in-process path"


def test_emulator_sources_import_only_the_stdlib_werkzeug_httpx_and_themselves() -> None:
    """No module of the emulator imports from outside it, even under TYPE_CHECKING."""
    allowed = set(sys.stdlib_module_names) | {"werkzeug", "httpx", "_typeshed"}
    package_dir = Path(emulator_package.__file__).parent
    offenders = []
    for source in sorted(package_dir.glob("*.py")):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.ImportFrom):
                if node.level > 1 or (node.level == 0 and (node.module or "").split(".")[0] not in allowed):
                    offenders.append(f"{source.name}: from {'.' * node.level}{node.module}")
            elif isinstance(node, ast.Import):
                offenders += [
                    f"{source.name}: import {a.name}"
                    for a in node.names
                    if a.name.split(".")[0] not in allowed
                ]
    assert offenders == []


@pytest.mark.parametrize("port", [0])
def test_server_urls(port: int) -> None:
    """base_url is hub_url + /v2; stop() releases the port and is idempotent."""
    server = EmulatorServer(port=port)
    assert server.base_url == f"{server.hub_url}/v2" and server.port > 0
    assert server.control_url == f"{server.hub_url}/_emulator"
    server.stop()
    server.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(server.base_url + "/provider", timeout=2)
