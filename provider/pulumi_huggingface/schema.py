"""Every input and output of `InferenceEndpoint`, declared once.

`FIELDS` is the one table that says, for each input: its Python name, where it lives in the API's
JSON, its type, whether a change updates the endpoint in place or replaces it (and why), what
removing it from the program does, whether it is secret, and what it means; and, where the input
needs its own, how it is encoded, decoded and normalised and which rules check applies to its value.
`GROUPS`, beside it, declares the inputs the API can only change together, and how a group with one
composite value (the image, the scaling measure) is built and read. `OUTPUTS` does the same for what
the API reports. Everything else is driven by these tables, with no case for a particular input:

* `create_payload` and `update_payload` build the request bodies (the only code that writes
  camelCase keys);
* `live_inputs` and `status_outputs` read an endpoint's JSON back into Python names (the only code
  that reads them);
* `changed_fields` decides what a diff is, `reconcile` tells server normalisation from drift;
* `pulumi_huggingface.validation` applies each input's rules (`Field.check`) and those between inputs;
* `pulumi_huggingface.reference` renders the tables as the README's resource reference.

This module imports nothing from Pulumi: values that are still unknown during a preview are
recognised by `is_unknown`, which the provider wires to `pulumi.output.Unknown`.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

# The ownership tags are declared in `lifecycle.ownership`; the names stay importable from here.
from pulumi_huggingface.lifecycle.ownership import (
    IDENTITY_TAG_PREFIX,
    INTERNAL_CREATION_TOKEN,
    INTERNAL_RESOURCE_IDENTITY,
    OWNER_TAG_PREFIX,
    RESERVED_TAG_PREFIXES,
    hidden_tags,
    identity_tag,
    identity_tags,
    is_reserved_tag,
    owner_tag,
    owner_tags,
)

__all__ = [
    "DEFAULT_TIMEOUTS",
    "DESIRED_STATES",
    "FIELDS",
    "FIELDS_BY_NAME",
    "GROUPS",
    "GROUPS_BY_NAME",
    "IDENTITY_TAG_PREFIX",
    "INTERNAL_CREATION_TOKEN",
    "INTERNAL_DEFAULTS",
    "INTERNAL_DEFAULTS_VERSION",
    "INTERNAL_RESOURCE_IDENTITY",
    "INTERNAL_RESOURCE_NAME",
    "MAX_NAME_LENGTH",
    "OUTPUTS",
    "OWNER_TAG_PREFIX",
    "RESERVED_TAG_PREFIXES",
    "Field",
    "Group",
    "Kind",
    "Mutability",
    "OutputField",
    "Readback",
    "Removal",
    "changed_fields",
    "contains_unknown",
    "create_payload",
    "effective",
    "encode_image",
    "endpoint_status",
    "group_of",
    "hidden_tags",
    "identity_tag",
    "identity_tags",
    "is_internal",
    "is_reserved_tag",
    "live_inputs",
    "observed_desired_state",
    "owner_tag",
    "owner_tags",
    "parse_duration",
    "reconcile",
    "settled_states",
    "status_outputs",
    "update_payload",
]

# Inputs the provider sets for itself. Like Pulumi's bridged providers, `__defaults` lists the
# inputs check filled in (the autoname), so a later run keeps them; `__resource_name` carries the
# Pulumi resource name, which the engine never hands to a dynamic provider. Neither counts in a diff.
INTERNAL_DEFAULTS: Final = "__defaults"
# Check writes this beside `__defaults` since `__defaults` also records an undeclared namespace.
# State written before (release 0.1.0) lacks it: there `__defaults` says nothing about the
# namespace, so the first diff after an upgrade takes the namespace's declaration as unchanged
# instead of previewing an update that sends nothing.
INTERNAL_DEFAULTS_VERSION: Final = "__defaults_version"
DEFAULTS_VERSION: Final = 2
INTERNAL_RESOURCE_NAME: Final = "__resource_name"

DEFAULT_TIMEOUTS: Final[Mapping[str, str]] = {"create": "30m", "update": "30m", "delete": "15m"}

# The operational states a program can declare (`desired_state`), spelled as the API's
# `status.state` spells them, so the value a user writes is the value the API and its UI show.
RUNNING: Final = "running"
PAUSED: Final = "paused"
SCALED_TO_ZERO: Final = "scaledToZero"
DESIRED_STATES: Final = (RUNNING, PAUSED, SCALED_TO_ZERO)
# Live states on the way to (or at) `running`: a create, an update, a resume, a wake-up on traffic.
_SERVING_STATES: Final = frozenset({"pending", "initializing", "updating", RUNNING})


class Kind(enum.Enum):
    """The type of an input's value."""

    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    STRING_LIST = "list[string]"
    STRING_MAP = "map[string, string]"
    OBJECT = "object"


class Mutability(enum.Enum):
    """What a change of the input does to the endpoint."""

    IN_PLACE = "in place"
    REPLACE = "replaces"
    PROVIDER = "provider only"


class Removal(enum.Enum):
    """What removing the input from the program does.

    REQUIRED inputs cannot be removed; CLEAR sends the field's empty value; KEEP leaves the server's
    value alone; DEFAULT returns the field to its default.
    """

    REQUIRED = "required"
    CLEAR = "clear"
    KEEP = "keep"
    DEFAULT = "default"


class Readback(enum.Enum):
    """How far the live endpoint tells the input's current value.

    EXACT: the API returns it (possibly normalised, see `Field.matches`). NEVER: the API never
    returns it in full (secrets, registry credentials), so the declared value stands. IF_PRESENT:
    the API returns it only sometimes, so an absent value is not evidence of drift.
    """

    EXACT = "exact"
    NEVER = "never"
    IF_PRESENT = "if present"


Matcher = Callable[[Any, Any, Mapping[str, Any]], bool]
Observer = Callable[[Any, Mapping[str, Any]], Any]
Encoder = Callable[[Any, Mapping[str, Any]], Any]
Decoder = Callable[[Any], Any]
Normaliser = Callable[[Any], Any]
Shaper = Callable[[Any, Any], Any]
IsUnknown = Callable[[Any], bool]
Rule = Callable[[Any, IsUnknown], list[str]]


def _equal(declared: Any, live: Any, previous: Mapping[str, Any]) -> bool:
    return bool(declared == live)


def _equal_or_empty(declared: Any, live: Any, previous: Mapping[str, Any]) -> bool:
    # The API reads an unset map or list back as {} / [] (and sometimes omits it).
    return (declared or None) == (live or None)


