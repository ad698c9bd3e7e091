"""The engine's steps for one resource, played through `InferenceEndpointProvider` against the
in-process emulator: check, diff, then update, or a replacement that honours
`delete_before_replace`; refresh; destroy. Used by the scaling matrix and the model-based test.
Every value reaches the provider as the engine sends it, whole numbers as doubles.

The emulator's clock moves only with the provider's sleeps (see `provider_fakes.EmulatedProvider`),
so provisioning and polling cost no wall time.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from provider_fakes import EmulatedProvider, stack_config

from pulumi_huggingface_emulator import EmulatorApp

TOKEN = "hf_engine_steps_token"
USER = "emulator-user"
CONFIG = {**stack_config(TOKEN), "huggingface:pollInterval": "0.5"}
_WRITES = ("POST", "PUT", "DELETE")


def wire(value: Any) -> Any:
    """`value` as the engine hands it to a provider: every number a double (protobuf's Value)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return float(value)
    if isinstance(value, dict):
        return {key: wire(item) for key, item in value.items()}
    if isinstance(value, list):
        return [wire(item) for item in value]
    return value


class CheckRefused(Exception):
    """`check` refused the declaration; `failures` holds its (property, reason) pairs."""

    def __init__(self, failures: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{prop}: {reason}" for prop, reason in failures))
        self.failures = failures


@dataclass
class Step:
    """What one `apply` did.

    Attributes:
        op: "create", "update", "replace" or "same".
        replaces: The inputs the diff named as forcing a replacement.
        delete_before_replace: What the diff asked for.
        writes: Requests that change the API, by "METHOD route template".
        deleted: Ids of endpoints deleted during the step.
    """

    op: str
    replaces: list[str] = field(default_factory=list)
    delete_before_replace: bool = False
    writes: Counter[str] = field(default_factory=Counter)
    deleted: list[str] = field(default_factory=list)


class EngineStack:
    """One resource's state across runs, as the engine keeps it: inputs, outputs and id.

    Args:
        app: The emulator.
    """

    def __init__(self, app: EmulatorApp) -> None:
        self.app = app
        emulated = EmulatedProvider(app)
        emulated.configure_stack(CONFIG)
        self.emulated = emulated
        self.provider = emulated.provider
        self.id = ""
        self.inputs: dict[str, Any] = {}
        self.outs: dict[str, Any] = {}

    def check(self, program: dict[str, Any], olds: dict[str, Any] | None = None) -> dict[str, Any]:
        """Run check as the engine does; raise `CheckRefused` when it fails."""
        result = self.provider.check(wire(self.inputs if olds is None else olds), wire(program))
        if result.failures:
            raise CheckRefused([(f.property, f.reason) for f in result.failures])
        return dict(result.inputs)

    def apply(self, program: dict[str, Any]) -> Step:
        """`pulumi up` of one declaration: create, update in place, or replace.

        Raises:
            CheckRefused: check refused the declaration; nothing was sent.
        """
        checked = self.check(program)
        before = self._writes()
        ids_before = set(self.app.endpoint_ids())
        if not self.id:
            step = Step("create")
            self._create(checked)
        else:
            diff = self.provider.diff(self.id, wire(self.outs), wire(checked))
            if not diff.changes:
                # The engine keeps the outputs and records the new inputs.
                step = Step("same")
                self.inputs = checked
            elif diff.replaces:
                step = Step("replace", list(diff.replaces), bool(diff.delete_before_replace))
                # The engine checks a replacement afresh, without the old inputs.
                fresh = self.check(program, olds={})
                old_id, old_outs = self.id, dict(self.outs)
                if diff.delete_before_replace:
                    self.provider.delete(old_id, wire(old_outs))
                    self._create(fresh)
                else:
                    self._create(fresh)
                    self.provider.delete(old_id, wire(old_outs))
            else:
                step = Step("update")
                result = self.provider.update(self.id, wire(self.outs), wire(checked))
                self.inputs, self.outs = checked, dict(result.outs or {})
        step.writes = self._writes() - before
        step.deleted = sorted(ids_before - set(self.app.endpoint_ids()))
        return step

    def _create(self, checked: dict[str, Any]) -> None:
        result = self.provider.create(wire(checked))
        self.id, self.inputs, self.outs = result.id, checked, dict(result.outs or {})

    def refresh(self) -> None:
        """`pulumi refresh`: read the endpoint and keep the outputs and inputs it returns."""
        result = self.provider.read(self.id, wire(self.outs))
        assert result.id == self.id, f"refresh lost {self.id}"
        self.outs = dict(result.outs or {})
        if result.inputs is not None:
            self.inputs = dict(result.inputs)

    def pending_diff(self, program: dict[str, Any]) -> Any:
        """The diff the next `pulumi preview` would show for `program`."""
        return self.provider.diff(self.id, wire(self.outs), wire(self.check(program)))

    def destroy(self) -> None:
        """`pulumi destroy`."""
        if self.id:
            self.provider.delete(self.id, wire(self.outs))
            self.id, self.inputs, self.outs = "", {}, {}

    def config(self) -> dict[str, Any]:
        """What the API holds for the stack's endpoint (the emulator's stored configuration)."""
        namespace, _, name = self.id.partition("/")
        view = self.app.inspect(namespace, name)
        assert view is not None, f"{self.id} is not on the emulator"
        config: dict[str, Any] = view["config"]
        return config

    def state(self) -> str:
        """The endpoint's state on the emulator."""
        namespace, _, name = self.id.partition("/")
        view = self.app.inspect(namespace, name)
        assert view is not None
        return str(view["state"])

    def _writes(self) -> Counter[str]:
        routes = self.app.request_counts()["byRoute"]
        return Counter({route: n for route, n in routes.items() if route.split(" ", 1)[0] in _WRITES})
