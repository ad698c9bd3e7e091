"""A create never loses track of an endpoint: ownership tags, lost answers, failures mid-create, conflicts.

The provider runs against the in-process emulator (`httpx.WSGITransport`); its sleeps move the
emulator's clock, so deadlines and provisioning pass without wall time. After every scenario the
test compares what the emulator holds with what the provider reported: an endpoint exists if and
only if a create returned it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from provider_fakes import (
    NAMESPACE,
    SMALL_CPU_ENDPOINT,
    EmulatedApi,
    EmulatedStack,
    base_inputs,
    make_provider,
    stack_config,
)
from pulumi.dynamic import Config, ConfigureRequest

from pulumi_huggingface.errors import (
    DeadlineExceededError,
    EndpointFailedError,
    HuggingFaceError,
    QuotaExceededError,
)
from pulumi_huggingface.provider import EndpointOperationError, InferenceEndpointProvider
from pulumi_huggingface.schema import create_payload
from pulumi_huggingface_emulator import EmulatorApp
from pulumi_huggingface_emulator.inprocess import EmulatorTransport

TOKEN = "hf_create_safety_token"
USER = "emulator-user"
CONFIG = stack_config(TOKEN)


@pytest.fixture
def app() -> Iterator[EmulatorApp]:
    app = EmulatorApp(token=TOKEN, user=USER, provision_seconds=30)
    yield app
    app.close()


class Harness(EmulatedStack):
    """A provider wired to the emulator, its progress lines, and a plain client for setting scenes."""

    def __init__(self, app: EmulatorApp) -> None:
        declared = {
            "__resource_name": "safe",
            "name": "safe-ep",
            **SMALL_CPU_ENDPOINT,
            "timeouts": {"create": "10m", "delete": "5m"},
        }
        super().__init__(app, token=TOKEN, declared=declared)

    def names(self) -> list[str]:
        return sorted(item["name"] for item in self.client.list_endpoints(USER))

    def posts(self) -> int:
        return self.sent("POST", "/v2/endpoint/{namespace}")


@pytest.fixture
def h(app: EmulatorApp) -> Harness:
    return Harness(app)


class TestOwnership:
    def test_the_owner_tag_is_written_to_the_endpoint_and_hidden_from_the_outputs(self, h: Harness) -> None:
        inputs = h.checked(tags=["team-a"])
        token = inputs["__creation_token"]
        assert re.fullmatch(r"[0-9a-f]{32}", token)

        created = h.provider.create(dict(inputs))

        assert h.client.get_endpoint(USER, "safe-ep")["tags"] == ["team-a", f"pulumi-hf:{token}"]
        assert created.outs is not None and created.outs["tags"] == ["team-a"]
        assert h.provider.diff(created.id, created.outs, inputs).changes is False
        refreshed = h.provider.read(created.id, created.outs)
        assert refreshed.outs is not None and refreshed.outs["tags"] == ["team-a"]
        assert refreshed.inputs is not None and refreshed.inputs["__creation_token"] == token

    def test_the_token_is_kept_across_checks_and_fresh_for_a_new_resource(self, h: Harness) -> None:
        first = h.checked()
        again = h.checked(first)
        other = h.checked()
        assert again["__creation_token"] == first["__creation_token"]
        assert other["__creation_token"] != first["__creation_token"]

    def test_a_token_in_the_program_inputs_is_never_trusted(self, h: Harness) -> None:
        """Only check chooses tokens: a program cannot claim someone else's endpoint by naming its tag."""
        planted = "0" * 32
        inputs = h.checked(__creation_token=planted)
        assert inputs["__creation_token"] != planted

    def test_changing_the_user_tags_keeps_the_owner_tag_on_the_endpoint(self, h: Harness) -> None:
        inputs = h.checked(tags=["a"])
        created = h.provider.create(dict(inputs))
        assert created.outs is not None
        news = h.checked(inputs, tags=["b"])

        updated = h.provider.update(created.id, created.outs, news)

        assert updated.outs is not None and updated.outs["tags"] == ["b"]
        live = h.client.get_endpoint(USER, "safe-ep")["tags"]
        assert live == ["b", f"pulumi-hf:{inputs['__creation_token']}"]

    def test_a_user_tag_with_the_reserved_prefix_fails_check(self, h: Harness) -> None:
        result = h.provider.check({}, {**base_inputs(), "tags": ["ok", "pulumi-hf:mine"]})
        assert [f.property for f in result.failures] == ["tags"]
        assert "reserves" in result.failures[0].reason