def _same_tags(declared: Any, live: Any, previous: Mapping[str, Any]) -> bool:
    if not isinstance(declared, list) or not isinstance(live, list):
        return _equal_or_empty(declared, live, previous)
    return sorted(map(str, declared)) == sorted(map(str, live))


def _same_type(declared: Any, live: Any, previous: Mapping[str, Any]) -> bool:
    return bool(_canonical_type(declared) == _canonical_type(live))


_SHA = re.compile(r"^[0-9a-f]{7,40}$")


def _same_revision(declared: Any, live: Any, previous: Mapping[str, Any]) -> bool:
    # The API resolves a branch, tag or short SHA to the full commit SHA. The resolution recorded
    # when the provider last applied the revision tells a normalised value from drift.
    if declared == live:
        return True
    if not isinstance(declared, str) or not isinstance(live, str):
        return False
    if _SHA.match(declared) and live.startswith(declared):
        return True
    return bool(previous.get("resolved_revision") == live and previous.get("revision") == declared)


def _same_image(declared: Any, live: Any, previous: Mapping[str, Any]) -> bool:
    # The API fills in image defaults (port, healthRoute, disableCustomKernels) and reads
    # credentials back redacted: the declared image matches when every declared key is live.
    wanted = encode_image({"custom_image": declared})
    current = live if isinstance(live, dict) else {"huggingface": {}}
    current = encode_image({"custom_image": current})
    if set(wanted) != set(current):
        return False
    return all(_contains(current[variant], spec) for variant, spec in wanted.items())


def _contains(live: Any, declared: Any) -> bool:
    if isinstance(declared, dict):
        return isinstance(live, dict) and all(
            key in live and _contains(live[key], value) for key, value in declared.items()
        )
    return bool(live == declared)


def observed_desired_state(declared: Any, endpoint: Mapping[str, Any]) -> Any:
    """Return the `desired_state` to record for an endpoint, given what the program declared.

    With ``minReplica`` 0 the service moves an endpoint between running and scaled to zero by
    itself: it scales an idle endpoint to zero after ``scaleToZeroTimeout`` and wakes it on the
    next request. Neither is drift, in either direction: an endpoint declared `running` that
    idled to zero is still running as far as its user is concerned, and one declared
    `scaledToZero` that a request woke up is doing what scale-to-zero promises. What shows is what
    a person or another tool did: a pause, a resume, a scale to zero of an endpoint that cannot get
    there by itself (``minReplica`` >= 1). A state that is no operational choice (``failed``,
    ``updateFailed``) keeps the declared value: no pause or resume repairs it, and the `state`
    output reports it.

    Args:
        declared: The declared `desired_state` (None: the default, `running`).
        endpoint: The endpoint's JSON.

    Returns:
        `running`, `paused` or `scaledToZero`; None when nothing was declared and the endpoint is
        where the default puts it.
    """
    wanted = RUNNING if declared is None else declared
    state = _get_path(endpoint, "status.state")
    autoscales = _get_path(endpoint, "compute.scaling.minReplica") == 0
    observed: Any
    if state == PAUSED:
        observed = PAUSED
    elif state == SCALED_TO_ZERO:
        observed = RUNNING if wanted != SCALED_TO_ZERO and autoscales else SCALED_TO_ZERO
    elif state in _SERVING_STATES:
        observed = SCALED_TO_ZERO if wanted == SCALED_TO_ZERO and autoscales else RUNNING
    else:
        observed = declared
    if declared is None and observed == RUNNING:
        return None
    return observed


# --- codecs of single inputs ------------------------------------------------------------------


def _as_is(value: Any) -> Any:
    return value


def _sent_as_is(value: Any, inputs: Mapping[str, Any]) -> Any:
    return value


def _live_as_is(declared: Any, live: Any) -> Any:
    return live


def _empty_as_none(value: Any) -> Any:
    # The API reads an unset map or list back as {} / [] (and sometimes omits it).
    return value or None


def _canonical_type(value: Any) -> Any:
    # Endpoints created as `protected` (the old name of `authenticated`) still read back that way.
    return "authenticated" if value == "protected" else value


def _sorted_tags(value: Any) -> Any:
    # The order of tags means nothing to the API.
    return sorted(map(str, value)) if isinstance(value, list) else _empty_as_none(value)


def _with_hidden_tags(value: Any, inputs: Mapping[str, Any]) -> Any:
    # The API replaces `tags` whole: without the hidden tags (see `hidden_tags`), changing the
    # user's tags would erase them, and with them the provider's proof that the endpoint is this
    # resource's.
    hidden = hidden_tags(inputs)
    if not hidden:
        return value
    return [*(value or []), *hidden]


def _user_tags(value: Any) -> Any:
    # The hidden tags are the provider's, not the user's: they never show as declared tags.
    if not isinstance(value, list):
        return value
    return [tag for tag in value if not is_reserved_tag(tag)]


def _image_alone(value: Any) -> Any:
    # A flat container and its `{"custom": ...}` spelling, and no image and the managed one, are
    # the same image.
    return encode_image({"custom_image": value})


def _image_as_declared(declared: Any, live: Any) -> Any:
    # The API reads a flat container back as `{"custom": {...}}`: drift is recorded flat, as declared.
    if isinstance(declared, dict) and "url" in declared and isinstance(live, dict) and len(live) == 1:
        custom = live.get("custom")
        if isinstance(custom, dict):
            return custom
    return live


# --- JSON paths -------------------------------------------------------------------------------


def _get_path(data: Mapping[str, Any], path: str) -> Any:
    node: Any = data
    for key in path.split("."):
        if not isinstance(node, Mapping):
            return None
        node = node.get(key)
    return node


def _set_path(data: dict[str, Any], path: str, value: Any) -> None:
    keys = path.split(".")
    node = data
    for key in keys[:-1]:
        node = node.setdefault(key, {})
    node[keys[-1]] = value


# --- composite values -------------------------------------------------------------------------


