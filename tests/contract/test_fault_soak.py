"""Fault soak: many full lifecycles through the SDK's provider server while the API misbehaves.

Two stacks (two provider servers, two deployments, one namespace each) run at once against one
emulator on loopback. Each stack takes four endpoints through create, an in-place update, a
replacement (a named endpoint is deleted first, its replacement taking the same name; an autonamed
one gets a new name and its replacement is created beside it), a refresh and a delete, twice over,
while the emulator answers a share of all requests with 429 + Retry-After, 502/503 (some after
acting on the request, so a create's answer is lost although the endpoint exists), dropped
connections (likewise, before or after acting) and added latency. Once, the provider server of one
stack is SIGKILLed in the middle of a create (the POST landed, the provider is waiting for the
endpoint to run); a fresh server then receives the same Create with the same inputs, as the engine
would retry it, and must take over its own endpoint, neither failing on the name nor making a
second one.

After every `up` (failed ones included) the emulator must hold no endpoint that no state knows
about, and after every successful one exactly the endpoints the states hold: zero leaked, zero
lost. Steps that fail under faults are retried by running `up` again, as a pipeline would.

Bounded to well under a minute: the emulator provisions in well under a second and asks for
Retry-After 0 or 1 s, and the provider polls at the contract tier's `huggingface:pollInterval`
(`endpoint_stack.POLL_INTERVAL`) instead of production's 5 s (all but the server killed mid-create,
whose create must still be waiting when the kill lands), so the time goes to lifecycles and faults
rather than to sleeping. The faster polls also send more requests into the fault mix.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from endpoint_stack import (
    BASE_INPUTS,
    POLL_INTERVAL,
    TYPE,
    RecordingProviderServer,
    program_goals,
    start_provider_server,
)

from pulumi_huggingface import InferenceEndpoint
from pulumi_huggingface_emulator import EmulatorServer
from support import (
    Deployment,
    DeploymentError,
    RegisteredResource,
    ResourceState,
    StepOp,
    make_urn,
)

pytestmark = pytest.mark.contract

TOKEN = "hf_contractTokenQ7xW2mZ9"
STACKS = ("soak-a", "soak-b")
SLOTS = 4
GENERATIONS = 2
# A pipeline reruns a failed `pulumi up`; the soak allows this many runs per phase.
MAX_RUNS = 4

# (kind, options): what share of requests misbehaves, and how.
FAULTS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("rate_limit", {"rate": 0.06, "retry_after": 0}),
    ("rate_limit", {"rate": 0.02, "retry_after": 1}),
    ("server_error", {"rate": 0.04, "status": 503}),
    ("server_error", {"rate": 0.03, "status": 502, "after": True}),
    ("drop", {"rate": 0.03}),
    ("drop", {"rate": 0.02, "after": True}),
    ("latency", {"rate": 0.3, "seconds": 0.02}),
)
# Lines the provider writes when it retries: the client's first retry about an endpoint, and its
# own around a create, an update, a pause or a resume. Each counts one retry.
RETRY_LINE = re.compile(
    r"retrying in|sending the create again|sending it again|was lost \(|"
    r"was lost, but the endpoint exists|still held by a deleted|is busy"
)
# The client's later retries about an endpoint, summarised: each line counts the retries it names.
RETRY_SUMMARY = re.compile(r"(\d+) more retries in the last")


_PROGRAM_LOCK = threading.Lock()


@dataclass
class Figures:
    """What the soak counts, across both stacks."""

    lifecycles: int = 0
    runs: int = 0
    reruns: int = 0
    failures: Counter[str] = field(default_factory=Counter)
    kills: int = 0
    recovered: int = 0
    leaks: int = 0
    lost: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class Stack:
    """One stack: a namespace of its own, a provider server, a deployment, and its programs."""

    def __init__(
        self,
        name: str,
        emulator: EmulatorServer,
        figures: Figures,
        *,
        poll_interval: str | None = POLL_INTERVAL,
    ) -> None:
        self.name = name
        self.namespace = name
        self.emulator = emulator
        self.figures = figures
        self.servers: list[RecordingProviderServer] = [
            start_provider_server(emulator, poll_interval=poll_interval)
        ]
        self.deployment = Deployment(self.server)

    @property
    def server(self) -> RecordingProviderServer:
        return self.servers[-1]

    def close(self) -> None:
        for server in self.servers:
            server.close()

    def stderr(self) -> str:
        return "".join(server.stderr_text() for server in self.servers)

    # --- programs ------------------------------------------------------------------------------

    def inputs(self, slot: int, generation: int, phase: str) -> dict[str, Any]:
        """Slot inputs per phase: even slots autonamed, odd slots named; the region changes on replace."""
        declared: dict[str, Any] = {
            **BASE_INPUTS,
            "namespace": self.namespace,
            "env": {"GEN": str(generation)},
        }
        if slot % 2:
            declared["name"] = f"s{slot}-g{generation}"
        if phase in ("update", "replace", "refresh"):
            declared.update(scale_to_zero_timeout=30, max_replica=2)
        if phase in ("replace", "refresh"):
            declared["region"] = "eu-west-1"
        return declared

    def goals(self, endpoints: dict[str, dict[str, Any]]) -> list[RegisteredResource]:
        def program() -> None:
            for resource_name, declared in endpoints.items():
                InferenceEndpoint(resource_name, **declared)

        # The SDK's mocks are process-wide: one program runs at a time.
        with _PROGRAM_LOCK:
            return program_goals(self.emulator, program)

    def phase_goals(self, generation: int, phase: str) -> list[RegisteredResource]:
        if phase == "delete":
            return self.goals({})
        return self.goals({f"slot{slot}": self.inputs(slot, generation, phase) for slot in range(SLOTS)})

    # --- running -------------------------------------------------------------------------------

    def up(self, resources: list[RegisteredResource]) -> None:
        """`pulumi up` until it succeeds (as a pipeline retries), checking for leaks after each run."""
        for run in range(MAX_RUNS):
            with self.figures.lock:
                self.figures.runs += 1
                self.figures.reruns += bool(run)
            try:
                self.deployment.up(resources)
            except DeploymentError as error:
                with self.figures.lock:
                    for step in error.plan.steps:
                        if not step.ok:
                            self.figures.failures[_reason(step.error or "check failure")] += 1
                self.account(settled=False)
                continue
            self.account(settled=True)
            return
        pytest.fail(f"{self.name}: `up` still failing after {MAX_RUNS} runs")

    def account(self, *, settled: bool) -> None:
        """Compare the emulator with the state: a leak never, a loss not once a run has succeeded."""
        live = set(self.emulator.app.endpoint_ids(self.namespace))
        known = {resource.id for resource in self.deployment.state.values()}
        leaked, lost = live - known, known - live
        with self.figures.lock:
            self.figures.leaks += len(leaked)
            if settled:
                self.figures.lost += len(lost)
        assert not leaked, f"{self.name}: endpoints no state knows about: {sorted(leaked)}"
        if settled:
            assert not lost, f"{self.name}: endpoints in state that no longer exist: {sorted(lost)}"

    def refresh(self) -> None:
        results = self.deployment.refresh()
        assert all(result.op is not StepOp.DELETE for result in results.values()), "refresh lost an endpoint"
        self.account(settled=True)

    def lifecycles(self) -> None:
        for generation in range(GENERATIONS):
            for phase in ("create", "update", "replace"):
                self.up(self.phase_goals(generation, phase))
            self.refresh()
            plan = self.deployment.preview(self.phase_goals(generation, "refresh"))
            assert set(plan.ops().values()) == {StepOp.SAME}, plan.render()
            self.up(self.phase_goals(generation, "delete"))
            with self.figures.lock:
                self.figures.lifecycles += SLOTS

    def kill_mid_create_and_retry(self) -> None:
        """SIGKILL the provider server while a create waits; the same Create on a fresh server adopts."""
        victim = {**BASE_INPUTS, "namespace": self.namespace, "name": "victim"}
        resources = self.goals({"victim": victim})
        urn = make_urn(TYPE, "victim", project="contract", stack="dev")
        outcome: dict[str, BaseException] = {}

        def run() -> None:
            try:
                self.deployment.up(resources)
            except BaseException as exc:  # surfaced below
                outcome["error"] = exc

        thread = threading.Thread(target=run)
        thread.start()
        _until(lambda: f"{self.namespace}/victim" in self.emulator.app.endpoint_ids(self.namespace))
        self.server.kill()
        thread.join()
        error = outcome.get("error")
        assert isinstance(error, DeploymentError), error
        assert self.deployment.state == {}  # the engine keeps nothing of a create that failed
        inputs = error.plan.step(urn).new_inputs
        assert inputs is not None

        fresh = start_provider_server(self.emulator)
        self.servers.append(fresh)
        created = fresh.create(urn, inputs)

        assert created.id == f"{self.namespace}/victim"
        assert self.emulator.app.endpoint_ids(self.namespace) == [created.id]
        self.deployment = Deployment(
            fresh, state=[ResourceState(urn, TYPE, created.id, inputs, created.outs)]
        )
        self.account(settled=True)
        self.up(self.goals({}))
        with self.figures.lock:
            self.figures.kills += 1
            self.figures.recovered += 1


def _reason(text: str) -> str:
    """The first line of a provider error, without the traceback, for counting failures by kind."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    for line in reversed(lines):
        if "Error" in line or "error" in line:
            return line[:120]
    return lines[-1][:120] if lines else "unknown"