class TestRetriedCreate:
    def test_a_create_replayed_after_an_interruption_takes_over_its_own_endpoint(self, h: Harness) -> None:
        """The plugin died after its POST: the same inputs again find the endpoint by its tag."""
        inputs = h.checked()
        h.client.create_endpoint(USER, create_payload(inputs))  # what the interrupted attempt sent

        created = h.provider.create(dict(inputs))

        assert created.id == f"{USER}/safe-ep"
        assert created.outs is not None and created.outs["state"] == "running"
        assert h.names() == ["safe-ep"]
        assert h.posts() == 2  # the interrupted one, and ours answered 409

    def test_an_endpoint_of_the_same_name_without_our_tag_is_never_taken(self, h: Harness) -> None:
        """Someone else's endpoint: a clear error, and their endpoint is left exactly as it was."""
        foreign = create_payload({k: v for k, v in h.checked().items() if k != "__creation_token"})
        h.client.create_endpoint(USER, foreign)
        before = h.app.inspect(USER, "safe-ep")

        with pytest.raises(EndpointOperationError) as caught:
            h.provider.create(h.checked())

        message = str(caught.value)
        assert "already exists" in message and "not created by this Pulumi resource" in message
        assert "adopt_existing=True" in message
        after = h.app.inspect(USER, "safe-ep")
        assert before is not None and after is not None and after["config"] == before["config"]
        assert h.names() == ["safe-ep"]

    def test_an_endpoint_tagged_by_another_resource_is_named_as_such(self, h: Harness) -> None:
        """A leftover of an earlier run (or another stack): the message says so and how to proceed."""
        earlier = h.checked()
        h.client.create_endpoint(USER, create_payload(earlier))

        with pytest.raises(EndpointOperationError) as caught:
            h.provider.create(h.checked())

        message = str(caught.value)
        assert f"pulumi-hf:{earlier['__creation_token']}" in message
        assert "possibly this one in an earlier run" in message
        assert h.names() == ["safe-ep"]

    def test_adopt_existing_takes_over_a_foreign_endpoint(self, h: Harness) -> None:
        foreign = create_payload({k: v for k, v in h.checked().items() if k != "__creation_token"})
        h.client.create_endpoint(USER, foreign)

        created = h.provider.create(h.checked(adopt_existing=True))

        assert created.outs is not None and created.outs["state"] == "running"
        assert h.names() == ["safe-ep"]

    def test_a_create_answer_dropped_after_the_server_acted_continues_with_the_endpoint(
        self, h: Harness
    ) -> None:
        h.app.add_fault("drop", method="POST", route="/v2/endpoint/{namespace}", after=True, times=1)

        created = h.provider.create(h.checked())

        assert created.outs is not None and created.outs["state"] == "running"
        assert h.posts() == 1
        assert h.names() == ["safe-ep"]
        assert any("was lost, but the endpoint exists" in line for line in h.info)

    @pytest.mark.parametrize("after", [True, False], ids=["acted-on", "not-acted-on"])
    def test_a_create_answered_502_makes_exactly_one_endpoint(self, h: Harness, after: bool) -> None:
        """Whether or not the server acted before failing, one endpoint results, never two."""
        h.app.add_fault(
            "server_error", status=502, method="POST", route="/v2/endpoint/{namespace}", after=after, times=1
        )

        created = h.provider.create(h.checked())

        assert created.outs is not None and created.outs["state"] == "running"
        assert h.names() == ["safe-ep"]
        assert h.posts() == (1 if after else 2)

    def test_a_name_still_held_after_a_delete_is_retried_until_released(self, h: Harness) -> None:
        h.app.configure(name_release_seconds=12)
        inputs = h.checked()
        created = h.provider.create(dict(inputs))
        assert created.outs is not None
        h.provider.delete(created.id, created.outs)

        again = h.provider.create(h.checked())

        assert again.id == created.id
        assert h.names() == ["safe-ep"]
        assert any("still held by a deleted endpoint" in line for line in h.info)


