"""A small deployment engine: Pulumi's step logic over a `ProviderServer`, with state kept between runs.

It decides steps as the engine's step generator does for dynamic resources:

* Check(olds = the inputs in state, news = the program's inputs) for every resource; any failure
  fails the resource before a create, update or delete is attempted.
* A resource not in state is created. One in state is diffed: Diff(olds = the *outputs* in state,
  news = the checked inputs). DIFF_NONE keeps it (the checked inputs are stored); changes without
  replaces update it in place (the outputs returned replace the stored ones); changes with replaces
  replace it, after Check runs again without the old inputs so that defaults such as autonames are
  chosen afresh for the new resource: delete-before-replace when the provider or the resource
  option asks for it, otherwise the replacement is created first and the old resource deleted
  after every other step. DIFF_UNKNOWN (None) makes the engine compare the old and new inputs
  itself and update in place, never replace.
* Resources in state but no longer in the program are deleted, dependents first.
* A preview runs Check and Diff only: the SDK's provider server does not support provider
  previews, so the engine never calls Create/Update/Delete then.
* Refresh reads every resource with its stored outputs and inputs; id "" drops it from state.

Independent resources run concurrently (up to `max_parallel`, 64 by default, as `pulumi up
--parallel` is effectively unbounded), each waiting for the resources it depends on; the provider
server's own thread pool limits what runs at once inside the plugin. Not modelled: aliases,
`replace_on_changes`, `protect`, `retain_on_delete`, targets, and the engine re-running the program
with real outputs (inputs come from one `run_program` call).
"""

from __future__ import annotations

import enum
import json
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, Protocol

from support._values import contains_unknowns, strip_secrets
from support.provider_server import (
    CheckFailure,
    DiffResponse,
    ProviderCallError,
    ProviderServer,
)


