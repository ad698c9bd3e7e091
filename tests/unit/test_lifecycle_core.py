"""The lifecycle core on its own: create, converge and delete against the in-process emulator,
without the provider or Pulumi in between.

Each test calls a `pulumi_huggingface.lifecycle` function with a client of the emulator
(`httpx.WSGITransport`), whose clock moves only when the core sleeps, and then asserts what the
emulator holds: which endpoints exist, in which state, with which configuration and tags, and how
many requests of each kind reached it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from pulumi_huggingface import schema
from pulumi_huggingface.client import EndpointsClient
from pulumi_huggingface.errors import EndpointOperationError, HuggingFaceError
from pulumi_huggingface.lifecycle import catalogue, converge, declaration, ownership
from pulumi_huggingface.lifecycle.converge import EndpointCall
from pulumi_huggingface.lifecycle.create import EndpointsSeenInState, create
from pulumi_huggingface.waiting import Clock, Deadline
from pulumi_huggingface_emulator import EmulatorApp
from pulumi_huggingface_emulator.inprocess import EmulatorTransport

TOKEN = "hf_lifecycle_core_token"
USER = "emulator-user"
IDENTITY = "0123456789abcdef0123"
PUT = "PUT /v2/endpoint/{namespace}/{name}"
POST = "POST /v2/endpoint/{namespace}"

# Modules that must load where Pulumi cannot be imported.
CORE_MODULES = (
    "pulumi_huggingface.lifecycle.catalogue",
    "pulumi_huggingface.lifecycle.converge",
    "pulumi_huggingface.lifecycle.create",
    "pulumi_huggingface.lifecycle.declaration",
    "pulumi_huggingface.lifecycle.outputs",
    "pulumi_huggingface.lifecycle.ownership",
    "pulumi_huggingface.lifecycle.transitions",
    "pulumi_huggingface.connection",
    "pulumi_huggingface.retry_progress",
    "pulumi_huggingface.scrubbing",
)


def test_the_lifecycle_core_imports_where_pulumi_cannot_be_imported() -> None:
    code = (
        "import json, sys\n"
        "class Refuse:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'pulumi':\n"
        "            raise ImportError(f'{name} is blocked')\n"
        "sys.meta_path.insert(0, Refuse())\n"
        f"import {', '.join(CORE_MODULES)}\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    loaded = set(json.loads(result.stdout.splitlines()[-1]))

    assert set(CORE_MODULES) <= loaded
    assert not {module for module in loaded if module.split(".")[0] == "pulumi"}


class Core:
    """A client of the emulator and the pieces of an `EndpointCall`, with a clock the sleeps move."""

    def __init__(self, app: EmulatorApp) -> None:
        self.app = app
        self.now = 0.0
        self.lines: list[str] = []
        self.clock = Clock(now=lambda: self.now, sleep=self.sleep)
        self.client = EndpointsClient(
            token=TOKEN,
            api_url="http://emulator.test/v2",
            hub_url="http://emulator.test",
            transport=EmulatorTransport(app),
            clock=self.clock.now,
            sleep=self.clock.sleep,
        )
        self.seen = EndpointsSeenInState()

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.app.advance_clock(seconds)

    def call(self, name: str = "core-ep", seconds: float = 600.0) -> EndpointCall:
        return EndpointCall(
            self.client, USER, name, Deadline(seconds, self.clock), self.clock, self.lines.append
        )

    def create(
        self, props: dict[str, Any], *, name: str = "core-ep", seconds: float = 600.0
    ) -> dict[str, Any]:
        return create(
            self.call(name, seconds),
            props,
            seen_in_state=self.seen,
            delete_seconds=300.0,
            info=self.lines.append,
            warn=self.lines.append,
            scrub=lambda text: text,
        )

    def names(self) -> list[str]:
        return sorted(item["name"] for item in self.client.list_endpoints(USER))

    def live(self, name: str = "core-ep") -> dict[str, Any]:
        return self.client.get_endpoint(USER, name)

    def sent(self, route: str) -> int:
        counts: dict[str, int] = self.app.request_counts()["byRoute"]
        return counts.get(route, 0)


def inputs(**overrides: Any) -> dict[str, Any]:
    """Checked inputs of a small CPU endpoint named core-ep, with a fresh creation token."""
    props: dict[str, Any] = {
        "__resource_name": "core",
        "name": "core-ep",
        "namespace": USER,
        "repository": "openai-community/gpt2",
        "framework": "pytorch",
        "task": "text-generation",
        "accelerator": "cpu",
        "instance_type": "intel-icl",
        "instance_size": "x2",
        "vendor": "aws",
        "region": "us-east-1",
        "min_replica": 1,
        "max_replica": 1,
        "__resource_identity": IDENTITY,
        **overrides,
    }
    declaration.fill_in({}, props)
    return props


@pytest.fixture
def core() -> Iterator[Core]:
    app = EmulatorApp(token=TOKEN, user=USER, provision_seconds=30)
    yield Core(app)
    app.close()


class TestCreate:
    def test_a_create_leaves_one_running_endpoint_carrying_both_hidden_tags(self, core: Core) -> None:
        props = inputs(tags=["team-a"])

        settled = core.create(props)

        assert settled["status"]["state"] == "running"
        assert core.names() == ["core-ep"]
        assert core.sent(POST) == 1
        assert sorted(core.live()["tags"]) == sorted(["team-a", *ownership.hidden_tags(props)])

    def test_a_lost_answer_to_the_post_continues_with_the_endpoint_it_made(self, core: Core) -> None:
        core.app.add_fault("drop", method="POST", route="/v2/endpoint/{namespace}", after=True, times=1)

        settled = core.create(inputs())

        assert settled["status"]["state"] == "running"
        assert core.sent(POST) == 1
        assert core.names() == ["core-ep"]

    def test_a_failed_create_deletes_the_endpoint_its_own_post_made(self, core: Core) -> None:
        with pytest.raises(HuggingFaceError, match="was deleted so that nothing is left behind"):
            core.create(inputs(repository="acme/unloadable-model"))

        assert core.names() == []

    def test_a_failed_create_after_a_takeover_leaves_the_found_endpoint_in_place(self, core: Core) -> None:
        """An earlier run of this resource left it (its identity tag, another token): taken over,
        then the change the API refuses fails the create, and the endpoint stays as it was."""
        earlier_run = inputs()
        core.client.create_endpoint(USER, schema.create_payload(earlier_run))
        core.sleep(60)
        core.app.configure(type_update="refuse")

        with pytest.raises(HuggingFaceError) as caught:
            core.create(inputs(type="public"))

        message = str(caught.value)
        assert "it was taken over by this resource's identity tag" in message
        assert "was left in place: it is running" in message
        assert core.names() == ["core-ep"]
        live = core.live()
        assert live["status"]["state"] == "running"
        assert live["type"] == "authenticated"
        assert ownership.owner_tag(earlier_run["__creation_token"]) in live["tags"]
        assert core.sent("DELETE /v2/endpoint/{namespace}/{name}") == 0

    def test_someone_else_s_endpoint_is_refused_and_untouched(self, core: Core) -> None:
        foreign = schema.create_payload({**inputs(), "__creation_token": None, "__resource_identity": None})
        core.client.create_endpoint(USER, foreign)
        core.sleep(60)
        before = core.app.inspect(USER, "core-ep")

        with pytest.raises(EndpointOperationError, match=r"already exists.*adopt_existing=True"):
            core.create(inputs())

        after = core.app.inspect(USER, "core-ep")
        assert before is not None and after is not None and after["config"] == before["config"]
        assert core.sent(PUT) == 0

    def test_the_endpoint_a_replacement_replaces_is_refused_not_taken_over(self, core: Core) -> None:
        earlier = inputs()
        core.client.create_endpoint(USER, schema.create_payload(earlier))
        core.seen.remember(IDENTITY, f"{USER}/core-ep")

        with pytest.raises(EndpointOperationError, match=r"delete_before_replace=True"):
            core.create(inputs())

        assert ownership.owner_tag(earlier["__creation_token"]) in core.live()["tags"]
        assert core.sent(PUT) == 0


class TestConverge:
    def test_a_changed_scale_to_zero_timeout_is_one_put(self, core: Core) -> None:
        props = inputs(min_replica=0, scale_to_zero_timeout=15)
        core.create(props)
        puts = core.sent(PUT)
        news = {**props, "scale_to_zero_timeout": 30}
        payload = schema.update_payload(["scale_to_zero_timeout"], news, previous=props)

        settled = converge.apply(core.call(), target="running", min_replica=0, payload=payload, current=None)

        assert core.sent(PUT) == puts + 1
        assert settled["compute"]["scaling"]["scaleToZeroTimeout"] == 30
        assert core.live()["compute"]["scaling"]["scaleToZeroTimeout"] == 30

    def test_a_declared_pause_pauses_once_and_sends_no_put(self, core: Core) -> None:
        core.create(inputs())

        settled = converge.apply(core.call(), target="paused", min_replica=1, payload={}, current=None)

        assert settled["status"]["state"] == "paused"
        assert core.live()["status"]["state"] == "paused"
        assert core.sent("POST /v2/endpoint/{namespace}/{name}/pause") == 1
        assert core.sent(PUT) == 0

    def test_a_found_endpoint_differing_in_a_replace_only_input_is_refused_untouched(
        self, core: Core
    ) -> None:
        props = inputs()
        core.create(props)
        found = core.live()

        with pytest.raises(EndpointOperationError, match="region is 'us-east-1' there"):
            converge.converge_found(core.call(), {**props, "region": "eu-west-1"}, found, retag=True)

        assert core.sent(PUT) == 0
        assert core.live()["provider"]["region"] == "us-east-1"

    def test_delete_removes_the_endpoint_and_an_absent_one_is_success(self, core: Core) -> None:
        core.create(inputs())

        converge.delete(core.call())
        converge.delete(core.call())

        assert core.names() == []
        assert not converge.request_delete(core.call())


class TestCatalogue:
    def test_hardware_the_namespace_is_not_offered_is_refused_with_what_is_offered(self, core: Core) -> None:
        warnings: list[str] = []
        with pytest.raises(EndpointOperationError, match=r"region 'mars-1' is not offered by vendor 'aws'"):
            catalogue.check_hardware(core.client, USER, inputs(region="mars-1"), warnings.append)
        assert warnings == []
        assert core.sent(POST) == 0


class TestOwnershipTags:
    def test_the_hidden_tags_are_the_owner_tag_then_the_identity_tag(self) -> None:
        props = inputs()
        token = props["__creation_token"]

        assert ownership.hidden_tags(props) == [f"pulumi-hf:{token}", f"pulumi-hf-id:{IDENTITY}"]
        assert all(ownership.is_reserved_tag(tag) for tag in ownership.hidden_tags(props))
        assert not ownership.is_reserved_tag("team-a")

    @pytest.mark.parametrize(
        ("olds", "kept"),
        [
            ({"__creation_token": "ab" * 16}, "ab" * 16),
            ({"name": "x"}, None),
            ({"name": "x", "__creation_token": "not-a-token"}, None),
        ],
        ids=["kept", "none-for-a-resource-older-than-tokens", "malformed-dropped"],
    )
    def test_a_creation_token_is_kept_or_withheld_from_previous_inputs(
        self, olds: dict[str, Any], kept: str | None
    ) -> None:
        assert ownership.creation_token_for(olds) == kept

    def test_a_resource_about_to_be_created_gets_a_fresh_token_each_time(self) -> None:
        first, second = ownership.creation_token_for({}), ownership.creation_token_for({})
        assert first is not None and second is not None and first != second