class TestFailureMidCreate:
    def test_a_model_that_fails_to_load_is_deleted_and_its_message_raised(self, h: Harness) -> None:
        with pytest.raises(EndpointFailedError) as caught:
            h.provider.create(h.checked(repository="acme/unloadable-model"))
        message = str(caught.value)
        assert "could not be loaded" in message
        assert "was deleted so that nothing is left behind" in message
        assert h.names() == []

    def test_an_endpoint_stuck_initializing_is_deleted_when_the_deadline_passes(self, h: Harness) -> None:
        h.app.inject_endpoint_fault(USER, "safe-ep", on="create", outcome="stuck")
        with pytest.raises(DeadlineExceededError) as caught:
            h.provider.create(h.checked())
        assert "did not settle within" in str(caught.value)
        assert "was deleted so that nothing is left behind" in str(caught.value)
        assert h.names() == []

    def test_when_the_cleanup_cannot_delete_the_error_names_what_is_left(self, h: Harness) -> None:
        h.app.inject_endpoint_fault(
            USER, "safe-ep", on="create", outcome="fail", message="CUDA out of memory"
        )
        h.app.add_fault("server_error", status=503, method="DELETE")

        with pytest.raises(EndpointFailedError) as caught:
            h.provider.create(h.checked())

        message = str(caught.value)
        assert "CUDA out of memory" in message
        assert f"The endpoint {USER}/safe-ep was created but deleting it failed" in message
        assert f"hf endpoints delete safe-ep --namespace {USER}" in message
        assert h.names() == ["safe-ep"]  # exactly what the message reports


def _busy(api: EmulatedApi, name: str) -> None:
    """Start an update from outside the provider, with PUT and DELETE refused until it is over."""
    api.app.configure(while_updating="conflict")
    assert api.client.put(f"/v2/endpoint/{NAMESPACE}/{name}", json={"tags": ["ops"]}).status_code == 200
    assert api.state(name) == "updating"


class TestConflicts:
    """409s for quota and for a busy endpoint: the provider fails at once, or waits and carries on."""

    def test_a_quota_409_fails_at_once_saying_what_to_free(self) -> None:
        api = EmulatedApi()
        api.app.set_namespace(NAMESPACE, quotas={"intel-icl": 1})
        api.seed("other")  # holds the namespace's one intel-icl accelerator
        provider = make_provider(api)[0]
        result = provider.check({}, base_inputs(name="chat", min_replica=1, scale_to_zero_timeout=None))
        with pytest.raises(QuotaExceededError, match=r"Quota exceeded.*Nothing was created"):
            provider.create(result.inputs)
        assert len(api.calls_of("POST")) == 1
        assert api.app.endpoint_ids() == [f"{NAMESPACE}/other"]

    def test_an_update_refused_while_the_endpoint_is_busy_waits_and_converges(self) -> None:
        api = EmulatedApi()
        provider, info, _ = make_provider(api)
        created = provider.create(provider.check({}, base_inputs(name="chat")).inputs)
        assert created.outs is not None
        _busy(api, "chat")
        news = provider.check({}, base_inputs(name="chat", max_replica=2)).inputs

        updated = provider.update(created.id, created.outs, news)

        assert updated.outs is not None and updated.outs["max_replica"] == 2
        assert len(api.calls_of("PUT")) == 2
        assert any("is busy (Conflict: Endpoint is being updated" in line for line in info)
        assert api.stored("chat")["compute"]["scaling"]["maxReplica"] == 2
        assert api.state("chat") == "running"

    def test_a_delete_refused_while_the_endpoint_is_busy_waits_and_deletes(self) -> None:
        api = EmulatedApi()
        provider, _, _ = make_provider(api)
        created = provider.create(provider.check({}, base_inputs(name="chat")).inputs)
        assert created.outs is not None
        _busy(api, "chat")

        provider.delete(created.id, created.outs)

        assert len(api.calls_of("DELETE")) == 2
        assert api.app.endpoint_ids() == []

    def test_an_endpoint_busy_until_the_deadline_gets_an_error_that_says_what_to_do(self) -> None:
        api = EmulatedApi()
        provider, _, _ = make_provider(api)
        created = provider.create(provider.check({}, base_inputs(name="chat")).inputs)
        assert created.outs is not None
        api.app.inject_endpoint_fault(NAMESPACE, "chat", on="update", outcome="stuck")
        _busy(api, "chat")

        with pytest.raises(EndpointOperationError, match=r"kept refusing with 409.*timeouts\['delete'\]"):
            provider.delete(created.id, {**created.outs, "timeouts": {"delete": "2m"}})
        assert api.state("chat") == "updating"


