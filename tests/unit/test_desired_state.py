"""desired_state: the endpoint's operational state (running, paused, scaled to zero) as an input.

Check, diff and read are pure or near-pure; every transition is driven through the provider's
`create` / `update` against the in-process emulator, and the tests assert the exact calls that go
out, in order (which of PUT, pause, resume and scale-to-zero, and whether the provider waited),
and the state the emulator then holds.
"""

from __future__ import annotations

from typing import Any

import pytest
from provider_fakes import NAMESPACE, EmulatedApi, FakeClock, base_inputs, make_provider
from pulumi.output import Unknown

from pulumi_huggingface.errors import BadRequestError
from pulumi_huggingface.provider import InferenceEndpointProvider
from pulumi_huggingface.schema import DESIRED_STATES, observed_desired_state

ID = f"{NAMESPACE}/chat"


@pytest.fixture
def api() -> EmulatedApi:
    # A deployment takes 8 s: the first poll (after 5 s) sees it initializing, the second running.
    return EmulatedApi(provision_seconds=8)


@pytest.fixture
def provider(api: EmulatedApi) -> InferenceEndpointProvider:
    return make_provider(api)[0]


def checked(provider: InferenceEndpointProvider, **overrides: Any) -> dict[str, Any]:
    result = provider.check({}, base_inputs(name="chat", **overrides))
    assert result.failures == [], [(f.property, f.reason) for f in result.failures]
    return result.inputs