def _until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        time.sleep(0.02)


def test_lifecycles_under_faults_leak_nothing_and_lose_nothing(
    request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]
) -> None:
    started = time.monotonic()
    figures = Figures()
    # Each stack deploys to an organisation of its own, which the emulator must know as the user's.
    with EmulatorServer(token=TOKEN, provision_seconds=(0.1, 0.6), seed=11, orgs=STACKS) as emulator:
        # The first stack's first server is killed mid-create: at the default cadence its create is
        # surely still waiting when the kill lands. Every other server polls at the tier's cadence.
        stacks = [
            Stack(name, emulator, figures, poll_interval=None if index == 0 else POLL_INTERVAL)
            for index, name in enumerate(STACKS)
        ]
        try:
            # The kill comes first, before faults, so that exactly the create is interrupted.
            stacks[0].kill_mid_create_and_retry()
            for kind, options in FAULTS:
                emulator.app.add_fault(kind, **options)
            errors: list[BaseException] = []

            def soak(stack: Stack) -> None:
                try:
                    stack.lifecycles()
                except BaseException as exc:  # surfaced in the main thread
                    errors.append(exc)

            threads = [threading.Thread(target=soak, args=(stack,)) for stack in stacks]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            if errors:
                raise errors[0]
            fired = Counter[str]()
            for rule in emulator.app.faults.rules():
                fired[rule.kind + ("-after" if rule.after else "")] += rule.fired
            stderr = "".join(stack.stderr() for stack in stacks)
            retries = len(RETRY_LINE.findall(stderr)) + sum(map(int, RETRY_SUMMARY.findall(stderr)))
            remaining = emulator.app.endpoint_ids()
            served = emulator.app.request_counts()["total"]
        finally:
            for stack in stacks:
                stack.close()
    elapsed = time.monotonic() - started
    injected = sum(count for kind, count in fired.items() if kind != "latency")

    with capsys.disabled():
        print(
            f"\nfault soak: {figures.lifecycles} lifecycles over {len(STACKS)} stacks in {elapsed:.0f} s; "
            f"{served} API requests; faults injected {injected} "
            f"({', '.join(f'{kind} {count}' for kind, count in sorted(fired.items()))}); "
            f"retries {retries}; `up` runs {figures.runs} ({figures.reruns} reruns after a failed step); "
            f"provider servers killed mid-create {figures.kills}, endpoints taken over after it "
            f"{figures.recovered}; leaks found {figures.leaks}, endpoints lost {figures.lost}; "
            f"left on the emulator {len(remaining)}"
        )
        for reason, count in figures.failures.most_common():
            print(f"  failed step x{count}: {reason}")

    assert figures.lifecycles == len(STACKS) * SLOTS * GENERATIONS
    assert figures.kills == 1 and figures.recovered == 1
    assert figures.leaks == 0 and figures.lost == 0
    assert remaining == []
    # The faults were real: every kind fired, at a meaningful rate, and the provider retried through them.
    assert set(fired) == {"rate_limit", "server_error", "server_error-after", "drop", "drop-after", "latency"}
    assert all(count > 0 for count in fired.values()), fired
    assert injected >= served * 0.08, (injected, served)
    assert retries >= injected // 2, (retries, injected)