IDENTITY = "0f1e2d3c4b5a6978"
OTHER_IDENTITY = "8796a5b4c3d2e1f0"


class RecordingTransport(httpx.BaseTransport):
    """The emulator's in-process transport, keeping every request's method and URL."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.requests: list[tuple[str, httpx.URL]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append((request.method, request.url))
        return self.inner.handle_request(request)


@pytest.fixture
def recorded(app: EmulatorApp, h: Harness) -> RecordingTransport:
    """Route the harness's provider through a recording transport."""
    transport = RecordingTransport(EmulatorTransport(app))
    h.provider = InferenceEndpointProvider(
        transport=transport,
        clock=h.clock,
        environ={},
        info=h.info.append,
        warn=h.info.append,
    )
    h.provider.configure(ConfigureRequest(Config(raw_config=CONFIG, project_name="p")))
    return transport


def interrupted_run(h: Harness, **overrides: Any) -> dict[str, Any]:
    """What an earlier `pulumi up` of the same resource left: its POST landed, its inputs never reached
    state (checked with a token of its own, and an autoname of its own if `name` is left out)."""
    inputs = h.checked(__resource_identity=IDENTITY, **overrides)
    h.client.create_endpoint(USER, create_payload(inputs))
    return inputs


def autonamed(h: Harness, olds: dict[str, Any] | None = None, **overrides: Any) -> dict[str, Any]:
    """Checked inputs of this resource without an explicit name."""
    return h.checked(olds, __resource_identity=IDENTITY, **{"name": None, **overrides})


class TestResourceIdentity:
    """The identity tag (`pulumi-hf-id:<identity>`) outlives the token of a run that never reached state."""

    def test_the_identity_tag_is_written_hidden_and_sent_again_with_changed_tags(self, h: Harness) -> None:
        inputs = h.checked(__resource_identity=IDENTITY, tags=["a"])
        hidden = [f"pulumi-hf:{inputs['__creation_token']}", f"pulumi-hf-id:{IDENTITY}"]

        created = h.provider.create(dict(inputs))

        assert created.outs is not None
        assert h.client.get_endpoint(USER, "safe-ep")["tags"] == ["a", *hidden]
        assert created.outs["tags"] == ["a"] and created.outs["__resource_identity"] == IDENTITY
        again = h.checked(inputs, __resource_identity=IDENTITY, tags=["a"])
        assert h.provider.diff(created.id, created.outs, again).changes is False
        refreshed = h.provider.read(created.id, created.outs)
        assert refreshed.outs is not None and refreshed.outs["tags"] == ["a"]
        assert refreshed.inputs is not None and refreshed.inputs["__resource_identity"] == IDENTITY

        updated = h.provider.update(
            created.id, created.outs, h.checked(inputs, __resource_identity=IDENTITY, tags=["b"])
        )

        assert updated.outs is not None and updated.outs["tags"] == ["b"]
        assert h.client.get_endpoint(USER, "safe-ep")["tags"] == ["b", *hidden]

    def test_a_changed_identity_alone_is_no_change(self, h: Harness) -> None:
        """Old stacks gain an identity when their program first runs with it: that is no diff."""
        inputs = h.checked()
        created = h.provider.create(dict(inputs))
        assert created.outs is not None and "__resource_identity" not in created.outs

        with_identity = h.checked(inputs, __resource_identity=IDENTITY)
        assert h.provider.diff(created.id, created.outs, with_identity).changes is False

    @pytest.mark.parametrize("tag", ["pulumi-hf-id:mine", f"pulumi-hf-id:{IDENTITY}"])
    def test_a_user_tag_with_the_identity_prefix_fails_check(self, h: Harness, tag: str) -> None:
        result = h.provider.check({}, {**base_inputs(), "tags": ["ok", tag]})
        assert [f.property for f in result.failures] == ["tags"]
        assert "'pulumi-hf-id:'" in result.failures[0].reason and "reserves" in result.failures[0].reason

    @pytest.mark.parametrize("planted", ["", "ABC", "0f1e2d3c", "not hex at all!", 42, None])
    def test_a_malformed_identity_is_dropped_by_check(self, h: Harness, planted: Any) -> None:
        inputs = h.checked(__resource_identity=planted)
        assert "__resource_identity" not in inputs
        assert h.checked(__resource_identity=IDENTITY)["__resource_identity"] == IDENTITY


