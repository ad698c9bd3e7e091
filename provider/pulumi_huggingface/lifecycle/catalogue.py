"""The hardware catalogue of a namespace: what a create may ask for, and the quota a refusal hit.

This module imports nothing from Pulumi.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from pulumi_huggingface.errors import (
    AuthenticationError,
    EndpointOperationError,
    HuggingFaceError,
    PermissionDeniedError,
    QuotaExceededError,
)

if TYPE_CHECKING:
    from pulumi_huggingface.client import EndpointsClient

__all__ = ["check_hardware", "explain_quota"]


def check_hardware(
    client: EndpointsClient, namespace: str, props: Mapping[str, Any], warn: Callable[[str], None]
) -> None:
    """Refuse hardware the namespace's catalogue does not offer, listing what it does offer.

    Args:
        client: The API client.
        namespace: The namespace the endpoint is created in.
        props: The checked inputs (vendor, region, accelerator, instance type and size).
        warn: Receives the warning when the catalogue cannot be read (the API then checks).

    Raises:
        EndpointOperationError: The vendor, region or compute is not offered to the namespace.
        AuthenticationError, PermissionDeniedError: The namespace refuses the token.
    """
    try:
        catalogue = client.list_hardware(namespace)
    except (AuthenticationError, PermissionDeniedError):
        # The namespace refuses this token: the create would be refused too, so say so now.
        raise
    except HuggingFaceError as exc:
        warn(f"huggingface: could not read the hardware catalogue of {namespace} ({exc}); the API checks it")
        return
    vendor, region = props.get("vendor"), props.get("region")
    wanted = (props.get("accelerator"), props.get("instance_type"), props.get("instance_size"))
    vendors = {v.get("name"): v for v in catalogue.get("vendors") or [] if isinstance(v, Mapping)}
    if vendor not in vendors:
        offered = ", ".join(sorted(str(key) for key in vendors)) or "none"
        raise EndpointOperationError(f"vendor {vendor!r} is not offered to {namespace}; offered: {offered}.")
    regions = {r.get("name"): r for r in vendors[vendor].get("regions") or [] if isinstance(r, Mapping)}
    if region not in regions:
        offered = ", ".join(sorted(str(key) for key in regions)) or "none"
        raise EndpointOperationError(
            f"region {region!r} is not offered by vendor {vendor!r} to {namespace}; offered: {offered}."
        )
    computes = [c for c in regions[region].get("computes") or [] if isinstance(c, Mapping)]
    offered_set = {(c.get("accelerator"), c.get("instanceType"), c.get("instanceSize")) for c in computes}
    if wanted not in offered_set:
        choices = "; ".join(
            f"accelerator={a} instance_type={t} instance_size={s}"
            for a, t, s in sorted(offered_set, key=lambda item: tuple(map(str, item)))
        )
        accelerator, instance_type, instance_size = wanted
        raise EndpointOperationError(
            f"accelerator={accelerator} instance_type={instance_type} "
            f"instance_size={instance_size} is not "
            f"offered in {vendor}/{region} to {namespace}. Offered there: {choices or 'nothing'}."
        )


def explain_quota(
    exc: QuotaExceededError, props: Mapping[str, Any], list_hardware: Callable[[str], Mapping[str, Any]]
) -> QuotaExceededError:
    """Say which quota a refused create, update or resume hit, with the namespace's figures.

    Args:
        exc: The refusal; its message is rewritten in place.
        props: The inputs of the refused call (hardware, vendor, region, max_replica).
        list_hardware: Reads a namespace's catalogue, which holds its quotas; if it fails, the
            message goes without figures.

    Returns:
        `exc`, its message rewritten.
    """
    parts = [part for part in exc.path.split("/") if part]
    at = parts.index("endpoint") if "endpoint" in parts else len(parts)
    namespace = parts[at + 1] if at + 1 < len(parts) else str(props.get("namespace") or "?")
    name = parts[at + 2] if at + 2 < len(parts) else str(props.get("name") or "?")
    action = (
        "Resuming" if exc.path.endswith("/resume") else "Creating" if exc.method == "POST" else "Updating"
    )
    vendor, region = props.get("vendor"), props.get("region")
    instance_type, size, replicas = (
        props.get("instance_type"),
        props.get("instance_size"),
        props.get("max_replica"),
    )
    figures = ""
    try:
        listing = list_hardware(namespace)
    except HuggingFaceError:
        listing = {}
    offers = [
        compute
        for vendor_item in listing.get("vendors") or []
        if vendor_item.get("name") == vendor
        for region_item in vendor_item.get("regions") or []
        if region_item.get("name") == region
        for compute in region_item.get("computes") or []
        if (compute.get("instanceType"), compute.get("instanceSize")) == (instance_type, size)
    ]
    quota = (offers[0].get("quota") or {}) if offers else {}
    per_replica = offers[0].get("numAccelerators") if offers else None
    if all(isinstance(value, int) for value in (per_replica, *quota.values())) and quota:
        figures = (
            f" ({per_replica} accelerator(s) each); {namespace} may run {quota.get('maxAccelerators')} "
            f"{instance_type} accelerators in {vendor}/{region} and uses {quota.get('usedAccelerators')}"
        )
    outcome = " Nothing was created." if action == "Creating" else " Nothing was changed."
    exc.args = (
        f"{action} inference endpoint {namespace}/{name} was refused with {exc.status_code} "
        f"({exc.server_message}): it needs up to {replicas} replica(s) of {instance_type} {size} in "
        f"{vendor}/{region}{figures}.{outcome} {exc.hint}",
    )
    return exc