def encode_image(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Build ``model.image`` from `custom_image` and the registry credentials.

    Mirrors huggingface_hub's ``_build_endpoint_image_payload``: a flat container (one with a
    top-level ``url``) is sent as ``{"custom": ...}``, a dict keyed by variant as it is. A flat
    ``health_route`` is sent as ``healthRoute``, the key the API reads (it ignores the other).

    Args:
        inputs: Inputs holding ``custom_image`` and, optionally, ``container_registry_username``
            and ``container_registry_password``.

    Returns:
        The image payload; ``{"huggingface": {}}`` (the managed image) without a custom image.
    """
    custom = inputs.get("custom_image")
    if not custom:
        return {"huggingface": {}}
    if "url" in custom:
        flat = {("healthRoute" if key == "health_route" else key): value for key, value in custom.items()}
        image: dict[str, Any] = {"custom": flat}
    else:
        image = dict(custom)
    username = inputs.get("container_registry_username")
    password = inputs.get("container_registry_password")
    if username is not None and isinstance(image.get("custom"), dict):
        credentials = {"username": username}
        if password is not None:
            credentials["password"] = password
        image["custom"] = {**image["custom"], "credentials": credentials}
    return image


def _decode_image(endpoint: Mapping[str, Any]) -> dict[str, Any]:
    image = _get_path(endpoint, "model.image")
    if not isinstance(image, dict) or not image:
        return {"custom_image": None, "container_registry_username": None}
    image = {key: (dict(value) if isinstance(value, dict) else value) for key, value in image.items()}
    username = None
    custom = image.get("custom")
    if isinstance(custom, dict):
        credentials = custom.pop("credentials", None)
        if isinstance(credentials, dict):
            # Read back redacted as {"username": "", "password": null}.
            username = credentials.get("username") or None
    if set(image) == {"huggingface"} and not image["huggingface"]:
        return {"custom_image": None, "container_registry_username": username}
    return {"custom_image": image, "container_registry_username": username}


def _encode_measure(inputs: Mapping[str, Any]) -> dict[str, Any] | None:
    metric = inputs.get("scaling_metric")
    if not metric:
        return None
    # A null threshold means the API's default for that metric.
    return {metric: inputs.get("scaling_threshold")}


def _decode_measure(endpoint: Mapping[str, Any]) -> dict[str, Any]:
    scaling = _get_path(endpoint, "compute.scaling")
    if not isinstance(scaling, Mapping):
        return {"scaling_metric": None, "scaling_threshold": None}
    measure = scaling.get("measure")
    measure = measure if isinstance(measure, Mapping) else {}
    # The API reports the metric both as `metric` and as the key of `measure`.
    metric = scaling.get("metric") or next(iter(measure), None)
    threshold = measure.get(metric) if metric in measure else scaling.get("threshold")
    return {"scaling_metric": metric, "scaling_threshold": threshold}


# --- check's rules on single values -----------------------------------------------------------

MAX_NAME_LENGTH: Final = 32
_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")
_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def parse_duration(text: str) -> float:
    """Parse a duration like ``"90s"``, ``"45m"`` or ``"1h30m"`` into seconds.

    Raises:
        ValueError: The text is not such a duration, or it is zero.
    """
    match = _DURATION.match(text.strip()) if isinstance(text, str) else None
    if match is None or not any(match.groups()):
        raise ValueError(f"{text!r} is not a duration like '90s', '45m' or '1h30m'")
    hours, minutes, seconds = (int(group or 0) for group in match.groups())
    total = hours * 3600 + minutes * 60 + seconds
    if total <= 0:
        raise ValueError(f"{text!r} is zero; give a positive duration")
    return float(total)


def _check_name(value: str, is_unknown: IsUnknown) -> list[str]:
    if len(value) > MAX_NAME_LENGTH or not _NAME.match(value):
        return [
            f"name {value!r} is not a valid endpoint name: use at most {MAX_NAME_LENGTH} lowercase "
            "letters, digits and '-', starting and ending with a letter or digit, or leave it out "
            "to get a generated name."
        ]
    return []


def _check_path(value: str, is_unknown: IsUnknown) -> list[str]:
    if not value.startswith("/"):
        return [f"path {value!r} must start with '/', e.g. '/{value}'."]
    return []


def _check_domain(value: str, is_unknown: IsUnknown) -> list[str]:
    if "://" in value or "/" in value or " " in value:
        return [f"domain {value!r} must be a bare host name such as 'models.example.com'."]
    return []


def _check_image(value: Mapping[str, Any], is_unknown: IsUnknown) -> list[str]:
    if "url" in value:
        reasons = []
        url = value["url"]
        if not is_unknown(url) and (not isinstance(url, str) or not url.strip()):
            reasons.append(f"custom_image url must be a non-empty image reference, not {url!r}.")
        port = value.get("port")
        if port is not None and not is_unknown(port):
            whole = isinstance(port, int) or (isinstance(port, float) and port.is_integer())
            if isinstance(port, bool) or not whole or not 1 <= port <= 65535:
                reasons.append(f"custom_image port must be a whole number 1..65535, not {port!r}.")
        for key in ("healthRoute", "health_route"):
            route = value.get(key)
            if isinstance(route, str) and not route.startswith("/"):
                reasons.append(f"custom_image {key} {route!r} must start with '/'.")
        if "credentials" in value:
            reasons.append(
                "custom_image must not carry credentials; set container_registry_username and "
                "container_registry_password instead (the password is kept secret)."
            )
        return reasons
    if len(value) != 1:
        keys = ", ".join(repr(key) for key in value) or "none"
        return [
            f"custom_image must be a flat container with a 'url' or exactly one variant such as "
            f"{{'vLLM': {{'url': ..., 'port': ...}}}}; it has keys {keys}."
        ]
    variant, spec = next(iter(value.items()))
    if not is_unknown(spec) and not isinstance(spec, Mapping):
        return [f"custom_image variant {variant!r} must map to a dict of settings."]
    if isinstance(spec, Mapping) and "credentials" in spec:
        # custom_image is stored in plain text, and the API reads credentials back redacted, so
        # they would also show as a change on every preview.
        return [
            f"custom_image[{variant!r}] must not carry credentials: custom_image is stored in plain "
            "text. Set container_registry_username and container_registry_password instead (the "
            "password is kept secret); they apply to a custom container, "
            "{'url': ..., 'port': ...} or {'custom': {'url': ..., 'port': ...}}."
        ]
    if variant != "huggingface" and isinstance(spec, Mapping) and "url" not in spec:
        return [f"custom_image variant {variant!r} needs a 'url' (the image to run)."]
    return []


def _check_tags(value: list[Any], is_unknown: IsUnknown) -> list[str]:
    reserved = [tag for tag in value if is_reserved_tag(tag)]
    if reserved:
        prefix = next(p for p in RESERVED_TAG_PREFIXES if reserved[0].startswith(p))
        return [
            f"tags {reserved[0]!r} uses the prefix {prefix!r}, which the provider reserves "
            "to recognise the endpoints it created; choose another tag."
        ]
    return []


def _check_timeouts(value: Mapping[str, Any], is_unknown: IsUnknown) -> list[str]:
    reasons = []
    for key, duration in value.items():
        if key not in DEFAULT_TIMEOUTS:
            known = ", ".join(repr(name) for name in DEFAULT_TIMEOUTS)
            reasons.append(f"timeouts has an unknown key {key!r}; use {known}.")
            continue
        if duration is None or is_unknown(duration):
            continue
        try:
            parse_duration(duration)
        except ValueError as exc:
            reasons.append(f"timeouts[{key!r}]: {exc}.")
    return reasons


@dataclass(frozen=True, kw_only=True)
class Field:
    """One input of `InferenceEndpoint`.

    Attributes:
        name: The Python name, used in `InferenceEndpointArgs`, in the inputs and in the outputs.
        api_path: Where the value sits in the endpoint's JSON, dotted (``"compute.scaling.minReplica"``);
            None when it is not in the JSON body (namespace, provider-only inputs).
        kind: The value's type.
        mutability: Whether a change updates in place, replaces the endpoint, or stays in the provider.
        removal: What removing the input from the program does.
        description: One line saying what the input means.
        replace_reason: Why a change replaces the endpoint (replace-only inputs).
        default: The value the provider uses when the input is absent (REMOVAL.DEFAULT inputs).
        cleared: The value sent to clear the field on the server (Removal.CLEAR inputs).
        secret: The resource marks the value secret in the stack's state.
        redacted: The value never appears in messages (secrets, registry credentials, env values).
        readback: How far the live endpoint tells the current value.
        compare_when_absent: An absent input is compared with the live value as its default, so
            drift away from the default shows.
        group: The name of the inputs the API can only change together (see `GROUPS`): a change
            to any member sends every member.
        choices: The accepted values, if the API takes an enumeration.
        minimum: The smallest accepted number.
        maximum: The largest accepted number.
        matches: Tells whether a declared value and a live value mean the same, given the previous
            outputs (server normalisation is not drift).
        applied_by: For an input the update's PUT does not carry, the API calls that apply a
            change of it and where it is read back; empty for inputs in the endpoint's JSON.
        observe: For an input the API holds as runtime state rather than configuration, derives
            the value to record from the declared value and the endpoint's JSON (instead of
            `reconcile`), so that what the service does by itself is not mistaken for drift.
        encode: Turns the value (already its default or cleared value when absent) into what goes
            to `api_path`, given all the inputs; members of a group with a composite value are
            encoded by the group instead (`Group.encode`).
        decode: Turns what `api_path` holds into the input's value; members of a group with a
            composite value are decoded by the group instead (`Group.decode`).
        normalise: Maps a value to the form a diff compares, so that spellings meaning the same
            (an alias, another order, an empty map for none) are no change.
        as_declared: Given the declared value and a live value that differs from it, returns the
            live value to record as drift, written in the declaration's shape.
        check: Check's rules on the value alone, beyond its kind, choices and bounds: returns the
            reasons it is refused (empty if none). Only called with a value of the right kind.
        unit: The unit of a number, named in check's messages about its bounds.
        from_url: The value is a part of the endpoint's URL (``/endpoint/{namespace}/{name}``)
            that its JSON does not hold: read back from the endpoint's id.
        hardware: A change of it is checked against the namespace's hardware catalogue before an
            update sends it.
        filled_by_check: Every checked declaration holds it, declared or not (check fills it in, or
            create resolves it), so its presence does not tell whether the program declared it.
        resolves_revision: A change of it makes the API resolve the model's revision anew, so the
            commit the endpoint reports afterwards is that resolution, not drift.
    """

    name: str
    api_path: str | None
    kind: Kind
    mutability: Mutability
    removal: Removal
    description: str
    replace_reason: str = ""
    default: Any = None
    cleared: Any = None
    secret: bool = False
    redacted: bool = False
    readback: Readback = Readback.EXACT
    compare_when_absent: bool = False
    group: str | None = None
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    matches: Matcher = _equal
    applied_by: str = ""
    observe: Observer | None = None
    encode: Encoder = _sent_as_is
    decode: Decoder = _as_is
    normalise: Normaliser = _as_is
    as_declared: Shaper = _live_as_is
    check: Rule | None = None
    unit: str = ""
    from_url: bool = False
    hardware: bool = False
    filled_by_check: bool = False
    resolves_revision: bool = False

    @property
    def sent_to_api(self) -> bool:
        """Whether the input is part of the endpoint's JSON."""
        return self.api_path is not None