class TestTakeover:
    """Explicit name, name taken by an endpoint an earlier run of this same resource left."""

    def test_an_endpoint_left_by_an_interrupted_run_of_this_resource_is_taken_over(self, h: Harness) -> None:
        earlier = interrupted_run(h, max_replica=3, tags=["old"])
        inputs = h.checked(__resource_identity=IDENTITY, max_replica=1, tags=["new"])
        assert inputs["__creation_token"] != earlier["__creation_token"]

        created = h.provider.create(dict(inputs))

        assert created.id == f"{USER}/safe-ep"
        assert created.outs is not None and created.outs["state"] == "running"
        assert created.outs["max_replica"] == 1 and created.outs["tags"] == ["new"]
        live = h.client.get_endpoint(USER, "safe-ep")
        assert live["compute"]["scaling"]["maxReplica"] == 1
        # From now on the endpoint carries this run's token: a replay of this create recognises it.
        assert live["tags"] == ["new", f"pulumi-hf:{inputs['__creation_token']}", f"pulumi-hf-id:{IDENTITY}"]
        assert h.names() == ["safe-ep"]
        assert h.posts() == 2  # the interrupted run's, and ours answered 409
        [line] = [line for line in h.info if "identity tag" in line]
        assert f"endpoint {USER}/safe-ep carries this resource's identity tag" in line
        assert "Taking it over" in line

    def test_a_takeover_that_changes_nothing_else_only_moves_the_token(self, h: Harness) -> None:
        earlier = interrupted_run(h)
        inputs = h.checked(__resource_identity=IDENTITY)
        h.app.reset_request_counts()

        h.provider.create(dict(inputs))

        routes = h.app.request_counts()["byRoute"]
        assert routes.get("PUT /v2/endpoint/{namespace}/{name}") == 1
        tags = h.client.get_endpoint(USER, "safe-ep")["tags"]
        assert f"pulumi-hf:{earlier['__creation_token']}" not in tags
        assert tags == [f"pulumi-hf:{inputs['__creation_token']}", f"pulumi-hf-id:{IDENTITY}"]

    def test_an_endpoint_with_another_identity_is_never_taken(self, h: Harness) -> None:
        """Another stack's or another resource's endpoint: it fails as before, saying whose it is."""
        other = h.checked(__resource_identity=OTHER_IDENTITY)
        h.client.create_endpoint(USER, create_payload(other))
        before = h.app.inspect(USER, "safe-ep")

        with pytest.raises(EndpointOperationError) as caught:
            h.provider.create(h.checked(__resource_identity=IDENTITY, max_replica=2))

        message = str(caught.value)
        assert (
            f"'pulumi-hf-id:{OTHER_IDENTITY}'" in message and "another Pulumi resource created it" in message
        )
        assert "possibly this one" not in message
        after = h.app.inspect(USER, "safe-ep")
        assert before is not None and after is not None and after["config"] == before["config"]

    def test_an_endpoint_without_an_identity_tag_is_never_taken(self, h: Harness) -> None:
        """Made by a provider before identities, or by hand: nothing says it is this resource's."""
        h.client.create_endpoint(USER, create_payload(h.checked()))

        with pytest.raises(EndpointOperationError, match="possibly this one in an earlier run"):
            h.provider.create(h.checked(__resource_identity=IDENTITY))
        assert h.names() == ["safe-ep"]

    def test_without_an_identity_of_its_own_a_resource_takes_over_nothing(self, h: Harness) -> None:
        interrupted_run(h)

        with pytest.raises(EndpointOperationError, match="already exists"):
            h.provider.create(h.checked())

    def test_the_endpoint_a_replacement_replaces_is_never_taken_over(self, h: Harness) -> None:
        """A create-before-delete replacement under the same name (forced, say) meets the endpoint in
        state: taking it over would hand it to the replacement just before the engine deletes it."""
        inputs = h.checked(__resource_identity=IDENTITY)
        created = h.provider.create(dict(inputs))
        assert created.outs is not None
        h.provider.diff(created.id, created.outs, h.checked(inputs, __resource_identity=IDENTITY))
        replacement = h.checked(__resource_identity=IDENTITY)

        with pytest.raises(EndpointOperationError, match=r"delete_before_replace=True"):
            h.provider.create(replacement)

        tags = h.client.get_endpoint(USER, "safe-ep")["tags"]
        assert tags == [f"pulumi-hf:{inputs['__creation_token']}", f"pulumi-hf-id:{IDENTITY}"]


