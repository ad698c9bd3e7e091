"""The outputs of a resource: its declared inputs reconciled with the endpoint, plus what the API reports.

This module imports nothing from Pulumi.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from pulumi_huggingface import schema
from pulumi_huggingface.schema import (
    FIELDS,
    INTERNAL_CREATION_TOKEN,
    INTERNAL_DEFAULTS,
    INTERNAL_DEFAULTS_VERSION,
    INTERNAL_RESOURCE_IDENTITY,
    INTERNAL_RESOURCE_NAME,
    Mutability,
)

__all__ = ["INTERNAL_KEYS", "declared_outputs", "internal_inputs", "live_outputs"]

# The provider's own inputs, carried from the inputs into the outputs unchanged.
INTERNAL_KEYS: Final = (
    INTERNAL_DEFAULTS,
    INTERNAL_DEFAULTS_VERSION,
    INTERNAL_RESOURCE_NAME,
    INTERNAL_CREATION_TOKEN,
    INTERNAL_RESOURCE_IDENTITY,
)


def internal_inputs(props: Mapping[str, Any]) -> dict[str, Any]:
    """Return the provider's own inputs (`INTERNAL_KEYS`) found in `props`, to carry over unchanged."""
    return {key: props[key] for key in INTERNAL_KEYS if key in props}


def declared_outputs(
    namespace: str,
    declared: Mapping[str, Any],
    endpoint: Mapping[str, Any],
    *,
    applied: bool,
    previous: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Echo the declared inputs, reconciled with the live endpoint, plus what the API reports.

    Args:
        namespace: The resolved namespace.
        declared: The inputs as the program declared them (checked).
        endpoint: The endpoint's JSON.
        applied: The declared revision was just sent, so the live commit is its resolution.
        previous: The previous outputs, for context.
    """
    live = schema.live_inputs(endpoint)
    reported = schema.status_outputs(endpoint)
    context = dict(previous or {})
    if applied:
        context.update(revision=declared.get("revision"), resolved_revision=reported["resolved_revision"])
    outs: dict[str, Any] = {}
    for field in FIELDS:
        if field.from_url:
            outs[field.name] = namespace
        elif field.mutability is Mutability.PROVIDER:
            outs[field.name] = declared.get(field.name)
        elif field.observe is not None:
            outs[field.name] = field.observe(declared.get(field.name), endpoint)
        else:
            outs[field.name] = schema.reconcile(field, declared.get(field.name), live[field.name], context)
    outs.update(reported)
    outs.update(internal_inputs(declared))
    return outs


def live_outputs(namespace: str, endpoint: Mapping[str, Any], props: Mapping[str, Any]) -> dict[str, Any]:
    """The outputs of a looked-up endpoint (nothing declared): everything as the API reports it."""
    outs = {**schema.live_inputs(endpoint), "namespace": namespace, **schema.status_outputs(endpoint)}
    outs.update(internal_inputs(props))
    return outs