_NAME_REASON = "the name is the endpoint's key in the API's URL"
_NAMESPACE_REASON = "the namespace is part of the endpoint's URL"
_PROVIDER_REASON = "the API cannot move an endpoint to another cloud or region"
_PRIVATE_LINK_REASON = "the API sets PrivateLink only when it creates an endpoint"
# [D] 2023 docs: "There is no ability to update from one instance type to another (CPU to GPU or
# vice versa)"; the emulator refuses it by default. Declared in place, a preview would promise an
# update that the API then refuses.
_ACCELERATOR_REASON = "the API refuses to switch an endpoint between CPU and GPU"

# The table. Order is the order of huggingface_hub's `create_inference_endpoint`, then the
# provider's own inputs; the reference renders it in this order.
FIELDS: Final[tuple[Field, ...]] = (
    Field(
        name="name",
        api_path="name",
        kind=Kind.STRING,
        mutability=Mutability.REPLACE,
        removal=Removal.DEFAULT,
        description=(
            "The endpoint's name: lowercase letters, digits and `-`, at most 32 characters. "
            "Defaults to the resource name plus a random suffix."
        ),
        replace_reason=_NAME_REASON,
        check=_check_name,
        filled_by_check=True,
    ),
    Field(
        name="namespace",
        api_path=None,
        kind=Kind.STRING,
        mutability=Mutability.REPLACE,
        removal=Removal.KEEP,
        description=(
            "The user or organization that owns the endpoint. Defaults to stack config "
            "`huggingface:namespace`, else the token's owner."
        ),
        replace_reason=_NAMESPACE_REASON,
        from_url=True,
        filled_by_check=True,
    ),
    Field(
        name="repository",
        api_path="model.repository",
        kind=Kind.STRING,
        mutability=Mutability.IN_PLACE,
        removal=Removal.REQUIRED,
        description="The Hub model repository to serve, e.g. `openai-community/gpt2`.",
        resolves_revision=True,
    ),
    Field(
        name="framework",
        api_path="model.framework",
        kind=Kind.STRING,
        mutability=Mutability.IN_PLACE,
        removal=Removal.REQUIRED,
        description="The model's framework, e.g. `pytorch` or `custom`.",
    ),
    Field(
        name="task",
        api_path="model.task",
        kind=Kind.STRING,
        mutability=Mutability.IN_PLACE,
        removal=Removal.KEEP,
        description=(
            "The task to serve, e.g. `text-generation`; the API cannot unset it, so removing it keeps "
            "the current task."
        ),
    ),
    Field(
        name="revision",
        api_path="model.revision",
        kind=Kind.STRING,
        mutability=Mutability.IN_PLACE,
        removal=Removal.CLEAR,
        description="The model revision (branch, tag or commit) to deploy; without it the latest commit.",
        matches=_same_revision,
        resolves_revision=True,
    ),
    Field(
        name="accelerator",
        api_path="compute.accelerator",
        kind=Kind.STRING,
        mutability=Mutability.REPLACE,
        removal=Removal.REQUIRED,
        description="The accelerator: `cpu`, `gpu` or `neuron`.",
        replace_reason=_ACCELERATOR_REASON,
        choices=("cpu", "gpu", "neuron"),
        hardware=True,
    ),
    Field(
        name="instance_size",
        api_path="compute.instanceSize",
        kind=Kind.STRING,
        mutability=Mutability.IN_PLACE,
        removal=Removal.REQUIRED,
        description="The instance size, e.g. `x1`, `x2`, `x4`.",
        hardware=True,
    ),
    Field(
        name="instance_type",
        api_path="compute.instanceType",
        kind=Kind.STRING,
        mutability=Mutability.IN_PLACE,
        removal=Removal.REQUIRED,
        description="The instance type, e.g. `intel-icl` or `nvidia-t4`.",
        hardware=True,
    ),
    Field(
        name="vendor",
        api_path="provider.vendor",
        kind=Kind.STRING,
        mutability=Mutability.REPLACE,
        removal=Removal.REQUIRED,
        description="The cloud vendor, e.g. `aws`.",
        replace_reason=_PROVIDER_REASON,
    ),
    Field(
        name="region",
        api_path="provider.region",
        kind=Kind.STRING,
        mutability=Mutability.REPLACE,
        removal=Removal.REQUIRED,
        description="The cloud region, e.g. `us-east-1`.",
        replace_reason=_PROVIDER_REASON,
    ),
    Field(
        name="min_replica",
        api_path="compute.scaling.minReplica",
        kind=Kind.INTEGER,
        mutability=Mutability.IN_PLACE,
        removal=Removal.DEFAULT,
        description="The minimum number of replicas; 0 lets the endpoint scale to zero. Defaults to 1.",
        default=1,
        minimum=0,
        compare_when_absent=True,
        group="scaling",
    ),
    Field(
        name="max_replica",
        api_path="compute.scaling.maxReplica",
        kind=Kind.INTEGER,
        mutability=Mutability.IN_PLACE,
        removal=Removal.DEFAULT,
        description="The maximum number of replicas. Defaults to 1.",
        default=1,
        minimum=1,
        compare_when_absent=True,
    ),
    Field(
        name="scale_to_zero_timeout",
        api_path="compute.scaling.scaleToZeroTimeout",
        kind=Kind.INTEGER,
        mutability=Mutability.IN_PLACE,
        removal=Removal.CLEAR,
        description=(
            "Minutes without requests before the endpoint scales to zero (15 to 2880); needs "
            "`min_replica=0` declared (check refuses it beside the default, 1). Without it, an endpoint "
            "with `min_replica` 0 gets the API's own default (15)."
        ),
        minimum=15,
        maximum=2880,
        group="scaling",
        unit="minutes",
    ),
    Field(
        name="scaling_metric",
        api_path="compute.scaling.measure",
        kind=Kind.STRING,
        mutability=Mutability.IN_PLACE,
        removal=Removal.KEEP,
        description="The autoscaling metric: `hardwareUsage` or `pendingRequests`.",
        group="measure",
        choices=("hardwareUsage", "pendingRequests"),
    ),
    Field(
        name="scaling_threshold",
        api_path="compute.scaling.measure",
        kind=Kind.NUMBER,
        mutability=Mutability.IN_PLACE,
        removal=Removal.DEFAULT,
        description="The autoscaling threshold of `scaling_metric`; without it the API's default.",
        group="measure",
        minimum=0,
    ),
    Field(
        name="type",
        api_path="type",
        kind=Kind.STRING,
        mutability=Mutability.IN_PLACE,
        removal=Removal.DEFAULT,
        description=(
            "Who may call the endpoint: `public`, `authenticated` (default) or `private`; `protected` is "
            "a deprecated alias of `authenticated`."
        ),
        default="authenticated",
        compare_when_absent=True,
        choices=("public", "authenticated", "private"),
        matches=_same_type,
        normalise=_canonical_type,
    ),
    Field(
        name="custom_image",
        api_path="model.image",
        kind=Kind.OBJECT,
        mutability=Mutability.IN_PLACE,
        removal=Removal.DEFAULT,
        description=(
            'The container image: keyed by variant (`{"vLLM": {"url": ..., "port": ...}}`) or a flat custom '
            'container (`{"url": ..., "port": ..., "healthRoute": ...}`). Defaults to the managed image. '
            "Registry credentials go in `container_registry_username` and `container_registry_password`, "
            "never in here (stored in plain text)."
        ),
        group="image",
        matches=_same_image,
        normalise=_image_alone,
        as_declared=_image_as_declared,
        check=_check_image,
    ),
    Field(
        name="container_registry_username",
        api_path="model.image.custom.credentials.username",
        kind=Kind.STRING,
        mutability=Mutability.IN_PLACE,
        removal=Removal.CLEAR,
        description="The username for the registry of a custom container image.",
        group="image",
        redacted=True,
        readback=Readback.NEVER,
    ),
    Field(
        name="container_registry_password",
        api_path="model.image.custom.credentials.password",
        kind=Kind.STRING,
        mutability=Mutability.IN_PLACE,
        removal=Removal.CLEAR,
        description="The password for the registry of a custom container image; needs the username.",
        group="image",
        secret=True,
        redacted=True,
        readback=Readback.NEVER,
    ),
    Field(
        name="container_command",
        api_path="model.command",
        kind=Kind.STRING_LIST,
        mutability=Mutability.IN_PLACE,
        removal=Removal.CLEAR,
        description="Replaces the container's entrypoint command.",
        cleared=[],
        matches=_equal_or_empty,
        normalise=_empty_as_none,
    ),
    Field(
        name="container_args",
        api_path="model.args",
        kind=Kind.STRING_LIST,
        mutability=Mutability.IN_PLACE,
        removal=Removal.CLEAR,
        description="Arguments appended to the container's entrypoint.",
        cleared=[],
        matches=_equal_or_empty,
        normalise=_empty_as_none,
    ),
    Field(
        name="env",
        api_path="model.env",
        kind=Kind.STRING_MAP,
        mutability=Mutability.IN_PLACE,
        removal=Removal.CLEAR,
        description="Environment variables of the container (not secret).",
        cleared={},
        redacted=True,
        matches=_equal_or_empty,
        normalise=_empty_as_none,
    ),
    Field(
        name="secrets",
        api_path="model.secrets",
        kind=Kind.STRING_MAP,
        mutability=Mutability.IN_PLACE,
        removal=Removal.CLEAR,
        description="Secret environment variables of the container; the API never reads them back.",
        cleared={},
        secret=True,
        redacted=True,
        readback=Readback.NEVER,
        normalise=_empty_as_none,
    ),
    Field(
        name="tags",
        api_path="tags",
        kind=Kind.STRING_LIST,
        mutability=Mutability.IN_PLACE,
        removal=Removal.CLEAR,
        description="Tags shown in the Inference Endpoints UI.",
        cleared=[],
        matches=_same_tags,
        encode=_with_hidden_tags,
        decode=_user_tags,
        normalise=_sorted_tags,
        check=_check_tags,
    ),
    Field(
        name="domain",
        api_path="route.domain",
        kind=Kind.STRING,
        mutability=Mutability.IN_PLACE,
        removal=Removal.CLEAR,
        description="A custom domain to serve the endpoint on.",
        group="route",
        check=_check_domain,
    ),
    Field(
        name="path",
        api_path="route.path",
        kind=Kind.STRING,
        mutability=Mutability.IN_PLACE,
        removal=Removal.CLEAR,
        description="A custom path to serve the model on; starts with `/`.",
        group="route",
        check=_check_path,
    ),
    Field(
        name="cache_http_responses",
        api_path="cacheHttpResponses",
        kind=Kind.BOOLEAN,
        mutability=Mutability.IN_PLACE,
        removal=Removal.DEFAULT,
        description=(
            "Whether the endpoint caches HTTP responses. Defaults to false. Sent as the top-level "
            "`cacheHttpResponses` huggingface_hub sends; an API that keeps it elsewhere ignores it."
        ),
        default=False,
        # The recent spec has no top-level `cacheHttpResponses` (it moved to the admin-only
        # `experimentalFeatures`, reference §4.1): an answer without it is not drift, so no
        # declaration can diff forever.
        readback=Readback.IF_PRESENT,
    ),
    Field(
        name="private_link_account_id",
        api_path="privateService.accountId",
        kind=Kind.STRING,
        mutability=Mutability.REPLACE,
        removal=Removal.CLEAR,
        description=(
            "The AWS account allowed to reach the endpoint through PrivateLink; needs `private_link_region`."
        ),
        replace_reason=_PRIVATE_LINK_REASON,
        readback=Readback.IF_PRESENT,
    ),
    Field(
        name="private_link_region",
        api_path="privateService.region",
        kind=Kind.STRING,
        mutability=Mutability.REPLACE,
        removal=Removal.CLEAR,
        description="The AWS region of the PrivateLink entry point, e.g. `us-east-1`.",
        replace_reason=_PRIVATE_LINK_REASON,
        readback=Readback.IF_PRESENT,
    ),
    Field(
        name="desired_state",
        api_path=None,
        kind=Kind.STRING,
        mutability=Mutability.IN_PLACE,
        removal=Removal.DEFAULT,
        description=(
            "The operational state to hold the endpoint in: `running` (default); `paused` (no replicas, "
            "not billed, requests refused until resumed); `scaledToZero` (no replicas until the next "
            "request wakes it; needs `min_replica` 0). Scaling to zero when idle is never drift."
        ),
        default=RUNNING,
        compare_when_absent=True,
        choices=DESIRED_STATES,
        applied_by="`POST .../pause`, `.../resume`, `.../scale-to-zero`; read from `status.state`",
        observe=observed_desired_state,
        filled_by_check=True,
    ),
    Field(
        name="adopt_existing",
        api_path=None,
        kind=Kind.BOOLEAN,
        mutability=Mutability.PROVIDER,
        removal=Removal.DEFAULT,
        description=(
            "Take over an endpoint that already exists under this name instead of failing "
            "(`pulumi import` does not work for dynamic resources). Defaults to false."
        ),
        default=False,
    ),
    Field(
        name="secrets_already_set",
        api_path=None,
        kind=Kind.BOOLEAN,
        mutability=Mutability.PROVIDER,
        removal=Removal.DEFAULT,
        description=(
            "With `adopt_existing`: the endpoint already holds the declared `secrets` and registry "
            "credentials, so adopting it does not send them (the API cannot read them back to compare). "
            "Defaults to false: adoption sends them."
        ),
        default=False,
    ),
    Field(
        name="timeouts",
        api_path=None,
        kind=Kind.OBJECT,
        mutability=Mutability.PROVIDER,
        removal=Removal.DEFAULT,
        description=(
            'How long to wait for the endpoint to settle: `{"create": "30m", "update": "30m", '
            '"delete": "15m"}` (the defaults); durations like `90s`, `45m`, `1h30m`.'
        ),
        default=None,
        check=_check_timeouts,
    ),
)