class TestOrphansOfAutonamedCreates:
    """An autonamed create cannot take over an earlier run's endpoint: it names it instead."""

    def test_an_endpoint_left_under_an_earlier_autoname_is_named_with_how_to_delete_it(
        self, h: Harness, recorded: RecordingTransport
    ) -> None:
        earlier = interrupted_run(h, name=None)
        inputs = autonamed(h)
        assert inputs["name"] != earlier["name"]

        created = h.provider.create(dict(inputs))

        assert created.id == f"{USER}/{inputs['name']}"
        assert h.names() == sorted([earlier["name"], inputs["name"]])
        [warning] = [line for line in h.info if "identity tag" in line]
        assert f"endpoint {USER}/{earlier['name']} carries the identity tag of resource 'safe'" in warning
        assert f"`hf endpoints delete {earlier['name']} --namespace {USER}`" in warning
        assert "Pulumi deletes that one itself" in warning
        [listing] = [
            url for method, url in recorded.requests if method == "GET" and url.path == f"/v2/endpoint/{USER}"
        ]
        assert listing.params["tags"] == f"pulumi-hf-id:{IDENTITY}"

    def test_the_endpoint_being_replaced_is_not_reported(self, h: Harness) -> None:
        """Create-before-delete: the old autonamed endpoint has the same identity; diff saw it in state."""
        inputs = autonamed(h)
        created = h.provider.create(dict(inputs))
        assert created.outs is not None
        news = autonamed(h, inputs, region="eu-west-1", instance_type="intel-spr")
        diff = h.provider.diff(created.id, created.outs, news)
        assert diff.replaces == ["region"] and diff.delete_before_replace is False
        # As the engine does before a replacement: check again without the old inputs.
        replacement = autonamed(h, region="eu-west-1", instance_type="intel-spr")

        h.provider.create(replacement)

        assert not [line for line in h.info if "identity tag" in line]
        assert h.names() == sorted([inputs["name"], replacement["name"]])

    def test_endpoints_of_other_resources_are_not_reported(self, h: Harness) -> None:
        other = h.checked(__resource_identity=OTHER_IDENTITY, name=None)
        h.client.create_endpoint(USER, create_payload(other))
        untagged = h.checked(name=None)
        h.client.create_endpoint(USER, create_payload(untagged))

        h.provider.create(autonamed(h))

        assert not [line for line in h.info if "identity tag" in line]
        assert len(h.names()) == 3

    def test_a_failing_list_only_warns_and_the_create_goes_on(self, h: Harness) -> None:
        h.app.add_fault("server_error", status=503, method="GET", route="/v2/endpoint/{namespace}")
        inputs = autonamed(h)

        created = h.provider.create(dict(inputs))

        assert created.outs is not None and created.outs["state"] == "running"
        assert any("could not look for endpoints an interrupted run" in line for line in h.info)

    def test_a_named_create_does_not_list(self, h: Harness, recorded: RecordingTransport) -> None:
        h.provider.create(h.checked(__resource_identity=IDENTITY))
        assert not [
            url for method, url in recorded.requests if method == "GET" and url.path == f"/v2/endpoint/{USER}"
        ]


def lose_state(h: Harness, **overrides: Any) -> dict[str, Any]:
    """Create the resource's endpoint, then forget its state (`pulumi state delete`, a lost backend):
    the next `pulumi up` checks the resource afresh, with a new token and the same identity."""
    created = h.provider.create(h.checked(__resource_identity=IDENTITY))
    assert created.outs is not None and created.outs["state"] == "running"
    return h.checked(__resource_identity=IDENTITY, **overrides)


def someone_elses(h: Harness, **overrides: Any) -> dict[str, Any]:
    """An endpoint made outside this stack, then declared with adopt_existing=True."""
    foreign = create_payload({k: v for k, v in h.checked().items() if k != "__creation_token"})
    h.client.create_endpoint(USER, foreign)
    h.sleep(60)  # it is running by now
    return h.checked(adopt_existing=True, **overrides)


