"""The deployment engine walks programs through Pulumi's step logic against the real provider server."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pytest
import toy_providers

from conftest import start_toy_server
from support import Deployment, DeploymentError, ProviderServer, StepOp, run_program

pytestmark = pytest.mark.contract

THING = "pulumi-python:dynamic/toy:Thing"
MUTATING = {"Create", "Update", "Delete"}


def secret(value: str) -> Callable[[], pulumi.Output[str]]:
    """An input made secret inside the program run (Outputs belong to the run's event loop)."""
    return lambda: pulumi.Output.secret(value)


def program(things: dict[str, dict[str, Any]], depends: dict[str, str] | None = None) -> Callable[[], None]:
    """A program declaring one ToyResource per entry; `depends` maps a name to the one it reads the id of."""

    def declare() -> None:
        made: dict[str, toy_providers.ToyResource] = {}
        for name, props in things.items():
            extra: dict[str, Any] = {}
            if depends and name in depends:
                extra["upstream"] = made[depends[name]].id
            values = {k: v() if callable(v) else v for k, v in props.items()}
            made[name] = toy_providers.ToyResource(name, {"name": name, **values, **extra})

    return declare


def goals(
    things: dict[str, dict[str, Any]], depends: dict[str, str] | None = None, **kwargs: Any
) -> list[Any]:
    return run_program(program(things, depends), **kwargs)


def urn(name: str) -> str:
    return f"urn:pulumi:stack::project::{THING}::{name}"


def methods(calls: list[tuple[str, str]]) -> set[str]:
    return {method for method, _ in calls}


def test_up_creates_then_a_second_up_keeps_everything(toy_server: ProviderServer, toy_store: Path) -> None:
    """First run: Check + Create each; rerun with the same program: Check + Diff, all unchanged."""
    deployment = Deployment(toy_server)
    first = deployment.up(goals({"k1": {"size": "S"}, "k2": {"size": "M"}}))
    assert first.ops() == {urn("k1"): StepOp.CREATE, urn("k2"): StepOp.CREATE}
    assert all((toy_store / f"{s.id}.json").exists() for s in deployment.state.values())

    again = deployment.up(goals({"k1": {"size": "S"}, "k2": {"size": "M"}}))

    assert again.ops() == {urn("k1"): StepOp.SAME, urn("k2"): StepOp.SAME}
    assert methods(again.calls) == {"Check", "Diff"}


def test_preview_calls_only_check_and_diff(toy_server: ProviderServer, toy_store: Path) -> None:
    """A preview of creates, an update, a replacement and a delete mutates nothing."""
    deployment = Deployment(toy_server)
    deployment.up(goals({"p1": {"size": "S", "region": "us"}, "p2": {}, "p3": {}}))
    files_before = sorted(p.name for p in toy_store.iterdir())
    state_before = deployment.to_json()

    plan = deployment.preview(
        goals({"p1": {"size": "M", "region": "eu"}, "p2": {"size": "L"}, "p4": {}}, preview=True)
    )

    assert plan.ops() == {
        urn("p1"): StepOp.REPLACE,
        urn("p2"): StepOp.UPDATE,
        urn("p4"): StepOp.CREATE,
        urn("p3"): StepOp.DELETE,
    }
    assert methods(plan.calls) == {"Check", "Diff"}
    assert not methods(plan.calls) & MUTATING
    assert sorted(p.name for p in toy_store.iterdir()) == files_before
    assert deployment.to_json() == state_before


def test_an_in_place_update_stores_the_new_outputs_and_renders_old_inputs_against_new(
    toy_server: ProviderServer,
) -> None:
    """changes without replaces -> Update; its outputs replace the stored ones."""
    deployment = Deployment(toy_server)
    deployment.up(goals({"u1": {"size": "S", "scale_to_zero_timeout": 15}}))

    plan = deployment.up(goals({"u1": {"size": "S", "scale_to_zero_timeout": 30}}))

    assert plan.ops() == {urn("u1"): StepOp.UPDATE}
    assert deployment.state[urn("u1")].outputs["generation"] == 2
    rendered = plan.render()
    assert f"    ~ {THING}: (update)\n" in rendered
    assert f"        [id={deployment.state[urn('u1')].id}]\n" in rendered
    assert "      ~ scale_to_zero_timeout: 15 => 30\n" in rendered
    assert "__provider" not in rendered
    assert "size" not in rendered
    assert rendered.endswith("Resources:\n    ~ 1 updated\n")


def test_a_replacement_creates_the_new_resource_before_deleting_the_old(
    toy_server: ProviderServer, toy_store: Path
) -> None:
    """changes with replaces -> Check again without the old inputs (so defaults such as autonames are
    chosen afresh), Create (new id) first, Delete of the old one last."""
    deployment = Deployment(toy_server)
    deployment.up(goals({"r1": {"region": "us"}}))
    old_id = deployment.state[urn("r1")].id

    plan = deployment.up(goals({"r1": {"region": "eu"}}))

    assert plan.ops() == {urn("r1"): StepOp.REPLACE}
    assert [m for m, _ in plan.calls] == ["Check", "Diff", "Check", "Create", "Delete"]
    new_id = deployment.state[urn("r1")].id
    assert new_id != old_id
    assert not (toy_store / f"{old_id}.json").exists()
    assert (toy_store / f"{new_id}.json").exists()
    rendered = plan.render()
    assert f"    +-{THING}: (replace)\n        [id={old_id}]\n" in rendered
    assert plan.step(urn("r1")).new_id == new_id
    assert "        [diff: ~region]\n" in rendered
    assert '      ~ region: "us" => "eu"\n' in rendered


def test_delete_before_replace_deletes_first_when_the_provider_asks(toy_server: ProviderServer) -> None:
    """DiffResponse.delete_before_replace reverses the order."""
    deployment = Deployment(toy_server)
    deployment.up(goals({"d1": {"region": "us", "delete_before_replace": True}}))

    plan = deployment.up(goals({"d1": {"region": "eu", "delete_before_replace": True}}))

    assert plan.step(urn("d1")).delete_before_replace
    assert [m for m, _ in plan.calls] == ["Check", "Diff", "Check", "Delete", "Create"]


def test_diff_unknown_is_an_in_place_update_never_a_replacement(toy_server: ProviderServer) -> None:
    """With DIFF_UNKNOWN the engine compares inputs itself and updates, even on a replace-only field."""
    deployment = Deployment(toy_server)
    deployment.up(goals({"x1": {"region": "us", "unknown_diff": True}}))

    unchanged = deployment.up(goals({"x1": {"region": "us", "unknown_diff": True}}))
    changed = deployment.up(goals({"x1": {"region": "eu", "unknown_diff": True}}))

    assert unchanged.ops() == {urn("x1"): StepOp.SAME}
    assert changed.ops() == {urn("x1"): StepOp.UPDATE}
    assert changed.step(urn("x1")).diff is not None and changed.step(urn("x1")).diff.changes is None


def test_removed_resources_are_deleted_dependents_first(toy_server: ProviderServer) -> None:
    """Dropping a resource and the one it depends on deletes the dependent before its dependency."""
    deployment = Deployment(toy_server)
    deployment.up(goals({"base": {}, "top": {}, "keep": {}}, depends={"top": "base"}))

    plan = deployment.up(goals({"keep": {}}))

    assert plan.ops()[urn("base")] is StepOp.DELETE
    assert [u for m, u in plan.calls if m == "Delete"] == [urn("top"), urn("base")]
    assert list(deployment.state) == [urn("keep")]
    assert f"    - {THING}: (delete)\n" in plan.render()


def test_check_failures_stop_the_resource_before_any_create(toy_server: ProviderServer) -> None:
    """A CheckFailure fails the deployment and nothing is created for that resource."""
    deployment = Deployment(toy_server)

    with pytest.raises(DeploymentError, match="name: already taken") as caught:
        deployment.up(goals({"bad": {"fail_check": "already taken"}}))

    assert ("Create", urn("bad")) not in caught.value.plan.calls
    assert deployment.state == {}


def test_a_failed_create_keeps_nothing_and_skips_dependents(toy_server: ProviderServer) -> None:
    """Create raising: no state for it, its dependents never run, independent resources still do."""
    deployment = Deployment(toy_server)

    with pytest.raises(DeploymentError, match="RuntimeError: region full") as caught:
        deployment.up(goals({"f1": {"fail_create": "region full"}, "f2": {}, "ok": {}}, depends={"f2": "f1"}))

    assert list(deployment.state) == [urn("ok")]
    assert ("Check", urn("f2")) not in caught.value.plan.calls


def test_refresh_drops_a_resource_whose_read_returns_an_empty_id(
    toy_server: ProviderServer, toy_store: Path
) -> None:
    """Read id "" means gone: the engine removes it from state; a live one stays."""
    deployment = Deployment(toy_server)
    deployment.up(goals({"gone": {}, "live": {}}))
    (toy_store / f"{deployment.state[urn('gone')].id}.json").unlink()

    results = deployment.refresh()

    assert results[urn("gone")].op is StepOp.DELETE
    assert results[urn("live")].op is StepOp.SAME
    assert list(deployment.state) == [urn("live")]
    assert deployment.up(goals({"gone": {}, "live": {}})).ops()[urn("gone")] is StepOp.CREATE


def test_refresh_picks_up_drift_in_outputs(toy_server: ProviderServer, toy_store: Path) -> None:
    """Outputs changed behind the provider's back are read into state."""
    deployment = Deployment(toy_server)
    deployment.up(goals({"drift": {"size": "S"}}))
    path = toy_store / f"{deployment.state[urn('drift')].id}.json"
    path.write_text(path.read_text().replace('"S"', '"XL"'))

    results = deployment.refresh()

    assert results[urn("drift")].op is StepOp.UPDATE
    assert deployment.state[urn("drift")].outputs["size"] == "XL"
    assert deployment.state[urn("drift")].inputs["size"] == "XL"


def test_destroy_deletes_everything_dependents_first(toy_server: ProviderServer) -> None:
    """destroy() deletes in reverse dependency order and empties state."""
    deployment = Deployment(toy_server)
    deployment.up(goals({"a": {}, "b": {}, "c": {}}, depends={"b": "a", "c": "b"}))

    plan = deployment.destroy()

    assert [u for m, u in plan.calls if m == "Delete"] == [urn("c"), urn("b"), urn("a")]
    assert deployment.state == {}


def test_state_survives_a_json_round_trip(toy_server: ProviderServer) -> None:
    """State serialised to JSON and loaded again drives the next run like the original."""
    deployment = Deployment(toy_server)
    deployment.up(goals({"j1": {"password": secret("pw")}}))

    restored = Deployment.from_json(toy_server, deployment.to_json())
    plan = restored.up(goals({"j1": {"password": secret("pw")}}))

    assert plan.ops() == {urn("j1"): StepOp.SAME}
    assert restored.state[urn("j1")].outputs["password"] == deployment.state[urn("j1")].outputs["password"]


def test_secrets_stay_secret_in_state_and_render_as_secret(toy_server: ProviderServer) -> None:
    """A secret input is stored with its marker and never printed."""
    deployment = Deployment(toy_server)
    deployment.up(goals({"s1": {"password": secret("pw-1")}}))
    assert deployment.state[urn("s1")].outputs["password"] != "pw-1"

    plan = deployment.preview(goals({"s1": {"password": secret("pw-2")}}, preview=True))

    rendered = plan.render()
    assert "      ~ password: [secret] => [secret]\n" in rendered
    assert "pw-" not in rendered


def test_a_preview_renders_creates_with_their_inputs_and_unknowns(toy_server: ProviderServer) -> None:
    """A first preview lists each input; one built from another resource's id shows as output<string>."""
    plan = Deployment(toy_server).preview(
        goals({"v1": {"size": "S"}, "v2": {}}, depends={"v2": "v1"}, preview=True)
    )

    rendered = plan.render()
    assert f"    + {THING}: (create)\n        [urn={urn('v1')}]\n" in rendered
    assert '        name: "v1"\n        size: "S"\n' in rendered
    assert "        upstream: output<string>\n" in rendered
    assert rendered.endswith("Resources:\n    + 2 to create\n")


def test_independent_resources_are_created_concurrently() -> None:
    """Sixteen independent slow resources are in flight together (the server's pool widened)."""

    def sixteen() -> None:
        for i in range(16):
            toy_providers.ToyResource(
                f"c{i}", {"name": f"c{i}", "sleep": 1.0}, toy_providers.WideSlowProvider()
            )

    with start_toy_server() as server:
        server.configure({})
        started = time.monotonic()
        plan = Deployment(server).up(run_program(sixteen))
        wall = time.monotonic() - started

    assert set(plan.ops().values()) == {StepOp.CREATE}
    assert wall < 2 * 1.0