FIELDS_BY_NAME: Final[Mapping[str, Field]] = {field.name: field for field in FIELDS}


@dataclass(frozen=True, kw_only=True)
class Group:
    """Inputs the API can only change together: a change to any member sends every member.

    Attributes:
        name: The name the members give as their `Field.group`.
        fields: The members, by Python name, in table order.
        api_path: Where the members' one composite value sits in the endpoint's JSON, dotted; None
            when each member keeps its own `Field.api_path` and the members only travel together.
        encode: For a composite value, builds it from the inputs; None leaves it out of the request.
        decode: For a composite value, reads the members' values out of an endpoint's JSON, keyed by
            Python name.
    """

    name: str
    fields: tuple[str, ...]
    api_path: str | None = None
    encode: Callable[[Mapping[str, Any]], Any] | None = None
    decode: Callable[[Mapping[str, Any]], dict[str, Any]] | None = None

    @property
    def composite(self) -> bool:
        """Whether the members are sent as one value at `api_path`, built by `encode`."""
        return self.api_path is not None


GROUPS: Final[tuple[Group, ...]] = (
    # The API refuses `minReplica` >= 1 beside a stored `scaleToZeroTimeout`, including one it chose
    # itself for `minReplica` 0, and the reference does not know whether raising `minReplica` clears
    # it. So both go out: the timeout as declared, or null (cleared; the API's default again when
    # `minReplica` is 0).
    Group(name="scaling", fields=("min_replica", "scale_to_zero_timeout")),
    # `measure` is a one-key map of the metric to its threshold.
    Group(
        name="measure",
        fields=("scaling_metric", "scaling_threshold"),
        api_path="compute.scaling.measure",
        encode=_encode_measure,
        decode=_decode_measure,
    ),
    # The API replaces `model.image` whole, registry credentials included.
    Group(
        name="image",
        fields=("custom_image", "container_registry_username", "container_registry_password"),
        api_path="model.image",
        encode=encode_image,
        decode=_decode_image,
    ),
    # Whether the API merges `route` on PUT or replaces it whole is unknown (reference §4.1); sent
    # whole, with a removed key as null, it means the same under either, where `domain` alone would
    # erase `path` under the second.
    Group(name="route", fields=("domain", "path")),
)