FOUND = {"takeover": lose_state, "adopt_existing": someone_elses}


class TestFoundEndpointsAreNeverDeleted:
    """A failed create deletes only what its own POST made: an endpoint found under the name (taken
    over by its identity tag, adopted, or made by an earlier attempt of the same create) stays,
    and the error says what state it is in and what to do."""

    @pytest.mark.parametrize("found", list(FOUND), ids=list(FOUND))
    def test_a_change_the_api_refuses_leaves_the_found_endpoint_in_place(
        self, h: Harness, found: str
    ) -> None:
        inputs = FOUND[found](h, type="public")
        h.app.configure(type_update="refuse")

        with pytest.raises(HuggingFaceError) as caught:
            h.provider.create(inputs)

        message = str(caught.value)
        assert "cannot be changed" in message
        assert f"The endpoint {USER}/safe-ep existed before this create" in message
        assert "was left in place: it is running" in message
        assert f"`hf endpoints delete safe-ep --namespace {USER}`" in message
        assert "was deleted" not in message
        assert h.names() == ["safe-ep"]
        live = h.client.get_endpoint(USER, "safe-ep")
        assert live["type"] == "authenticated" and live["status"]["state"] == "running"

    @pytest.mark.parametrize("found", list(FOUND), ids=list(FOUND))
    def test_a_deadline_passing_while_the_change_deploys_leaves_the_found_endpoint_in_place(
        self, h: Harness, found: str
    ) -> None:
        inputs = FOUND[found](h, max_replica=2, timeouts={"create": "20s", "delete": "5m"})

        with pytest.raises(DeadlineExceededError) as caught:
            h.provider.create(inputs)

        message = str(caught.value)
        assert "did not settle within" in message
        assert f"The endpoint {USER}/safe-ep existed before this create" in message
        assert "was left in place: it is updating" in message
        assert "was deleted" not in message
        assert h.names() == ["safe-ep"]
        h.sleep(60)
        assert h.client.get_endpoint(USER, "safe-ep")["status"]["state"] == "running"

    def test_an_earlier_attempt_of_the_same_create_is_not_deleted_when_converging_it_fails(
        self, h: Harness
    ) -> None:
        """Replayed after the plugin died: the endpoint carries this create's token, but no POST of
        this call made it (the first POST was answered 409), so it is not this call's to delete."""
        inputs = h.checked(type="public")
        h.client.create_endpoint(USER, create_payload({**inputs, "type": "authenticated"}))
        h.app.configure(type_update="refuse")

        with pytest.raises(HuggingFaceError, match="was left in place"):
            h.provider.create(dict(inputs))

        assert h.names() == ["safe-ep"]

    def test_an_endpoint_recognised_after_this_create_s_lost_answer_is_deleted_when_it_fails(
        self, h: Harness
    ) -> None:
        """This create's own POST made it (the answer was dropped after the server acted)."""
        h.app.add_fault("drop", method="POST", route="/v2/endpoint/{namespace}", after=True, times=1)

        with pytest.raises(EndpointFailedError) as caught:
            h.provider.create(h.checked(repository="acme/unloadable-model"))

        assert "was deleted so that nothing is left behind" in str(caught.value)
        assert h.posts() == 1
        assert h.names() == []

    def test_an_interrupted_run_s_endpoint_declared_otherwise_since_is_named_never_deleted(
        self, h: Harness
    ) -> None:
        """A replace-only input changed between the runs: the leftover may be another stack's (the
        identity cannot tell two backends apart), so it is named with its delete command and kept."""
        interrupted_run(h)
        before = h.app.inspect(USER, "safe-ep")

        with pytest.raises(EndpointOperationError) as caught:
            h.provider.create(
                h.checked(__resource_identity=IDENTITY, region="eu-west-1", instance_type="intel-spr")
            )

        message = str(caught.value)
        assert "Cannot take over inference endpoint" in message and "region is 'us-east-1' there" in message
        assert f"`hf endpoints delete safe-ep --namespace {USER}`" in message
        assert "was deleted" not in message
        assert h.names() == ["safe-ep"]
        after = h.app.inspect(USER, "safe-ep")
        assert before is not None and after is not None and after["config"] == before["config"]