def create(provider: InferenceEndpointProvider, **overrides: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    inputs = checked(provider, **overrides)
    result = provider.create(dict(inputs))
    assert result.outs is not None
    return inputs, result.outs


def update(provider: InferenceEndpointProvider, outs: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    news = checked(provider, **overrides)
    diff = provider.diff(ID, outs, news)
    assert (diff.changes, diff.replaces) == (True, []), "a state change must be an in-place update"
    result = provider.update(ID, outs, news)
    assert result.outs is not None
    return result.outs


def wire(api: EmulatedApi, since: int = 0) -> list[str]:
    """The endpoint requests after the first `since`, as "METHOD last-path-segment"."""
    calls = [call for call in api.calls if "/endpoint/" in call.path][since:]
    return [f"{call.method} {call.path.rsplit('/', 1)[-1]}" for call in calls]


def mark(api: EmulatedApi) -> int:
    return len([call for call in api.calls if "/endpoint/" in call.path])


def reasons(provider: InferenceEndpointProvider, **overrides: Any) -> list[tuple[str, str]]:
    result = provider.check({}, base_inputs(name="chat", **overrides))
    return [(failure.property, failure.reason) for failure in result.failures]


class TestCheck:
    def test_the_default_is_spelled_out_so_a_pause_previews_as_running_to_paused(
        self, provider: InferenceEndpointProvider
    ) -> None:
        assert checked(provider)["desired_state"] == "running"
        assert checked(provider, desired_state="paused")["desired_state"] == "paused"

    def test_an_unknown_state_names_the_choices(self, provider: InferenceEndpointProvider) -> None:
        [(prop, reason)] = reasons(provider, desired_state="stopped")
        assert prop == "desired_state"
        assert reason == "desired_state is 'stopped'; use one of 'running', 'paused', 'scaledToZero'."

    @pytest.mark.parametrize(("min_replica", "shown"), [(1, "1"), (2, "2"), (None, "1 (the default)")])
    def test_scaled_to_zero_with_replicas_kept_is_refused_with_the_fix(
        self, provider: InferenceEndpointProvider, min_replica: int | None, shown: str
    ) -> None:
        """The service keeps min_replica replicas: scaledToZero would scale straight back up."""
        overrides: dict[str, Any] = {
            "desired_state": "scaledToZero",
            "scale_to_zero_timeout": None,
            "max_replica": 2,
        }
        inputs = base_inputs(name="chat", **overrides)
        if min_replica is None:
            del inputs["min_replica"]
        else:
            inputs["min_replica"] = min_replica
        result = provider.check({}, inputs)
        [failure] = result.failures
        assert failure.property == "desired_state"
        assert failure.reason.startswith(
            f"desired_state 'scaledToZero' needs min_replica 0, but min_replica is {shown}:"
        )
        assert "Set min_replica=0" in failure.reason and "desired_state='paused'" in failure.reason

    def test_scaled_to_zero_with_min_replica_zero_passes(self, provider: InferenceEndpointProvider) -> None:
        assert reasons(provider, desired_state="scaledToZero", min_replica=0) == []

    @pytest.mark.parametrize(
        "overrides",
        [
            {"desired_state": Unknown(), "min_replica": 1, "scale_to_zero_timeout": None},
            {"desired_state": "scaledToZero", "min_replica": Unknown()},
        ],
        ids=["state-unknown", "min-replica-unknown"],
    )
    def test_values_unknown_in_a_preview_are_not_judged(
        self, provider: InferenceEndpointProvider, overrides: dict[str, Any]
    ) -> None:
        assert reasons(provider, **overrides) == []


class TestDiff:
    @pytest.mark.parametrize("old", DESIRED_STATES)
    @pytest.mark.parametrize("new", DESIRED_STATES)
    def test_every_transition_is_an_in_place_update(
        self, provider: InferenceEndpointProvider, old: str, new: str
    ) -> None:
        outs = {**checked(provider, desired_state=old), "namespace": NAMESPACE}
        diff = provider.diff(ID, outs, checked(provider, desired_state=new))
        assert diff.changes is (old != new)
        assert diff.replaces == []

    def test_state_recorded_before_the_input_existed_reads_as_running(
        self, provider: InferenceEndpointProvider
    ) -> None:
        """Stacks created by an older provider have no desired_state output: no diff for running."""
        outs = {**checked(provider), "namespace": NAMESPACE}
        del outs["desired_state"]
        assert provider.diff(ID, outs, checked(provider)).changes is False
        assert provider.diff(ID, outs, checked(provider, desired_state="paused")).changes is True


def endpoint(state: str, min_replica: int) -> dict[str, Any]:
    return {"status": {"state": state}, "compute": {"scaling": {"minReplica": min_replica}}}


# (declared, live state, live minReplica, recorded): what autoscaling does is no drift, what a person
# did is. Written out by hand from the API reference's state list.
OBSERVED: list[tuple[str | None, str, int, str | None]] = [
    ("running", "running", 1, "running"),
    ("running", "scaledToZero", 0, "running"),  # idled to zero: autoscaling
    ("running", "initializing", 0, "running"),  # waking on a request
    ("running", "scaledToZero", 1, "scaledToZero"),  # the service never does that with min 1
    ("running", "paused", 0, "paused"),  # paused in the web UI: drift
    ("running", "updating", 1, "running"),
    ("running", "failed", 1, "running"),  # no operational choice: the state output says failed
    (None, "running", 1, None),
    (None, "scaledToZero", 0, None),
    (None, "paused", 1, "paused"),
    ("paused", "paused", 1, "paused"),
    ("paused", "pending", 1, "running"),  # resumed by hand: drift
    ("paused", "scaledToZero", 0, "running"),  # resumed by hand, then idled
    ("scaledToZero", "scaledToZero", 0, "scaledToZero"),
    ("scaledToZero", "running", 0, "scaledToZero"),  # woken by a request: what scale-to-zero promises
    ("scaledToZero", "running", 1, "running"),  # min_replica raised by hand: it stays up
    ("scaledToZero", "paused", 0, "paused"),
    ("scaledToZero", "updateFailed", 0, "scaledToZero"),
]


@pytest.mark.parametrize(
    ("declared", "live", "min_replica", "recorded"),
    OBSERVED,
    ids=[f"{d}-{live}-min{m}" for d, live, m, _ in OBSERVED],
)
def test_read_records_what_a_person_did_never_what_autoscaling_did(
    declared: str | None, live: str, min_replica: int, recorded: str | None
) -> None:
    assert observed_desired_state(declared, endpoint(live, min_replica)) == recorded


class TestCreate:
    def test_created_paused_is_paused_as_soon_as_the_post_is_accepted(self, api: EmulatedApi) -> None:
        """No wait for running: the pause follows the POST, before the endpoint bills anything."""
        provider, info, _ = make_provider(api)
        _, outs = create(provider, desired_state="paused")
        assert wire(api) == [f"POST {NAMESPACE}", "POST pause"]
        assert outs["state"] == "paused" == api.state("chat") and outs["desired_state"] == "paused"
        assert any("created paused" in line and "resumed" in line for line in info)

    def test_created_scaled_to_zero_deploys_first_then_scales_to_zero(
        self, api: EmulatedApi, provider: InferenceEndpointProvider
    ) -> None:
        _, outs = create(provider, desired_state="scaledToZero")
        assert wire(api) == [f"POST {NAMESPACE}", "GET chat", "GET chat", "POST scale-to-zero"]
        assert outs["state"] == "scaledToZero" == api.state("chat")
        assert outs["desired_state"] == "scaledToZero"

    def test_created_running_with_min_replica_zero_accepts_scaled_to_zero(
        self, api: EmulatedApi, provider: InferenceEndpointProvider
    ) -> None:
        """An endpoint that idled to zero before the first poll has settled: no resume, no endless wait."""
        # Deployed in 3 s, then idle for its 15 minutes of 0.01 s each: scaled to zero by the first poll.
        api.app.configure(provision_seconds=3, minute_seconds=0.01)
        inputs, outs = create(provider)
        assert wire(api) == [f"POST {NAMESPACE}", "GET chat"]
        assert outs["state"] == "scaledToZero" == api.state("chat") and outs["desired_state"] == "running"
        assert provider.diff(ID, outs, inputs).changes is False

    def test_a_pause_that_fails_deletes_the_new_endpoint(self, api: EmulatedApi) -> None:
        """The create is transactional: an endpoint left now would be known to no state."""
        provider, _, _ = make_provider(api)
        api.app.add_fault("server_error", route="/v2/endpoint/{namespace}/{name}/pause", status=500)
        with pytest.raises(Exception, match="deleted so that nothing is left behind"):
            create(provider, desired_state="paused")
        assert api.app.endpoint_ids() == []


class TestTransitions:
    def test_running_to_paused_is_one_pause_call_without_a_put(
        self, api: EmulatedApi, provider: InferenceEndpointProvider
    ) -> None:
        _, outs = create(provider)
        since = mark(api)
        outs = update(provider, outs, desired_state="paused")
        assert wire(api, since) == ["GET chat", "POST pause"]
        assert outs["state"] == "paused" == api.state("chat") and outs["desired_state"] == "paused"

    def test_paused_to_running_resumes_and_waits_until_running(
        self, api: EmulatedApi, provider: InferenceEndpointProvider
    ) -> None:
        _, outs = create(provider, desired_state="paused")
        since = mark(api)
        outs = update(provider, outs, desired_state="running")
        assert wire(api, since) == ["GET chat", "POST resume", "GET chat", "GET chat"]
        assert outs["state"] == "running" == api.state("chat") and outs["desired_state"] == "running"

    def test_running_to_scaled_to_zero_is_one_scale_to_zero_call(
        self, api: EmulatedApi, provider: InferenceEndpointProvider
    ) -> None:
        _, outs = create(provider)
        since = mark(api)
        outs = update(provider, outs, desired_state="scaledToZero")
        assert wire(api, since) == ["GET chat", "POST scale-to-zero"]
        assert outs["state"] == "scaledToZero" == api.state("chat")
        assert outs["desired_state"] == "scaledToZero"

    def test_scaled_to_zero_to_running_sends_nothing_when_autoscaling_may_keep_it_there(
        self, api: EmulatedApi, provider: InferenceEndpointProvider
    ) -> None:
        """With min_replica 0 the next request wakes it: a resume would only fight autoscaling."""
        _, outs = create(provider, desired_state="scaledToZero")
        since = mark(api)
        outs = update(provider, outs, desired_state="running")
        assert wire(api, since) == ["GET chat"]
        assert outs["desired_state"] == "running" and outs["state"] == "scaledToZero" == api.state("chat")

    def test_paused_to_scaled_to_zero_resumes_waits_then_scales_to_zero(
        self, api: EmulatedApi, provider: InferenceEndpointProvider
    ) -> None:
        _, outs = create(provider, desired_state="paused")
        since = mark(api)
        outs = update(provider, outs, desired_state="scaledToZero")
        assert wire(api, since) == ["GET chat", "POST resume", "GET chat", "GET chat", "POST scale-to-zero"]
        assert outs["state"] == "scaledToZero" == api.state("chat")

    def test_resume_answered_already_running_is_success(
        self, api: EmulatedApi, provider: InferenceEndpointProvider
    ) -> None:
        """Someone resumed it between our read and our call: [D] 400 "already running" means done."""
        _, outs = create(provider, desired_state="paused")

        def resumed_by_someone_else() -> None:
            assert api.client.post(f"/v2/endpoint/{NAMESPACE}/chat/resume").status_code == 200
            api.app.advance_clock(8)

        api.meanwhile("POST", "/resume", resumed_by_someone_else)
        outs = update(provider, outs, desired_state="running")
        assert outs["state"] == "running" == api.state("chat")
        # The provider's resume came second and was answered 400 "already running".
        assert len([call for call in api.calls if call.path.endswith("/resume")]) == 1
        assert api.app.request_counts()["byRoute"]["POST /v2/endpoint/{namespace}/{name}/resume"] == 2


class TestConfigurationWithState:
    def test_running_to_paused_with_a_change_puts_then_pauses_without_waiting_for_the_redeploy(
        self, api: EmulatedApi, provider: InferenceEndpointProvider
    ) -> None:
        """PUT first (the step the API may refuse), then pause at once: no redeploy is billed."""
        _, outs = create(provider)
        since = mark(api)
        outs = update(provider, outs, desired_state="paused", scale_to_zero_timeout=30)
        assert wire(api, since) == ["PUT chat", "POST pause"]
        assert api.stored("chat")["compute"]["scaling"]["scaleToZeroTimeout"] == 30
        assert outs["state"] == "paused" == api.state("chat") and outs["scale_to_zero_timeout"] == 30

    def test_a_change_while_paused_keeps_it_paused_and_does_not_wait_for_running(
        self, api: EmulatedApi, provider: InferenceEndpointProvider
    ) -> None:
        _, outs = create(provider, desired_state="paused")
        since = mark(api)
        outs = update(provider, outs, desired_state="paused", scale_to_zero_timeout=60)
        assert wire(api, since) == ["PUT chat"]
        assert outs["state"] == "paused" == api.state("chat") and outs["scale_to_zero_timeout"] == 60
        assert api.stored("chat")["compute"]["scaling"]["scaleToZeroTimeout"] == 60

    def test_a_put_that_wakes_a_paused_endpoint_is_followed_by_a_pause(
        self, api: EmulatedApi, provider: InferenceEndpointProvider
    ) -> None:
        """Should the API redeploy a paused endpoint on PUT, it is paused again: never left running."""
        _, outs = create(provider, desired_state="paused")
        api.app.configure(paused_update="redeploy")
        since = mark(api)
        outs = update(provider, outs, desired_state="paused", scale_to_zero_timeout=60)
        assert wire(api, since) == ["PUT chat", "POST pause"]
        assert outs["state"] == "paused" == api.state("chat")
        assert api.stored("chat")["compute"]["scaling"]["scaleToZeroTimeout"] == 60

    def test_paused_to_running_with_a_change_puts_then_resumes_one_deployment(
        self, api: EmulatedApi, provider: InferenceEndpointProvider
    ) -> None:
        """The resume deploys the new configuration; resume-then-PUT would deploy twice."""
        _, outs = create(provider, desired_state="paused")
        since = mark(api)
        outs = update(provider, outs, desired_state="running", max_replica=2)
        assert wire(api, since) == ["PUT chat", "POST resume", "GET chat", "GET chat"]
        assert outs["state"] == "running" == api.state("chat") and outs["max_replica"] == 2
        states = [step["state"] for step in api.app.inspect(NAMESPACE, "chat")["history"]]
        assert "updating" not in states, "one deployment: the resume's, never an update's"

    def test_to_scaled_to_zero_with_a_change_waits_for_the_change_to_deploy_first(
        self, api: EmulatedApi, provider: InferenceEndpointProvider
    ) -> None:
        """Scaled to zero promises to wake on the next request, so the new configuration must deploy."""
        _, outs = create(provider)
        since = mark(api)
        outs = update(provider, outs, desired_state="scaledToZero", max_replica=2)
        assert wire(api, since) == ["PUT chat", "GET chat", "GET chat", "POST scale-to-zero"]
        assert outs["state"] == "scaledToZero" == api.state("chat")
        assert api.stored("chat")["compute"]["scaling"]["maxReplica"] == 2

    def test_a_change_to_an_idle_endpoint_declared_running_accepts_scaled_to_zero(
        self, api: EmulatedApi, provider: InferenceEndpointProvider
    ) -> None:
        """min_replica 0 and scaled to zero after the PUT: settled, no resume, no wait for running."""
        _, outs = create(provider)
        # Updated in 3 s, then idle for its 45 minutes of 0.01 s each: scaled to zero by the next poll.
        api.app.configure(provision_seconds=3, minute_seconds=0.01)
        since = mark(api)
        outs = update(provider, outs, scale_to_zero_timeout=45)
        assert wire(api, since) == ["PUT chat", "GET chat"]
        assert outs["state"] == "scaledToZero" == api.state("chat") and outs["desired_state"] == "running"

    def test_a_pause_refused_mid_deployment_waits_for_it_then_pauses(
        self, api: EmulatedApi, provider: InferenceEndpointProvider
    ) -> None:
        _, outs = create(provider)
        api.app.configure(pause_while_deploying="refuse")
        since = mark(api)
        outs = update(provider, outs, desired_state="paused", max_replica=2)
        assert wire(api, since) == ["PUT chat", "POST pause", "GET chat", "GET chat", "POST pause"]
        assert outs["state"] == "paused" == api.state("chat")
        assert api.stored("chat")["compute"]["scaling"]["maxReplica"] == 2

    def test_a_put_refused_while_paused_leaves_it_paused_and_says_how_to_apply_it(
        self, api: EmulatedApi, provider: InferenceEndpointProvider
    ) -> None:
        _, outs = create(provider, desired_state="paused")
        api.app.configure(paused_update="refuse")
        news = checked(provider, desired_state="paused", max_replica=2)
        with pytest.raises(BadRequestError) as raised:
            provider.update(ID, outs, news)
        message = str(raised.value)
        assert "Bad Request: Endpoint is paused" in message
        assert "The endpoint is paused." in message
        assert "set desired_state='running' and run `pulumi up`" in message
        assert "set desired_state='paused' again" in message
        assert api.state("chat") == "paused"
        assert api.stored("chat")["compute"]["scaling"]["maxReplica"] == 1
        state_calls = [call.path for call in api.calls if call.path.endswith(("/pause", "/resume"))]
        assert state_calls == [f"/v2/endpoint/{NAMESPACE}/chat/pause"], "only the create's pause"


class TestDrift:
    def test_paused_behind_our_back_shows_on_refresh_and_the_next_update_resumes_it(
        self, api: EmulatedApi, provider: InferenceEndpointProvider
    ) -> None:
        inputs, outs = create(provider)
        api.app.drift(NAMESPACE, "chat", state="paused")
        read = provider.read(ID, outs)
        assert read.outs is not None and read.inputs is not None
        assert read.outs["desired_state"] == "paused" and read.inputs["desired_state"] == "paused"
        diff = provider.diff(ID, read.outs, inputs)
        assert (diff.changes, diff.replaces) == (True, [])
        since = mark(api)
        result = provider.update(ID, read.outs, inputs)
        assert result.outs is not None and result.outs["state"] == "running" == api.state("chat")
        assert wire(api, since)[:2] == ["GET chat", "POST resume"]

    def test_idled_to_zero_is_no_drift(self, api: EmulatedApi, provider: InferenceEndpointProvider) -> None:
        inputs, outs = create(provider)
        api.app.drift(NAMESPACE, "chat", state="scaledToZero")
        read = provider.read(ID, outs)
        assert read.outs is not None and read.inputs is not None
        assert read.outs["state"] == "scaledToZero"
        assert read.inputs["desired_state"] == "running"
        assert provider.diff(ID, read.outs, inputs).changes is False

    def test_a_lookup_reports_the_live_operational_state(
        self, api: EmulatedApi, provider: InferenceEndpointProvider
    ) -> None:
        api.seed("chat")
        api.app.drift(NAMESPACE, "chat", state="paused")
        result = provider.read(ID, {"__resource_name": "lookup"})
        assert result.outs is not None and result.outs["desired_state"] == "paused"


class TestAdoption:
    def test_adopting_a_paused_endpoint_declared_paused_keeps_it_paused(self, api: EmulatedApi) -> None:
        provider, _, _ = make_provider(api)
        api.seed("chat", compute=_seed_compute())
        api.app.drift(NAMESPACE, "chat", state="paused")
        _, outs = create(provider, adopt_existing=True, desired_state="paused")
        assert outs["state"] == "paused" == api.state("chat")
        assert not [call for call in api.calls if call.path.endswith(("/pause", "/resume"))]

    def test_adopting_a_paused_endpoint_declared_running_resumes_it(self, api: EmulatedApi) -> None:
        provider, _, _ = make_provider(api, clock=FakeClock())
        api.seed("chat", compute=_seed_compute())
        api.app.drift(NAMESPACE, "chat", state="paused")
        _, outs = create(provider, adopt_existing=True)
        assert outs["state"] == "running" == api.state("chat")
        assert [call.path for call in api.calls if call.path.endswith("/resume")] == [
            f"/v2/endpoint/{NAMESPACE}/chat/resume"
        ]


def _seed_compute() -> dict[str, Any]:
    # The compute of `base_inputs`, so that adoption changes nothing but the state.
    return {
        "accelerator": "cpu",
        "instanceType": "intel-icl",
        "instanceSize": "x2",
        "scaling": {"minReplica": 0, "maxReplica": 1, "scaleToZeroTimeout": 15},
    }