GROUPS_BY_NAME: Final[Mapping[str, Group]] = {group.name: group for group in GROUPS}


def check_group_members(fields: Iterable[Field], groups: Iterable[Group]) -> None:
    """Raise ValueError unless every group lists exactly the fields that name it, in table order.

    A field names its group and a group lists its members: a table where the two disagree must fail
    at import, not send half a group.
    """
    fields, by_name = tuple(fields), {group.name: group for group in groups}
    for field in fields:
        if field.group is not None and field.group not in by_name:
            raise ValueError(f"{field.name} names the undeclared group {field.group}")
    for group in by_name.values():
        named = tuple(field.name for field in fields if field.group == group.name)
        if named != group.fields:
            raise ValueError(f"group {group.name}: the table names {named}, the group lists {group.fields}")


check_group_members(FIELDS, GROUPS)


def group_of(field: Field) -> Group | None:
    """Return the group the input belongs to (see `GROUPS`), or None."""
    return None if field.group is None else GROUPS_BY_NAME[field.group]


@dataclass(frozen=True, kw_only=True)
class OutputField:
    """A value the API reports about an endpoint, beyond the echoed inputs.

    Attributes:
        name: The Python name of the output.
        api_path: Where it sits in the endpoint's JSON, dotted.
        kind: The value's type.
        description: One line saying what it means.
    """

    name: str
    api_path: str
    kind: Kind
    description: str


