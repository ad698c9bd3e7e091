"""Property values as the engine handles them: secret markers, unknowns and wire marshalling.

Values in this package are plain Python data. A secret is the SDK's own RPC form,
`pulumi.runtime.rpc.wrap_rpc_secret(value)` (a dict carrying the secret signature key), so state stays
JSON-serialisable; an unknown (preview only) is a `pulumi.output.Unknown` instance.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from google.protobuf import struct_pb2
from pulumi.output import Unknown
from pulumi.runtime import rpc

PROVIDER_KEY = "__provider"
"""The input and output holding the dill pickle of the dynamic provider."""


def is_secret(value: Any) -> bool:
    """Return whether `value` is a secret in the SDK's RPC form."""
    return bool(rpc.is_rpc_secret(value))


def is_unknown(value: Any) -> bool:
    """Return whether `value` is a preview-time unknown (an `Unknown` or the wire sentinel)."""
    return isinstance(value, Unknown) or (isinstance(value, str) and value == rpc.UNKNOWN)


def contains_secrets(value: Any) -> bool:
    """Return whether `value` is, or holds anywhere inside it, a secret."""
    if is_secret(value):
        return True
    if isinstance(value, Mapping):
        return any(contains_secrets(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(contains_secrets(v) for v in value)
    return False


def contains_unknowns(value: Any) -> bool:
    """Return whether `value` is, or holds anywhere inside it, an unknown."""
    if is_unknown(value):
        return True
    if is_secret(value):
        return contains_unknowns(value["value"])
    if isinstance(value, Mapping):
        return any(contains_unknowns(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(contains_unknowns(v) for v in value)
    return False


def strip_secrets(value: Any) -> Any:
    """Return `value` with every secret marker removed (the engine's `removeSecrets`)."""
    if is_secret(value):
        return strip_secrets(value["value"])
    if isinstance(value, Mapping):
        return {k: strip_secrets(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [strip_secrets(v) for v in value]
    return value


def annotate_secrets(outs: dict[str, Any], ins: Mapping[str, Any]) -> dict[str, Any]:
    """Mark secret every value of `outs` whose same-named value in `ins` holds a secret.

    This is the engine's `annotateSecrets`, applied to the results of a provider that declined
    secrets (`acceptSecrets=False`, as the SDK's dynamic provider server answers): objects present
    on both sides are walked key by key, anything else is wrapped whole.

    Args:
        outs: Values returned by the provider (not modified).
        ins: The values sent, with their secret markers.

    Returns:
        A copy of `outs` with the secret markers restored.
    """
    result = dict(outs)
    for key, in_value in ins.items():
        if key not in result:
            continue
        out_value = result[key]
        both_objects = (
            isinstance(out_value, Mapping)
            and isinstance(in_value, Mapping)
            and not is_secret(out_value)
            and not is_secret(in_value)
        )
        if both_objects:
            result[key] = annotate_secrets(dict(out_value), in_value)
        elif not is_secret(out_value) and contains_secrets(in_value):
            result[key] = rpc.wrap_rpc_secret(out_value)
    return result


def secret_paths(value: Any, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    """List the paths (keys and list indexes) at which `value` holds a secret marker.

    Args:
        value: A property bag or value in the RPC form.
        prefix: Path of `value` itself.

    Returns:
        One tuple per secret, outermost first; `()` when `value` itself is secret.
    """
    if is_secret(value):
        return [prefix]
    found: list[tuple[str | int, ...]] = []
    if isinstance(value, Mapping):
        for k, v in value.items():
            found.extend(secret_paths(v, (*prefix, k)))
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            found.extend(secret_paths(v, (*prefix, i)))
    return found


def to_struct(props: Mapping[str, Any], *, keep_unknowns: bool) -> struct_pb2.Struct:
    """Marshal a property bag the way the SDK does (`rpc.serialize_properties`).

    Each call runs on its own private event loop, as the SDK's provider server does, so any number
    of threads may marshal at once and no loop of the caller's is touched.

    Args:
        props: Plain values; secrets in RPC form; `Unknown` where a value is not known yet.
        keep_unknowns: Whether unknowns may be sent (only during preview, as the engine does).

    Returns:
        The protobuf Struct.

    Raises:
        ValueError: An unknown is present and `keep_unknowns` is false.
    """
    if not keep_unknowns and contains_unknowns(dict(props)):
        raise ValueError("unknown values can only be sent during a preview")
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(rpc.serialize_properties(dict(props), {}))
    finally:
        loop.close()


def from_struct(struct: struct_pb2.Struct | None, *, keep_unknowns: bool) -> dict[str, Any]:
    """Unmarshal a protobuf Struct into plain values (`rpc.deserialize_properties`).

    Args:
        struct: The Struct, or None for an unset message field.
        keep_unknowns: Keep unknowns as `Unknown` instead of dropping them.

    Returns:
        The property bag.
    """
    if struct is None:
        return {}
    result = rpc.deserialize_properties(struct, keep_unknowns)
    return dict(result) if isinstance(result, dict) else {}
