"""What `check` verifies before any API call, and the names it chooses.

Every rule works on the inputs alone: no request is made. The rules on one input's value are the
table's (`Field.kind`, `choices`, bounds, `Field.check`); the rules between inputs are here. A
problem is reported as a `Problem(property, reason)` naming the input, the offending value and the
fix, except for inputs whose values must never be shown (secrets, registry credentials, env
values), which are only named. Values still unknown during a preview are never judged.

This module imports nothing from Pulumi.
"""

from __future__ import annotations

import math
import re
import secrets as random_source
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from pulumi_huggingface.schema import (
    DEFAULT_TIMEOUTS,
    FIELDS,
    FIELDS_BY_NAME,
    MAX_NAME_LENGTH,
    SCALED_TO_ZERO,
    Field,
    Kind,
    Removal,
    contains_unknown,
    parse_duration,
)

__all__ = [
    "MAX_NAME_LENGTH",
    "Problem",
    "autoname",
    "format_duration",
    "parse_duration",
    "resolve_timeouts",
    "validate",
]

_SUFFIX_ALPHABET: Final = "abcdefghijklmnopqrstuvwxyz0123456789"
_SUFFIX_LENGTH: Final = 7


@dataclass(frozen=True)
class Problem:
    """One reason the inputs are invalid.

    Attributes:
        property: The input at fault, by Python name.
        reason: What is wrong and how to fix it.
    """

    property: str
    reason: str