OUTPUTS: Final[tuple[OutputField, ...]] = (
    OutputField(
        name="url",
        api_path="status.url",
        kind=Kind.STRING,
        description="The URL to send inference requests to, once running.",
    ),
    OutputField(
        name="state",
        api_path="status.state",
        kind=Kind.STRING,
        description="The endpoint's state, e.g. `running`, `scaledToZero`.",
    ),
    OutputField(
        name="status_message",
        api_path="status.message",
        kind=Kind.STRING,
        description="What the API says about the state.",
    ),
    OutputField(
        name="ready_replica",
        api_path="status.readyReplica",
        kind=Kind.INTEGER,
        description="Replicas ready to serve.",
    ),
    OutputField(
        name="target_replica",
        api_path="status.targetReplica",
        kind=Kind.INTEGER,
        description="Replicas the endpoint scales to.",
    ),
    OutputField(
        name="created_at",
        api_path="status.createdAt",
        kind=Kind.STRING,
        description="When the endpoint was created (UTC).",
    ),
    OutputField(
        name="updated_at",
        api_path="status.updatedAt",
        kind=Kind.STRING,
        description="When the endpoint was last changed (UTC).",
    ),
    OutputField(
        name="resolved_revision",
        api_path="model.revision",
        kind=Kind.STRING,
        description="The model commit the endpoint runs (a full SHA).",
    ),
    OutputField(
        name="compute_id",
        api_path="compute.id",
        kind=Kind.STRING,
        description="The API's id of the hardware, e.g. `aws-us-east-1-cpu-x2`.",
    ),
    OutputField(
        name="health_route",
        api_path="healthRoute",
        kind=Kind.STRING,
        description="The route the API probes for health.",
    ),
)


def is_internal(key: str) -> bool:
    """Tell whether an input key is the provider's own (``__defaults``, ``__provider``, ...)."""
    return key.startswith("__")


def effective(field: Field, value: Any) -> Any:
    """Return what an input's value means on the server: an absent value is its default or empty value."""
    if value is not None:
        return value
    if field.removal is Removal.DEFAULT:
        return field.default
    if field.removal is Removal.CLEAR:
        return field.cleared
    return None


def settled_states(min_replica: int | None) -> frozenset[str]:
    """Return the states in which an endpoint with this minimum replica count has settled.

    An endpoint allowed to scale to zero may settle there; paused is a user's choice, not ours.
    """
    minimum = FIELDS_BY_NAME["min_replica"].default if min_replica is None else min_replica
    return frozenset({"running", "scaledToZero"}) if minimum == 0 else frozenset({"running"})


# --- payloads ---------------------------------------------------------------------------------