class Goal(Protocol):
    """What the program asks for, per resource (`RegisteredResource` is one)."""

    @property
    def urn(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def inputs(self) -> dict[str, Any]: ...
    @property
    def dependencies(self) -> list[str]: ...
    @property
    def delete_before_replace(self) -> bool: ...
    @property
    def ignore_changes(self) -> list[str]: ...


class StepOp(enum.Enum):
    """What a deployment does to one resource."""

    SAME = "same"
    CREATE = "create"
    UPDATE = "update"
    REPLACE = "replace"
    DELETE = "delete"


@dataclass
class ResourceState:
    """One resource as stored in state.

    Attributes:
        urn: URN.
        type: Type token.
        id: Provider-assigned id.
        inputs: Checked inputs (secrets in RPC form).
        outputs: Outputs (secrets in RPC form).
        dependencies: URNs of the resources it depends on.
    """

    urn: str
    type: str
    id: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    dependencies: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict."""
        return {
            "urn": self.urn,
            "type": self.type,
            "id": self.id,
            "inputs": self.inputs,
            "outputs": self.outputs,
            "dependencies": self.dependencies,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ResourceState:
        """Build from `to_json` output."""
        return cls(
            urn=data["urn"],
            type=data["type"],
            id=data["id"],
            inputs=dict(data["inputs"]),
            outputs=dict(data["outputs"]),
            dependencies=list(data.get("dependencies", [])),
        )


@dataclass
class Step:
    """One resource's step in a plan.

    Attributes:
        urn: URN.
        type: Type token.
        op: What is (or, in a preview, would be) done.
        id: The id before the step ("" for a create).
        new_id: The id after the step, once applied ("" in a preview or after a delete).
        old_inputs: Inputs in state before the step (None for a create).
        new_inputs: Checked inputs (None for a delete).
        replaces: Properties forcing a replacement.
        delete_before_replace: Whether the replacement deletes first.
        diff: The provider's answer, when Diff was called.
        failures: Check failures.
        error: The provider error text, when a call failed.
    """

    urn: str
    type: str
    op: StepOp
    id: str = ""
    new_id: str = ""
    old_inputs: dict[str, Any] | None = None
    new_inputs: dict[str, Any] | None = None
    replaces: list[str] = field(default_factory=list)
    delete_before_replace: bool = False
    diff: DiffResponse | None = None
    failures: list[CheckFailure] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the step had no check failure and no error."""
        return not self.failures and self.error is None


@dataclass
class Plan:
    """The steps of one preview, update or destroy, in program (then deletion) order.

    Attributes:
        steps: One per resource touched or kept.
        preview: Whether nothing was applied.
        calls: Every provider RPC made, in order, as (method, urn).
    """

    steps: list[Step]
    preview: bool
    calls: list[tuple[str, str]] = field(default_factory=list)
    _calls_lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def record(self, method: str, urn: str) -> None:
        """Append a provider call to `calls` (thread-safe)."""
        with self._calls_lock:
            self.calls.append((method, urn))

    def step(self, urn: str) -> Step:
        """Return the step of `urn`."""
        for step in self.steps:
            if step.urn == urn:
                return step
        raise KeyError(urn)

    def ops(self) -> dict[str, StepOp]:
        """Map each URN to its step's operation."""
        return {step.urn: step.op for step in self.steps}

    @property
    def ok(self) -> bool:
        """Whether every step succeeded."""
        return all(step.ok for step in self.steps)

    def render(self) -> str:
        """Render as `pulumi preview --diff` (or `pulumi up --diff`) shows it."""
        from support.render import render_plan

        return render_plan(self)


class DeploymentError(Exception):
    """A step failed; the plan (with what was done) is attached.

    Attributes:
        plan: The plan, including the failed steps.
    """

    def __init__(self, plan: Plan) -> None:
        failed = [s for s in plan.steps if not s.ok]
        lines = []
        for step in failed:
            if step.failures:
                reasons = "; ".join(f"{f.property}: {f.reason}" for f in step.failures)
                lines.append(f"{step.urn}: check failed: {reasons}")
            else:
                lines.append(f"{step.urn}: {step.error}")
        super().__init__("deployment failed:\n" + "\n".join(lines))
        self.plan = plan


@dataclass(frozen=True)
class RefreshResult:
    """What refresh found for one resource.

    Attributes:
        urn: URN.
        op: SAME (unchanged), UPDATE (outputs or inputs changed) or DELETE (gone: dropped from state).
        old_outputs: Outputs before.
        new_outputs: Outputs read (empty when gone).
        new_inputs: Inputs the provider returned, if any.
    """

    urn: str
    op: StepOp
    old_outputs: dict[str, Any]
    new_outputs: dict[str, Any]
    new_inputs: dict[str, Any] | None


def _run_graph(
    nodes: Sequence[str],
    waits_for: Mapping[str, Iterable[str]],
    run: Callable[[str], bool],
    max_parallel: int,
) -> set[str]:
    """Run `run(node)` for each node once all the nodes it waits for succeeded; return the failed ones.

    A node waiting on a failed node is skipped (and counted failed), as the engine skips the
    dependents of a failed step.
    """
    pending = list(nodes)
    blockers = {n: {w for w in waits_for.get(n, ()) if w in pending and w != n} for n in pending}
    done: set[str] = set()
    failed: set[str] = set()
    running: dict[Future[bool], str] = {}
    with ThreadPoolExecutor(max_workers=max_parallel, thread_name_prefix="deployment") as pool:
        while pending or running:
            for node in list(pending):
                if blockers[node] & failed:
                    pending.remove(node)
                    failed.add(node)
                elif blockers[node] <= done:
                    pending.remove(node)
                    running[pool.submit(run, node)] = node
            if not running:
                if pending:
                    raise ValueError(f"dependency cycle among {sorted(pending)}")
                continue
            finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for future in finished:
                node = running.pop(future)
                (done if future.result() else failed).add(node)
    return failed


class Deployment:
    """A stack's state and the step logic that moves it toward a program's goals.

    Args:
        server: A started, configured provider server.
        state: State to start from (see `to_json`).
        max_parallel: Resources processed at once.
    """

    def __init__(
        self, server: ProviderServer, *, state: Iterable[ResourceState] = (), max_parallel: int = 64
    ) -> None:
        self.server = server
        self.max_parallel = max_parallel
        self._state: dict[str, ResourceState] = {s.urn: s for s in state}
        self._lock = threading.Lock()

    @property
    def state(self) -> dict[str, ResourceState]:
        """The resources in state, by URN, in the order they were first created."""
        with self._lock:
            return dict(self._state)

    def to_json(self) -> str:
        """Serialise the state as JSON (secrets stay in the SDK's RPC form)."""
        return json.dumps([s.to_json() for s in self.state.values()], indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, server: ProviderServer, text: str, *, max_parallel: int = 64) -> Deployment:
        """Rebuild a deployment from `to_json` output."""
        return cls(
            server, state=[ResourceState.from_json(d) for d in json.loads(text)], max_parallel=max_parallel
        )

    def preview(self, resources: Sequence[Goal]) -> Plan:
        """Compute the plan without applying it (Check and Diff only)."""
        return self._deploy(resources, preview=True)

    def up(self, resources: Sequence[Goal]) -> Plan:
        """Apply the program's goals.

        Raises:
            DeploymentError: A check failed or a provider call failed; steps that succeeded are in
                state, as with `pulumi up`.
        """
        plan = self._deploy(resources, preview=False)
        if not plan.ok:
            raise DeploymentError(plan)
        return plan

    def destroy(self) -> Plan:
        """Delete every resource, dependents first.

        Raises:
            DeploymentError: A delete failed; that resource (and what it depends on) stays in state.
        """
        plan = Plan(steps=[], preview=False)
        self._delete_phase(list(self.state.values()), plan, preview=False)
        if not plan.ok:
            raise DeploymentError(plan)
        return plan

    def refresh(self) -> dict[str, RefreshResult]:
        """Read every resource back from the provider and update state.

        Returns:
            One result per resource, in state order; resources whose Read returned id "" are
            dropped from state.

        Raises:
            ProviderCallError: A Read failed (the first failure; other resources were refreshed).
        """
        order = list(self.state)
        results: dict[str, RefreshResult] = {}
        errors: list[ProviderCallError] = []

        def read(urn: str) -> bool:
            old = self.state[urn]
            try:
                response = self.server.read(urn, old.id, old.outputs, old.inputs)
            except ProviderCallError as error:
                with self._lock:
                    errors.append(error)
                return False
            with self._lock:
                if response.id == "":
                    del self._state[urn]
                    op = StepOp.DELETE
                else:
                    changed = strip_secrets(response.outs) != strip_secrets(old.outputs) or (
                        response.inputs is not None
                        and strip_secrets(response.inputs) != strip_secrets(old.inputs)
                    )
                    op = StepOp.UPDATE if changed else StepOp.SAME
                    self._state[urn] = ResourceState(
                        urn,
                        old.type,
                        response.id,
                        response.inputs if response.inputs is not None else old.inputs,
                        response.outs,
                        old.dependencies,
                    )
                results[urn] = RefreshResult(urn, op, old.outputs, response.outs, response.inputs)
            return True

        _run_graph(order, {}, read, self.max_parallel)
        if errors:
            raise errors[0]
        return {urn: results[urn] for urn in order if urn in results}

    # Step logic ------------------------------------------------------------------------------

    def _deploy(self, resources: Sequence[Goal], *, preview: bool) -> Plan:
        goals = {g.urn: g for g in resources}
        if len(goals) != len(resources):
            raise ValueError("duplicate URNs in the program's resources")
        steps = {urn: Step(urn=urn, type=g.type, op=StepOp.SAME) for urn, g in goals.items()}
        plan = Plan(steps=[steps[g.urn] for g in resources], preview=preview)
        replaced: list[ResourceState] = []
        replaced_lock = threading.Lock()
        record = plan.record

        def step(urn: str) -> bool:
            goal, this = goals[urn], steps[urn]
            old = self.state.get(urn)
            try:
                record("Check", urn)
                checked = self.server.check(urn, old.inputs if old else {}, goal.inputs, preview=preview)
                this.new_inputs = checked.inputs
                if checked.failures:
                    this.failures = checked.failures
                    this.op = StepOp.CREATE if old is None else StepOp.SAME
                    return False
                if old is None:
                    this.op = StepOp.CREATE
                    if not preview:
                        record("Create", urn)
                        created = self.server.create(urn, checked.inputs)
                        if not created.id:
                            this.error = f"plugin returned empty resource.ID from create '{urn}'"
                            return False
                        this.new_id = created.id
                        self._put(
                            ResourceState(
                                urn,
                                goal.type,
                                created.id,
                                checked.inputs,
                                created.outs,
                                list(goal.dependencies),
                            )
                        )
                    return True
                this.id, this.old_inputs = old.id, old.inputs
                if not preview:
                    this.new_id = old.id
                record("Diff", urn)
                diff = self.server.diff(
                    urn,
                    old.id,
                    old.outputs,
                    checked.inputs,
                    old_inputs=old.inputs,
                    ignore_changes=goal.ignore_changes,
                    preview=preview,
                )
                this.diff = diff
                changes = diff.changes
                if changes is None:
                    # DIFF_UNKNOWN: the engine diffs the inputs itself and never replaces.
                    changes = contains_unknowns(checked.inputs) or strip_secrets(old.inputs) != strip_secrets(
                        checked.inputs
                    )
                    diff = DiffResponse(changes=changes)
                if not changes:
                    this.op = StepOp.SAME
                    if not preview:
                        self._put(
                            ResourceState(
                                urn, goal.type, old.id, checked.inputs, old.outputs, list(goal.dependencies)
                            )
                        )
                    return True
                if not diff.replaces:
                    this.op = StepOp.UPDATE
                    if not preview:
                        record("Update", urn)
                        outs = self.server.update(
                            urn,
                            old.id,
                            old.outputs,
                            checked.inputs,
                            old_inputs=old.inputs,
                            ignore_changes=goal.ignore_changes,
                        )
                        self._put(
                            ResourceState(
                                urn, goal.type, old.id, checked.inputs, outs, list(goal.dependencies)
                            )
                        )
                    return True
                this.op = StepOp.REPLACE
                this.replaces = list(diff.replaces)
                this.delete_before_replace = diff.delete_before_replace or goal.delete_before_replace
                # As the engine's step generator does: a replacement re-runs Check without the old
                # inputs, so defaults such as autonames are chosen afresh for the new resource.
                record("Check", urn)
                checked = self.server.check(urn, {}, goal.inputs, preview=preview)
                this.new_inputs = checked.inputs
                if checked.failures:
                    this.failures = checked.failures
                    return False
                if preview:
                    return True
                if this.delete_before_replace:
                    record("Delete", urn)
                    self.server.delete(urn, old.id, old.outputs, old_inputs=old.inputs)
                    with self._lock:
                        del self._state[urn]
                record("Create", urn)
                created = self.server.create(urn, checked.inputs)
                if not created.id:
                    this.error = f"plugin returned empty resource.ID from create '{urn}'"
                    return False
                this.new_id = created.id
                if not this.delete_before_replace:
                    with replaced_lock:
                        replaced.append(old)
                self._put(
                    ResourceState(
                        urn, goal.type, created.id, checked.inputs, created.outs, list(goal.dependencies)
                    )
                )
                return True
            except ProviderCallError as error:
                this.error = error.details
                return False

        _run_graph(list(goals), {urn: g.dependencies for urn, g in goals.items()}, step, self.max_parallel)

        if plan.ok:
            removed = [s for urn, s in self.state.items() if urn not in goals]
            self._delete_phase(removed, plan, preview=preview)
            self._delete_replaced(replaced, plan)
        return plan

    def _put(self, resource: ResourceState) -> None:
        with self._lock:
            self._state[resource.urn] = resource

    def _delete_phase(
        self,
        doomed: list[ResourceState],
        plan: Plan,
        *,
        preview: bool,
    ) -> None:
        by_urn = {s.urn: s for s in doomed}
        steps = {
            s.urn: Step(urn=s.urn, type=s.type, op=StepOp.DELETE, id=s.id, old_inputs=s.inputs)
            for s in doomed
        }
        # Reverse order: a resource is deleted once everything that depends on it is gone.
        dependents: dict[str, set[str]] = {urn: set() for urn in by_urn}
        for s in doomed:
            for dependency in s.dependencies:
                if dependency in dependents:
                    dependents[dependency].add(s.urn)

        def delete(urn: str) -> bool:
            if preview:
                return True
            old = by_urn[urn]
            try:
                plan.record("Delete", urn)
                self.server.delete(urn, old.id, old.outputs, old_inputs=old.inputs)
            except ProviderCallError as error:
                steps[urn].error = error.details
                return False
            with self._lock:
                self._state.pop(urn, None)
            return True

        _run_graph(list(by_urn), dependents, delete, self.max_parallel)
        plan.steps.extend(steps[s.urn] for s in reversed(doomed))

    def _delete_replaced(self, replaced: list[ResourceState], plan: Plan) -> None:
        # Create-before-delete: the old resources go last, after every other step, as in the engine.
        for old in reversed(replaced):
            plan.record("Delete", old.urn)
            try:
                self.server.delete(old.urn, old.id, old.outputs, old_inputs=old.inputs)
            except ProviderCallError as error:
                plan.step(old.urn).error = f"deleting the replaced resource {old.id}: {error.details}"