def format_duration(seconds: float) -> str:
    """Format seconds as ``"1h2m3s"``, ``"1m10s"`` or ``"45s"``."""
    whole = max(0, int(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    if hours:
        parts.append(f"{hours}h")
    if hours or minutes:
        parts.append(f"{minutes}m")
    parts.append(f"{secs}s")
    return "".join(parts)


def resolve_timeouts(timeouts: Mapping[str, Any] | None) -> dict[str, float]:
    """Return the create/update/delete deadlines in seconds, defaults filled in.

    Args:
        timeouts: The checked ``timeouts`` input, or None.
    """
    merged = {
        **DEFAULT_TIMEOUTS,
        **{key: value for key, value in (timeouts or {}).items() if value is not None},
    }
    return {key: parse_duration(merged[key]) for key in DEFAULT_TIMEOUTS}


def autoname(resource_name: str, *, choose: Callable[[str], str] = random_source.choice) -> str:
    """Generate an endpoint name from a Pulumi resource name: ``<prefix>-<random suffix>``.

    The prefix is the resource name lowercased, with every run of characters the API refuses turned
    into one ``-``, truncated so that the whole name fits the API's 32 characters.

    Args:
        resource_name: The Pulumi resource name.
        choose: Picks one character of the suffix alphabet (inject for repeatable names).
    """
    prefix = re.sub(r"[^a-z0-9]+", "-", resource_name.lower()).strip("-")
    prefix = prefix[: MAX_NAME_LENGTH - _SUFFIX_LENGTH - 1].rstrip("-") or "endpoint"
    suffix = "".join(choose(_SUFFIX_ALPHABET) for _ in range(_SUFFIX_LENGTH))
    return f"{prefix}-{suffix}"


def validate(inputs: Mapping[str, Any], *, is_unknown: Callable[[Any], bool]) -> list[Problem]:
    """Check inputs against the table's types and ranges and the rules between inputs.

    Args:
        inputs: The inputs after defaults and aliases are applied (``type`` ``protected`` already
            mapped to ``authenticated``, the name chosen).
        is_unknown: Tells a value still unknown during a preview; such values are not judged, nor
            are rules that involve them.

    Returns:
        Every problem found, in table order; empty if the inputs are valid.
    """
    problems: list[Problem] = []
    for field in FIELDS:
        value = inputs.get(field.name)
        if value is None:
            if field.removal is Removal.REQUIRED:
                problems.append(Problem(field.name, f"{field.name} is required: {_hint(field)}"))
            continue
        if is_unknown(value):
            continue
        problems.extend(_check_field(field, value, is_unknown))

    def known(name: str) -> Any:
        value = inputs.get(name)
        return None if value is None or contains_unknown(value, is_unknown) else value

    problems.extend(_check_relations(known, inputs))
    return problems


def _hint(field: Field) -> str:
    return field.description[0].lower() + field.description[1:]


def _shown(field: Field, value: Any) -> str:
    return "(value not shown)" if field.redacted else repr(value)


def _check_field(field: Field, value: Any, is_unknown: Callable[[Any], bool]) -> list[Problem]:
    name = field.name
    kind_error = _kind_error(field, value, is_unknown)
    if kind_error is not None:
        return [Problem(name, kind_error)]
    problems: list[Problem] = []
    if field.kind is Kind.STRING and not value.strip():
        problems.append(Problem(name, f"{name} is empty: {_hint(field)}"))
        return problems
    if field.choices and value not in field.choices:
        choices = ", ".join(repr(choice) for choice in field.choices)
        problems.append(Problem(name, f"{name} is {value!r}; use one of {choices}."))
    # Only the numeric inputs declare bounds, and their type was checked above.
    too_low = field.minimum is not None and value < field.minimum
    too_high = field.maximum is not None and value > field.maximum
    if too_low or too_high:
        problems.append(Problem(name, _range_reason(field, value)))
    if field.check is not None:
        problems.extend(Problem(name, reason) for reason in field.check(value, is_unknown))
    return problems


def _range_reason(field: Field, value: Any) -> str:
    if field.maximum is not None and field.minimum is not None:
        bounds = f"between {field.minimum:g} and {field.maximum:g}"
    elif field.minimum is not None:
        bounds = f"at least {field.minimum:g}"
    else:
        bounds = f"at most {field.maximum:g}"
    unit = f" {field.unit}" if field.unit else ""
    return f"{field.name} is {value!r}; it must be {bounds}{unit}."


def _kind_error(field: Field, value: Any, is_unknown: Callable[[Any], bool]) -> str | None:
    name = field.name
    shown = _shown(field, value)
    if field.kind is Kind.STRING and not isinstance(value, str):
        return f"{name} must be a string, not {type(value).__name__} {shown}."
    if field.kind is Kind.BOOLEAN and not isinstance(value, bool):
        return f"{name} must be true or false, not {shown}."
    if field.kind is Kind.INTEGER:
        whole_float = isinstance(value, float) and value.is_integer()
        if isinstance(value, bool) or not (isinstance(value, int) or whole_float):
            return f"{name} must be a whole number, not {shown}."
    if field.kind is Kind.NUMBER and (isinstance(value, bool) or not isinstance(value, (int, float))):
        return f"{name} must be a number, not {shown}."
    if _has_non_finite(value):
        # JSON has no NaN or infinity: httpx refuses to encode them, and the API could not read them.
        return f"{name} must not contain NaN or infinite numbers, not {shown}."
    if field.kind is Kind.STRING_LIST:
        if not isinstance(value, (list, tuple)):
            return f"{name} must be a list of strings, not {type(value).__name__}."
        for index, item in enumerate(value):
            if not is_unknown(item) and (not isinstance(item, str) or not item):
                return f"{name}[{index}] must be a non-empty string, not {_shown(field, item)}."
    if field.kind is Kind.STRING_MAP:
        if not isinstance(value, Mapping):
            return f"{name} must be a map of names to strings, not {type(value).__name__}."
        for key, item in value.items():
            if not isinstance(key, str) or not re.match(r"^[A-Za-z_][A-Za-z0-9_.-]*$", key):
                return (
                    f"{name} has an invalid variable name {key!r}: use letters, digits and underscores, "
                    "starting with a letter or underscore."
                )
            if not is_unknown(item) and not isinstance(item, str):
                # The value is never quoted: env and secrets values stay out of messages.
                kind = type(item).__name__
                return f"{name}[{key!r}] must be a string (quote numbers and booleans), not {kind}."
    if field.kind is Kind.OBJECT and not isinstance(value, Mapping):
        return f"{name} must be a map, not {type(value).__name__}."
    return None


def _check_relations(known: Callable[[str], Any], inputs: Mapping[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    min_replica, max_replica = known("min_replica"), known("max_replica")
    # max_replica defaults to 1: min_replica 2 alone is as refused by the API as beside max_replica 1.
    max_declared = inputs.get("max_replica") is not None
    if not max_declared:
        max_replica = FIELDS_BY_NAME["max_replica"].default
    if (
        isinstance(min_replica, (int, float))
        and isinstance(max_replica, (int, float))
        and min_replica > max_replica
    ):
        shown = f"{max_replica!r}" + ("" if max_declared else " (the default)")
        problems.append(
            Problem(
                "min_replica",
                f"min_replica {min_replica!r} is above max_replica {shown}; lower min_replica or "
                "raise max_replica.",
            )
        )
    problems.extend(_check_timeout(known, inputs))
    problems.extend(_check_desired_state(known, inputs))
    if inputs.get("scaling_threshold") is not None and inputs.get("scaling_metric") is None:
        problems.append(
            Problem(
                "scaling_threshold",
                "scaling_threshold needs scaling_metric: set scaling_metric to 'hardwareUsage' or "
                "'pendingRequests'.",
            )
        )
    if (
        inputs.get("container_registry_password") is not None
        and inputs.get("container_registry_username") is None
    ):
        problems.append(
            Problem(
                "container_registry_password",
                "container_registry_password needs container_registry_username: "
                "set the registry username too.",
            )
        )
    if inputs.get("container_registry_username") is not None:
        image = inputs.get("custom_image")
        if image is None:
            problems.append(
                Problem(
                    "container_registry_username",
                    "registry credentials need custom_image: set custom_image to the container image "
                    "they unlock, e.g. {'url': 'registry.example.com/model:1', 'port': 80}.",
                )
            )
        elif isinstance(image, Mapping) and "url" not in image and "custom" not in image:
            problems.append(
                Problem(
                    "container_registry_username",
                    "registry credentials apply only to a custom container: give custom_image as a flat "
                    "{'url': ..., 'port': ...} or as {'custom': {...}}.",
                )
            )
    account, link_region = inputs.get("private_link_account_id"), inputs.get("private_link_region")
    if account is not None and link_region is None:
        problems.append(
            Problem(
                "private_link_region",
                "private_link_account_id needs private_link_region: set the AWS region of the PrivateLink "
                "entry point, 'us-east-1' or 'eu-west-1'.",
            )
        )
    if link_region is not None and account is None:
        problems.append(
            Problem(
                "private_link_account_id",
                "private_link_region needs private_link_account_id: set the AWS account allowed to connect.",
            )
        )
    return problems


def _has_non_finite(value: Any, depth: int = 0) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if depth > 64:
        # Nothing legitimate nests this deep; the API would refuse it anyway.
        return False
    if isinstance(value, Mapping):
        return any(_has_non_finite(item, depth + 1) for item in value.values())
    if isinstance(value, (list, tuple)):
        return any(_has_non_finite(item, depth + 1) for item in value)
    return False


def _min_replica_above_zero(known: Callable[[str], Any], inputs: Mapping[str, Any]) -> str | None:
    """min_replica as a message shows it, when it keeps replicas up (declared, or 1 by default);
    None when it is 0 or unknown."""
    declared = inputs.get("min_replica")
    min_replica = FIELDS_BY_NAME["min_replica"].default if declared is None else known("min_replica")
    if not isinstance(min_replica, (int, float)) or min_replica < 1:
        return None
    return f"{min_replica:g}" + (" (the default)" if declared is None else "")


def _check_timeout(known: Callable[[str], Any], inputs: Mapping[str, Any]) -> list[Problem]:
    # The API refuses a timeout unless minReplica is 0, and min_replica defaults to 1: a timeout
    # declared alone would pass the preview and fail at `up`.
    timeout = known("scale_to_zero_timeout")
    shown = _min_replica_above_zero(known, inputs)
    if not isinstance(timeout, (int, float)) or shown is None:
        return []
    return [
        Problem(
            "scale_to_zero_timeout",
            f"scale_to_zero_timeout {timeout:g} needs min_replica 0, but min_replica is {shown}: the API "
            "scales an endpoint to zero only when min_replica is 0. Set min_replica=0 to let it scale "
            "to zero after that many idle minutes, or remove scale_to_zero_timeout to keep replicas "
            "running.",
        )
    ]


def _check_desired_state(known: Callable[[str], Any], inputs: Mapping[str, Any]) -> list[Problem]:
    if known("desired_state") != SCALED_TO_ZERO:
        return []
    shown = _min_replica_above_zero(known, inputs)
    if shown is None:
        return []
    return [
        Problem(
            "desired_state",
            f"desired_state 'scaledToZero' needs min_replica 0, but min_replica is {shown}: the service "
            "keeps at least min_replica replicas, so the endpoint would scale straight back up. Set "
            "min_replica=0 (scale_to_zero_timeout then says how long it may idle before the service "
            "scales it to zero by itself), or use desired_state='paused' to stop it altogether.",
        )
    ]