def create_payload(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Build the body of ``POST /endpoint/{namespace}`` from checked inputs.

    Absent inputs whose default the provider tracks are sent with it (the API requires `type`, the
    replica counts and the image); other absent inputs are left out, since the API rejects a null
    ``model.task``. A group with a composite value (see `GROUPS`) is sent as that value.

    Args:
        inputs: Checked inputs, keyed by Python name.

    Returns:
        The JSON body.
    """
    payload: dict[str, Any] = {}
    for field in FIELDS:
        group = group_of(field)
        if field.api_path is None or (group is not None and group.composite):
            continue
        value = inputs.get(field.name)
        if value is None and field.compare_when_absent:
            # A default the provider tracks (type, replica counts) is sent; others are the API's own.
            value = field.default
        value = field.encode(value, inputs)
        if value is not None:
            _set_path(payload, field.api_path, value)
    for group in GROUPS:
        if group.encode is not None and group.api_path is not None:
            value = group.encode(inputs)
            if value is not None:
                _set_path(payload, group.api_path, value)
    whole: dict[str, Any] = _whole_numbers(payload)
    return whole


def update_payload(
    changed: Iterable[str], inputs: Mapping[str, Any], previous: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Build the body of ``PUT /endpoint/{namespace}/{name}`` carrying only what changed.

    The API merges a PUT key by key, so an absent key keeps its value. A removed input is sent as
    its default or empty value (a null clears a scalar); a change to any member of a group (see
    `GROUPS`) sends every member, a removed keep-on-removal member as the endpoint holds it.

    Args:
        changed: Names of the inputs that changed (see `changed_fields`); provider-only and
            replace-only inputs are ignored.
        inputs: The new checked inputs.
        previous: The previous outputs: what a removed keep-on-removal member of a group keeps (a
            removed `scaling_metric` keeps the endpoint's metric, so a threshold removed with it
            returns to that metric's default).

    Returns:
        The JSON body; empty when nothing the API holds changed.
    """
    payload: dict[str, Any] = {}
    groups: set[str] = set()
    for name in changed:
        field = FIELDS_BY_NAME[name]
        if field.api_path is None or field.mutability is not Mutability.IN_PLACE:
            continue
        if field.group is not None:
            groups.add(field.group)
            continue
        _set_path(payload, field.api_path, field.encode(effective(field, inputs.get(name)), inputs))
    for group in GROUPS:
        if group.name in groups:
            _send_group(payload, group, _kept(group, inputs, previous))
    whole: dict[str, Any] = _whole_numbers(payload)
    return whole


def _kept(group: Group, inputs: Mapping[str, Any], previous: Mapping[str, Any] | None) -> Mapping[str, Any]:
    # A group goes out whole, so a removed member the endpoint keeps is sent as it holds it.
    kept = {
        name: previous.get(name)
        for name in group.fields
        if previous and inputs.get(name) is None and FIELDS_BY_NAME[name].removal is Removal.KEEP
    }
    return {**inputs, **kept} if kept else inputs


def _send_group(payload: dict[str, Any], group: Group, values: Mapping[str, Any]) -> None:
    if group.encode is not None and group.api_path is not None:
        value = group.encode(values)
        if value is not None:
            _set_path(payload, group.api_path, value)
        return
    for name in group.fields:
        field = FIELDS_BY_NAME[name]
        _set_path(payload, str(field.api_path), field.encode(effective(field, values.get(name)), values))


# --- reading an endpoint back -----------------------------------------------------------------


def live_inputs(endpoint: Mapping[str, Any]) -> dict[str, Any]:
    """Read an endpoint's JSON back into inputs, keyed by Python name, as the API reports them.

    Values the API never returns (secrets, the registry password) are None; so are the namespace
    (not in the JSON) and the provider-only inputs.
    """
    values: dict[str, Any] = {}
    for field in FIELDS:
        group = group_of(field)
        if field.api_path is None or (group is not None and group.composite):
            values[field.name] = None
        else:
            values[field.name] = field.decode(_get_path(endpoint, field.api_path))
    for group in GROUPS:
        if group.decode is not None:
            values.update(group.decode(endpoint))
    for field in FIELDS:
        if field.observe is not None:
            # Read as if the default were declared: a lookup sees the endpoint's state spelled out.
            values[field.name] = field.observe(field.default, endpoint)
    for field in FIELDS:
        if field.readback is Readback.NEVER:
            values[field.name] = None
    return values


def status_outputs(endpoint: Mapping[str, Any]) -> dict[str, Any]:
    """Read the reported outputs (`OUTPUTS`) of an endpoint's JSON, keyed by Python name.

    Unknown keys of the answer are ignored: only the paths of `OUTPUTS` are read.
    """
    outputs = {output.name: _get_path(endpoint, output.api_path) for output in OUTPUTS}
    outputs["status_message"] = status_message(endpoint)
    return outputs


def endpoint_status(endpoint: Mapping[str, Any] | None, key: str) -> Any:
    """Return ``status.<key>`` of an endpoint's JSON (``"state"``, ``"updatedAt"``, ...), or None."""
    status = (endpoint or {}).get("status")
    return status.get(key) if isinstance(status, Mapping) else None


def status_message(endpoint: Mapping[str, Any]) -> str | None:
    """What the API says about the endpoint's state, with why it failed when it says.

    Clients of the live API read why a deployment failed from `status.errorMessage`, falling back
    to `status.message` (reference §4.1): both are read, and joined when they differ.
    """
    status = endpoint.get("status")
    if not isinstance(status, Mapping):
        return None
    message, error = status.get("message"), status.get("errorMessage")
    message = message if isinstance(message, str) and message else None
    error = error if isinstance(error, str) and error else None
    if message and error and error not in message:
        return f"{message}: {error}"
    return error or message


def reconcile(field: Field, declared: Any, live: Any, previous: Mapping[str, Any]) -> Any:
    """Return the value to record for an input: the declared one unless the endpoint drifted from it.

    Server normalisation (a resolved revision, filled-in image defaults, `protected` for
    `authenticated`, redacted credentials) keeps the declared value, so it never shows as a diff;
    a real difference records the live value, so the next preview shows the drift.

    Args:
        field: The input.
        declared: The value the program declared (None if absent).
        live: The value read from the endpoint (see `live_inputs`).
        previous: The previous outputs, for context (the revision the provider last resolved).

    Returns:
        The declared value, the live value, or None for an absent input that is not tracked.
    """
    if field.readback is Readback.NEVER:
        return declared
    if declared is None:
        if field.compare_when_absent and not field.matches(field.default, live, previous):
            return live
        return None
    if live is None and field.readback is Readback.IF_PRESENT:
        return declared
    try:
        same = field.matches(declared, live, previous)
    except (TypeError, ValueError, AttributeError, KeyError):
        # A live value of a type the API never sends for this field: not the declared value, so
        # it is recorded as drift (shown on the next preview) rather than crashing the read.
        same = False
    if same:
        return declared
    return field.as_declared(declared, live)


# --- diffing ----------------------------------------------------------------------------------


def changed_fields(
    olds: Mapping[str, Any], news: Mapping[str, Any], *, is_unknown: Callable[[Any], bool]
) -> list[str]:
    """Return the names of the inputs whose change matters, in table order.

    Args:
        olds: The previous outputs, which echo the declared inputs under the same names.
        news: The new checked inputs.
        is_unknown: Tells a value still unknown during a preview; an unknown counts as a change.

    Returns:
        The changed inputs. A removed KEEP input (and the omitted namespace) is no change; a
        removed CLEAR or DEFAULT input is a change only if the old value differs from what removal
        sets. Internal ``__*`` inputs never count.
    """
    changed: list[str] = []
    for field in FIELDS:
        new = news.get(field.name)
        old = olds.get(field.name)
        if contains_unknown(new, is_unknown):
            changed.append(field.name)
            continue
        if new is None and field.removal is Removal.KEEP:
            continue
        if field.normalise(effective(field, new)) != field.normalise(effective(field, old)):
            changed.append(field.name)
    return changed


def _whole_numbers(value: Any) -> Any:
    # Pulumi carries every number as a double; the API's integer fields (replica counts, the
    # timeout, an image's port) must go out as JSON integers.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _whole_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_whole_numbers(item) for item in value]
    return value


def contains_unknown(value: Any, is_unknown: Callable[[Any], bool]) -> bool:
    """Tell whether a value, or anything nested in its maps and lists, is still unknown."""
    if is_unknown(value):
        return True
    if isinstance(value, Mapping):
        return any(contains_unknown(item, is_unknown) for item in value.values())
    if isinstance(value, (list, tuple)):
        return any(contains_unknown(item, is_unknown) for item in value)
    return False
