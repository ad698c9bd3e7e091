"""`min_replica` and `scale_to_zero_timeout`, every declaration to every other.

States: `min_replica` unset, 0, 1 or 2 times `scale_to_zero_timeout` unset, 15 or 30 (with
`max_replica` 2). A state check refuses can never be reached, so transitions start from the states
check accepts and go to every other state. Each transition is either refused at check, naming both
inputs and the fix, with nothing sent; or applied in place with one update (one PUT, or none when
the API's values stay the same), after which the API holds the declaration and a refresh shows no
diff. Both emulator answers to a raised
`minReplica` beside a stored timeout are covered (`stale_timeout` "refuse" and "clear"): the API's
own default timeout (15, stored for `minReplica` 0) is what makes that case arise without any
timeout declared.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from engine_steps import CheckRefused, EngineStack
from provider_fakes import base_inputs

from pulumi_huggingface_emulator import EmulatorApp

PUT = "PUT /v2/endpoint/{namespace}/{name}"
API_DEFAULT_TIMEOUT = 15

State = tuple[int | None, int | None]
STATES: list[State] = list(itertools.product([None, 0, 1, 2], [None, 15, 30]))


def accepted(state: State) -> bool:
    """Whether check accepts the declaration, by the API's rule: a timeout needs minReplica 0."""
    min_replica, timeout = state
    return timeout is None or min_replica == 0


def label(state: State) -> str:
    min_replica, timeout = state
    return f"min{'-' if min_replica is None else min_replica}.t{'-' if timeout is None else timeout}"


def program(state: State) -> dict[str, Any]:
    min_replica, timeout = state
    declared = base_inputs(__resource_name="matrix", name="matrix", max_replica=2)
    declared.update(min_replica=min_replica, scale_to_zero_timeout=timeout)
    return {key: value for key, value in declared.items() if value is not None}


def expected_on_api(state: State) -> tuple[int, int | None]:
    """(minReplica, scaleToZeroTimeout) the API must hold for a declaration check accepts."""
    min_replica, timeout = state
    held_min = 1 if min_replica is None else min_replica
    if timeout is None and held_min == 0:
        return held_min, API_DEFAULT_TIMEOUT
    return held_min, timeout


TRANSITIONS = [(old, new) for old in STATES if accepted(old) for new in STATES if new != old]


def test_the_matrix_covers_every_transition_from_every_reachable_state() -> None:
    assert len(STATES) == 12 and sum(map(accepted, STATES)) == 6
    assert len(TRANSITIONS) == 6 * 11


@pytest.mark.parametrize("stale_timeout", ["refuse", "clear"])
@pytest.mark.parametrize(
    ("old", "new"), TRANSITIONS, ids=[f"{label(old)}->{label(new)}" for old, new in TRANSITIONS]
)
def test_a_scaling_transition_is_refused_at_check_or_applied_in_place(
    stale_timeout: str, old: State, new: State
) -> None:
    deployment = EngineStack(
        EmulatorApp(token="hf_engine_steps_token", provision_seconds=5, stale_timeout=stale_timeout)
    )
    deployment.apply(program(old))
    assert _held(deployment) == expected_on_api(old)

    if not accepted(new):
        with pytest.raises(CheckRefused) as refused:
            deployment.apply(program(new))
        ((prop, reason),) = refused.value.failures
        assert prop == "scale_to_zero_timeout"
        held_min = "1 (the default)" if new[0] is None else str(new[0])
        assert f"scale_to_zero_timeout {new[1]} needs min_replica 0, but min_replica is {held_min}" in reason
        assert "Set min_replica=0" in reason and "remove scale_to_zero_timeout" in reason
        assert _held(deployment) == expected_on_api(old)
        return

    step = deployment.apply(program(new))

    assert step.op in ("update", "same") and step.deleted == []
    # One PUT when the API's values change. When they stay, at most one: min_replica 1 written out or
    # removed is recorded without a request; a timeout of 15 declared or removed beside min_replica 0
    # sends it (15 is the API's default, which the provider does not assume).
    if expected_on_api(old) == expected_on_api(new):
        assert step.writes in ({}, {PUT: 1})
    else:
        assert step.writes == {PUT: 1}
    assert _held(deployment) == expected_on_api(new)
    deployment.refresh()
    assert deployment.pending_diff(program(new)).changes is False
    deployment.destroy()
    assert deployment.app.endpoint_ids() == []


def _held(deployment: EngineStack) -> tuple[int, int | None]:
    scaling = deployment.config()["compute"]["scaling"]
    return scaling["minReplica"], scaling["scaleToZeroTimeout"]
