"""What check fills in for a declaration, and what diff decides from two of them.

Check chooses what the program leaves out (the autoname, the namespace's mark, the creation token)
and records which inputs it filled in; diff compares the previous outputs with the new inputs,
driven by `schema.FIELDS`, and says whether the endpoint is updated or replaced, and in which order.

This module imports nothing from Pulumi: values still unknown during a preview are recognised by
the `is_unknown` the provider passes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from pulumi_huggingface import schema, validation
from pulumi_huggingface.lifecycle import ownership
from pulumi_huggingface.schema import (
    DEFAULTS_VERSION,
    FIELDS,
    FIELDS_BY_NAME,
    INTERNAL_DEFAULTS,
    INTERNAL_DEFAULTS_VERSION,
    INTERNAL_RESOURCE_NAME,
    Mutability,
)

__all__ = ["Decision", "decide", "fill_in"]


def fill_in(olds: Mapping[str, Any], inputs: dict[str, Any]) -> None:
    """Fill in, in place, what check adds to a declaration before validating it.

    The autoname (kept from `olds`, the previous inputs, else generated), the list of inputs check
    filled in (`INTERNAL_DEFAULTS`), the creation token (kept or new, see
    `ownership.creation_token_for`), the resource identity if well formed, and ``desired_state``.
    A token or a malformed identity in the program's own inputs is dropped: only check chooses them.
    """
    _choose_name(olds, inputs)
    inputs.pop(ownership.INTERNAL_CREATION_TOKEN, None)
    token = ownership.creation_token_for(olds)
    if token is not None:
        inputs[ownership.INTERNAL_CREATION_TOKEN] = token
    # A resource declared with an older version of this package (or a hand-written input) has no
    # identity: its endpoints then get no identity tag, and nothing is recognised by identity.
    identity = inputs.pop(ownership.INTERNAL_RESOURCE_IDENTITY, None)
    if ownership.is_resource_identity(identity):
        inputs[ownership.INTERNAL_RESOURCE_IDENTITY] = identity
    if inputs.get("desired_state") is None:
        # Spelled out, so a preview of a pause reads `desired_state: "running" => "paused"`.
        inputs["desired_state"] = FIELDS_BY_NAME["desired_state"].default


def _choose_name(olds: Mapping[str, Any], inputs: dict[str, Any]) -> None:
    defaulted = [key for key in filled_in(inputs) if key not in ("name", "namespace")]
    if inputs.get("namespace") is None:
        # Resolved at create (stack config, else the token's owner) and echoed in the outputs;
        # recorded here so a refresh keeps it out of the inputs the program never declared.
        defaulted.append("namespace")
    if inputs.get("name") is None:
        # Keep the name generated on an earlier run; a replacement re-checks without olds and
        # so gets a fresh suffix, letting the new endpoint exist beside the old one.
        previous = olds.get("name") if "name" in filled_in(olds) else None
        resource_name = inputs.get(INTERNAL_RESOURCE_NAME)
        resource_name = resource_name if isinstance(resource_name, str) else "endpoint"
        inputs["name"] = previous or validation.autoname(resource_name)
        defaulted.append("name")
    inputs[INTERNAL_DEFAULTS] = sorted(defaulted)
    inputs[INTERNAL_DEFAULTS_VERSION] = DEFAULTS_VERSION


def filled_in(props: Mapping[str, Any]) -> list[str]:
    """The inputs check filled in (`INTERNAL_DEFAULTS`), ignoring anything else a hostile program sent."""
    value = props.get(INTERNAL_DEFAULTS)
    return [item for item in value if isinstance(item, str)] if isinstance(value, (list, tuple)) else []


@dataclasses.dataclass(frozen=True)
class Decision:
    """What a diff decided.

    Attributes:
        changes: Whether the resource changes at all (an update that sends nothing counts).
        replaces: The inputs whose change replaces the endpoint.
        delete_before_replace: The replacement has the same namespace and name, so the old
            endpoint must go first.
    """

    changes: bool
    replaces: list[str]
    delete_before_replace: bool


def decide(
    id_: str, olds: Mapping[str, Any], news: Mapping[str, Any], *, is_unknown: Callable[[Any], bool]
) -> Decision:
    """Compare the previous outputs with the new checked inputs, driven by `schema.FIELDS`."""
    changed = schema.changed_fields(olds, news, is_unknown=is_unknown)
    if not changed:
        # Declaring or removing an input without changing what the endpoint holds (removing
        # a keep-on-removal input, writing out a default) changes nothing on the API, but the
        # outputs, which a refresh turns back into inputs, must echo what is declared: an
        # update that sends no request. Otherwise a refresh would put back a removed input
        # or drop a declared one.
        return Decision(changes=_declarations_differ(olds, news), replaces=[], delete_before_replace=False)
    replaces = [name for name in changed if FIELDS_BY_NAME[name].mutability is Mutability.REPLACE]
    # Names are unique in a namespace: a replacement under the same name must delete first.
    same_identity = bool(replaces) and _same_name(id_, olds, news, is_unknown)
    return Decision(changes=True, replaces=replaces, delete_before_replace=same_identity)


def _declarations_differ(olds: Mapping[str, Any], news: Mapping[str, Any]) -> bool:
    """Whether the program declares an input the outputs do not echo, or the reverse.

    The outputs echo each declared input and hold None for the others. The namespace is always
    an output, so whether it was declared is the mark check leaves in `__defaults`. Outputs
    written before the mark existed (no `__defaults_version`) cannot tell, so the namespace's
    declaration counts as unchanged: an upgrade alone never previews an update.
    """

    def namespace_declared(props: Mapping[str, Any]) -> bool:
        return "namespace" not in filled_in(props)

    marked = olds.get(INTERNAL_DEFAULTS_VERSION) is not None
    if marked and namespace_declared(olds) != namespace_declared(news):
        return True
    return any(
        (news.get(field.name) is None) != (olds.get(field.name) is None)
        for field in FIELDS
        if not field.filled_by_check
    )


def _same_name(
    id_: str, olds: Mapping[str, Any], news: Mapping[str, Any], is_unknown: Callable[[Any], bool]
) -> bool:
    """Whether the replacement would have the namespace and name of the endpoint it replaces."""
    old_namespace, _, old_name = id_.partition("/")
    old_namespace = olds.get("namespace") or old_namespace
    old_name = olds.get("name") or old_name
    new_namespace = news.get("namespace") or old_namespace
    new_name = news.get("name")
    if "name" in filled_in(news):
        # An autoname: the engine re-runs check without the old inputs before it replaces, so
        # the replacement gets a fresh name and can be created before the old endpoint goes.
        return False
    if is_unknown(new_namespace) or is_unknown(new_name):
        return True
    return bool(new_namespace == old_namespace and new_name == old_name)
