"""Run-time settings of the emulator: timings and the switches for behaviours the reference is unsure of.

Each switch picks one answer of the real service where the reference grades the evidence [O] or
[I] (or [D] but old), so a client can be tested against either answer. Defaults follow the
reference; the grade behind each default is in the field's comment and in the README.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass
from typing import Any, Literal, get_args

ProvisionTime = float | tuple[float, float]

TypeUpdate = Literal["in_place", "refuse"]
AcceleratorSwitch = Literal["refuse", "allow"]
RevisionReadback = Literal["sha", "as_sent"]
FailedUpdate = Literal["refuse", "allow"]
StaleTimeout = Literal["refuse", "clear"]
RouteUpdate = Literal["merge", "replace"]
WhileUpdating = Literal["accept", "conflict"]
CacheHttpResponses = Literal["top_level", "experimental"]
UnknownNamespaces = Literal["refuse", "allow"]
PausedUpdate = Literal["keep", "redeploy", "refuse"]
PauseWhileDeploying = Literal["accept", "refuse"]

CHOICES: dict[str, tuple[Any, ...]] = {
    "create_status": (200, 202),
    "type_update": get_args(TypeUpdate),
    "accelerator_switch": get_args(AcceleratorSwitch),
    "revision_readback": get_args(RevisionReadback),
    "failed_update": get_args(FailedUpdate),
    "stale_timeout": get_args(StaleTimeout),
    "route_update": get_args(RouteUpdate),
    "while_updating": get_args(WhileUpdating),
    "cache_http_responses": get_args(CacheHttpResponses),
    "unknown_namespaces": get_args(UnknownNamespaces),
    "paused_update": get_args(PausedUpdate),
    "pause_while_deploying": get_args(PauseWhileDeploying),
}
"""The values each setting with a fixed set of them accepts, in order."""


@dataclass
class Settings:
    """Everything about the emulator's behaviour that can change while it runs.

    Attributes:
        provision_seconds: How long a create, resume, wake-up or update takes: a fixed number of
            seconds, or a `(low, high)` range from which each operation draws, seeded.
        minute_seconds: How long one emulated minute of idleness lasts, for `scaleToZeroTimeout`.
            60 is real time; 0.1 makes a 15-minute timeout elapse in 1.5 s.
        create_status: 200 (current API and spec docs, [D]) or 202 (2022 API reference, [D] old).
        name_release_seconds: After a delete, how long the name stays taken. The endpoint is gone
            at once (GET 404, absent from the list) but create with its name answers 409 until
            then. 0 (default) frees it at once ([I]: the state enum has no `deleting`, [D]).
        type_update: Whether PUT may change `type` ("in_place", [O] third-party clients send it)
            or answers 400 ("refuse").
        accelerator_switch: Whether PUT may switch `compute.accelerator` between cpu and gpu.
            Default "refuse" with a 400 ([D] 2023 docs: "There is no ability to update from one
            instance type to another (CPU to GPU or vice versa)"); "allow" for a newer service.
        revision_readback: "sha" resolves `model.revision` to a 40-hex commit ([D] examples);
            "as_sent" reads back what was sent (null stays null).
        failed_update: Whether PUT on a `failed` endpoint answers 400 ("refuse", [D] 2023 docs:
            "if your endpoint is in a failed state, you need to create a new Endpoint") or
            redeploys it ("allow").
        stale_timeout: What a PUT raising `minReplica` to >= 1 does to a stored
            `scaleToZeroTimeout` it does not mention ([I], reference §5 calls it unknown):
            "clear" (default) drops it, so huggingface_hub's `update_inference_endpoint(name,
            min_replica=1)` works (that client cannot send `null`); "refuse" answers 400 (send
            `"scaleToZeroTimeout": null` explicitly).
        route_update: Whether a PUT's `route` is merged key by key into the stored one ("merge",
            default: huggingface_hub sends a partial `route`, a hint of merging, [I]) or replaces
            it whole ("replace").
        while_updating: Whether a PUT or DELETE on an endpoint in `updating` is accepted
            ("accept", default) or answered 409 `Conflict: Endpoint is being updated` ("conflict")
            ([I] unknown either way).
        cache_http_responses: Where the endpoint keeps `cacheHttpResponses`: "top_level" (default,
            the 2023 spec and what huggingface_hub 2.x sends) or "experimental" (the recent spec:
            a top-level key is dropped like any unknown key and never read back, and
            `experimentalFeatures.cacheHttpResponses` is for admins only, so it is dropped too).
        unknown_namespaces: Whether a namespace that is neither the whoami user's, one of its
            organisations, nor set up with `set_namespace` is refused with 403 ("refuse",
            default, as the service does) or works like the user's own ("allow").
        update_lag_seconds: How long after an accepted PUT the endpoint keeps reporting its previous
            state and `updatedAt` before it shows `updating` (reference §5: right after a PUT it
            "may briefly still report `running`", [D/I]). The new configuration reads back at
            once. 0 (default) shows `updating` at once; a very large value models a change that
            never shows a transition.
        paused_update: What a PUT does to a paused endpoint ([I], undocumented): "keep" (default)
            stores the new configuration for the next resume and stays paused; "redeploy" applies
            it with an update (`updating` -> `running`), waking the endpoint; "refuse" answers 400
            `Bad Request: Endpoint is paused` and changes nothing.
        pause_while_deploying: Whether pause is accepted while a deployment is under way (`pending`,
            `initializing`, `updating`): "accept" (default) pauses at once; "refuse" answers 400
            `Bad Request: Endpoint is being deployed` ([I], undocumented either way).
        list_page_size: The page size of the list route when the request gives no `limit`.
            None (default) returns every endpoint in one page, because huggingface_hub ignores
            `nextCursor` ([D] `hf_api.py`); 20 mimics the "default: 20" of the newer spec ([D?]).
    """

    provision_seconds: ProvisionTime = 3.0
    minute_seconds: float = 60.0
    create_status: int = 200
    name_release_seconds: float = 0.0
    update_lag_seconds: float = 0.0
    type_update: TypeUpdate = "in_place"
    accelerator_switch: AcceleratorSwitch = "refuse"
    revision_readback: RevisionReadback = "sha"
    failed_update: FailedUpdate = "refuse"
    stale_timeout: StaleTimeout = "clear"
    list_page_size: int | None = None
    route_update: RouteUpdate = "merge"
    while_updating: WhileUpdating = "accept"
    cache_http_responses: CacheHttpResponses = "top_level"
    unknown_namespaces: UnknownNamespaces = "refuse"
    paused_update: PausedUpdate = "keep"
    pause_while_deploying: PauseWhileDeploying = "accept"

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Raise ValueError naming the first setting whose value is not allowed."""
        for name, choices in CHOICES.items():
            if getattr(self, name) not in choices:
                raise ValueError(f"{name} must be one of {choices}, not {getattr(self, name)!r}")
        low, high = _bounds(self.provision_seconds)
        if low < 0 or high < low:
            raise ValueError(
                f"provision_seconds must be >= 0 (or a range low..high), not {self.provision_seconds!r}"
            )
        if self.minute_seconds <= 0:
            raise ValueError(f"minute_seconds must be > 0, not {self.minute_seconds!r}")
        if self.name_release_seconds < 0:
            raise ValueError(f"name_release_seconds must be >= 0, not {self.name_release_seconds!r}")
        if self.update_lag_seconds < 0:
            raise ValueError(f"update_lag_seconds must be >= 0, not {self.update_lag_seconds!r}")
        if self.list_page_size is not None and self.list_page_size < 1:
            raise ValueError(f"list_page_size must be >= 1 or None, not {self.list_page_size!r}")

    def replace(self, **changes: Any) -> Settings:
        """A copy with `changes` applied, validated. Unknown names raise TypeError."""
        if isinstance(changes.get("provision_seconds"), list):
            changes["provision_seconds"] = tuple(changes["provision_seconds"])
        return dataclasses.replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        """The settings as JSON, as the control route `GET /_emulator/settings` shows them."""
        data = dataclasses.asdict(self)
        if isinstance(self.provision_seconds, tuple):
            data["provision_seconds"] = list(self.provision_seconds)
        return data

    def draw_provision_seconds(self, rng: random.Random) -> float:
        """One operation's duration: the fixed value, or a draw from the range."""
        low, high = _bounds(self.provision_seconds)
        return low if low == high else rng.uniform(low, high)


def _bounds(value: ProvisionTime) -> tuple[float, float]:
    if isinstance(value, tuple):
        return float(value[0]), float(value[1])
    return float(value), float(value)


def parse_provision_seconds(text: str) -> ProvisionTime:
    """Parse `--provision-seconds`: `S` or a range `LOW..HIGH`.

    Raises:
        ValueError: if the text is neither.
    """
    if ".." in text:
        low, _, high = text.partition("..")
        return float(low), float(high)
    return float(text)
