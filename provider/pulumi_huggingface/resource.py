"""`InferenceEndpoint`, the Pulumi resource, and `InferenceEndpointArgs`, its typed inputs."""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Any, Final

import pulumi
from pulumi.dynamic import Resource

from pulumi_huggingface.provider import InferenceEndpointProvider
from pulumi_huggingface.schema import FIELDS, INTERNAL_RESOURCE_IDENTITY, INTERNAL_RESOURCE_NAME, OUTPUTS

__all__ = ["InferenceEndpoint", "InferenceEndpointArgs", "resource_identity"]

_SECRET_INPUTS: Final = [field.name for field in FIELDS if field.secret]
# The type token the engine gives `InferenceEndpoint` (`pulumi-python:dynamic/<module>:<name>`).
_TYPE_TOKEN: Final = "pulumi-python:dynamic/huggingface:InferenceEndpoint"
# 64 bits of a SHA-256: resources of one namespace never share an identity by chance, and the tag
# stays short.
_IDENTITY_HEX: Final = 16


def resource_identity(
    resource_name: str,
    *,
    organization: str,
    project: str,
    stack: str,
    parent: str = "",
    type_token: str = _TYPE_TOKEN,
) -> str:
    """Return the identity of a resource: what stays the same across every run that declares it.

    The engine never tells a dynamic provider which stack or resource it works for (the plugin
    process sees neither the stack nor the organization), so the program computes this and sends
    it as the internal input ``__resource_identity``; create writes it onto the endpoint as the tag
    ``pulumi-hf-id:<identity>``. Unlike the creation token, it survives a `pulumi up` that was
    interrupted before anything reached the state, which is what lets the next run recognise the
    endpoint the interrupted one left.

    Args:
        resource_name: The Pulumi resource name.
        organization: The Pulumi organization (``pulumi.get_organization()``).
        project: The Pulumi project.
        stack: The stack.
        parent: The parent resource's name, "" for a resource at the top of the stack: two children
            of the same name under two components of one type have the same URN type chain.
        type_token: The resource's type token.

    Returns:
        A short hex digest (`_IDENTITY_HEX` digits).
    """
    # NUL cannot occur in any of these names, so no two tuples hash the same text.
    text = "\0".join((organization, project, stack, type_token, parent, resource_name))
    return hashlib.sha256(text.encode()).hexdigest()[:_IDENTITY_HEX]


def _current_identity(resource_name: str, opts: pulumi.ResourceOptions | None) -> str:
    parent = opts.parent if opts is not None else None
    return resource_identity(
        resource_name,
        # Under the SDK's mocks the organization may be unset; a real deployment always has one.
        organization=pulumi.get_organization() or "",
        project=pulumi.get_project() or "",
        stack=pulumi.get_stack() or "",
        parent=parent.pulumi_resource_name if isinstance(parent, pulumi.Resource) else "",
    )


@dataclasses.dataclass(kw_only=True)
class InferenceEndpointArgs:
    # The docstring is generated from `schema.FIELDS` below, so the descriptions have one source.
    name: pulumi.Input[str] | None = None
    namespace: pulumi.Input[str] | None = None
    repository: pulumi.Input[str] | None = None
    framework: pulumi.Input[str] | None = None
    task: pulumi.Input[str] | None = None
    revision: pulumi.Input[str] | None = None
    accelerator: pulumi.Input[str] | None = None
    instance_size: pulumi.Input[str] | None = None
    instance_type: pulumi.Input[str] | None = None
    vendor: pulumi.Input[str] | None = None
    region: pulumi.Input[str] | None = None
    min_replica: pulumi.Input[int] | None = None
    max_replica: pulumi.Input[int] | None = None
    scale_to_zero_timeout: pulumi.Input[int] | None = None
    scaling_metric: pulumi.Input[str] | None = None
    scaling_threshold: pulumi.Input[float] | None = None
    type: pulumi.Input[str] | None = None
    custom_image: pulumi.Input[dict[str, Any]] | None = None
    container_registry_username: pulumi.Input[str] | None = None
    container_registry_password: pulumi.Input[str] | None = None
    container_command: pulumi.Input[list[pulumi.Input[str]]] | None = None
    container_args: pulumi.Input[list[pulumi.Input[str]]] | None = None
    env: pulumi.Input[dict[str, pulumi.Input[str]]] | None = None
    secrets: pulumi.Input[dict[str, pulumi.Input[str]]] | None = None
    tags: pulumi.Input[list[pulumi.Input[str]]] | None = None
    domain: pulumi.Input[str] | None = None
    path: pulumi.Input[str] | None = None
    cache_http_responses: pulumi.Input[bool] | None = None
    private_link_account_id: pulumi.Input[str] | None = None
    private_link_region: pulumi.Input[str] | None = None
    desired_state: pulumi.Input[str] | None = None
    adopt_existing: pulumi.Input[bool] | None = None
    secrets_already_set: pulumi.Input[bool] | None = None
    timeouts: pulumi.Input[dict[str, pulumi.Input[str]]] | None = None


def _args_doc() -> str:
    lines = [
        "The inputs of an `InferenceEndpoint`, named as in huggingface_hub's `create_inference_endpoint`.",
        "",
        "Required: repository, framework, accelerator, instance_size, instance_type, vendor, region.",
        "",
        "Attributes:",
    ]
    lines.extend(f"    {field.name}: {field.description}" for field in FIELDS)
    return "\n".join(lines)


InferenceEndpointArgs.__doc__ = _args_doc()


class InferenceEndpoint(Resource, module="huggingface", name="InferenceEndpoint"):
    """A Hugging Face Inference Endpoint.

    Changes to the endpoint's configuration are applied in place with one update; a change of name,
    namespace, vendor, region or PrivateLink replaces it (deleting first when the name stays the
    same, since names are unique). Create and update wait until the endpoint has settled (running,
    or scaled to zero when ``min_replica`` is 0), within ``timeouts``.

    Operational state: ``desired_state`` holds the endpoint ``running`` (the default), ``paused`` or
    ``scaledToZero``; a change is an in-place update applied with the pause, resume or
    scale-to-zero call. Autoscaling (idling to zero, waking on a request) is never drift.

    Adoption: ``pulumi import`` does not work for dynamic resources. To bring an endpoint that
    already exists under management, declare it with its name and ``adopt_existing=True``: the
    create then takes it over, applies whatever differs from the program, and waits, instead of
    failing on the name conflict. Without it, a name conflict fails with a message saying so.

    Interrupted runs: the constructor sends an identity hashed from the organization, project,
    stack, parent and resource names (`resource_identity`), which the endpoint carries as a hidden
    tag. A `pulumi up` after one that failed or was interrupted mid-create takes over the endpoint
    that run left under the same explicit ``name``; under an autoname it warns, naming the endpoint
    and how to delete it.

    Credentials: the token comes from ``pulumi config set --secret huggingface:token ...`` or the
    ``HF_TOKEN`` environment variable; ``huggingface:namespace`` sets the default namespace.

    Example:
        >>> endpoint = InferenceEndpoint(  # doctest: +SKIP
        ...     "classifier",
        ...     repository="distilbert/distilbert-base-uncased-finetuned-sst-2-english",
        ...     framework="pytorch",
        ...     task="text-classification",
        ...     accelerator="cpu",
        ...     vendor="aws",
        ...     region="us-east-1",
        ...     instance_type="intel-icl",
        ...     instance_size="x2",
        ...     min_replica=0,
        ...     scale_to_zero_timeout=15,
        ... )
    """

    name: pulumi.Output[str]
    namespace: pulumi.Output[str]
    repository: pulumi.Output[str]
    framework: pulumi.Output[str]
    task: pulumi.Output[str | None]
    revision: pulumi.Output[str | None]
    accelerator: pulumi.Output[str]
    instance_size: pulumi.Output[str]
    instance_type: pulumi.Output[str]
    vendor: pulumi.Output[str]
    region: pulumi.Output[str]
    min_replica: pulumi.Output[int | None]
    max_replica: pulumi.Output[int | None]
    scale_to_zero_timeout: pulumi.Output[int | None]
    scaling_metric: pulumi.Output[str | None]
    scaling_threshold: pulumi.Output[float | None]
    type: pulumi.Output[str | None]
    custom_image: pulumi.Output[dict[str, Any] | None]
    container_registry_username: pulumi.Output[str | None]
    container_registry_password: pulumi.Output[str | None]
    container_command: pulumi.Output[list[str] | None]
    container_args: pulumi.Output[list[str] | None]
    env: pulumi.Output[dict[str, str] | None]
    secrets: pulumi.Output[dict[str, str] | None]
    tags: pulumi.Output[list[str] | None]
    domain: pulumi.Output[str | None]
    path: pulumi.Output[str | None]
    cache_http_responses: pulumi.Output[bool | None]
    private_link_account_id: pulumi.Output[str | None]
    private_link_region: pulumi.Output[str | None]
    desired_state: pulumi.Output[str | None]
    adopt_existing: pulumi.Output[bool | None]
    secrets_already_set: pulumi.Output[bool | None]
    timeouts: pulumi.Output[dict[str, str] | None]
    url: pulumi.Output[str | None]
    """The URL to send inference requests to, once running."""
    state: pulumi.Output[str]
    """The endpoint's state, e.g. ``running`` or ``scaledToZero``."""
    status_message: pulumi.Output[str | None]
    """What the API says about the state."""
    ready_replica: pulumi.Output[int | None]
    """Replicas ready to serve."""
    target_replica: pulumi.Output[int | None]
    """Replicas the endpoint scales to."""
    created_at: pulumi.Output[str]
    """When the endpoint was created (UTC)."""
    updated_at: pulumi.Output[str]
    """When the endpoint was last changed (UTC)."""
    resolved_revision: pulumi.Output[str | None]
    """The model commit the endpoint runs (a full SHA)."""
    compute_id: pulumi.Output[str | None]
    """The API's id of the hardware."""
    health_route: pulumi.Output[str | None]
    """The route the API probes for health."""

    def __init__(
        self,
        resource_name: str,
        args: InferenceEndpointArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        **kwargs: Any,
    ) -> None:
        """Declare an Inference Endpoint.

        Args:
            resource_name: The Pulumi resource name; the endpoint's name defaults to it plus a
                random suffix.
            args: The inputs, as an `InferenceEndpointArgs`; or pass the same names as keywords.
            opts: Pulumi resource options.
            **kwargs: The inputs as keywords, when ``args`` is not given.

        Raises:
            TypeError: Both ``args`` and keywords were given, or a keyword is not an input.
        """
        if args is not None and kwargs:
            raise TypeError("Pass the inputs either as an InferenceEndpointArgs or as keywords, not both.")
        if args is None:
            args = InferenceEndpointArgs(**kwargs)
        if not isinstance(args, InferenceEndpointArgs):
            raise TypeError(f"args must be an InferenceEndpointArgs, not {type(args).__name__}.")
        props: dict[str, Any] = {}
        for field in FIELDS:
            value = getattr(args, field.name)
            # The provider server declines secrets (acceptSecrets=False), so nothing downstream would
            # mark these: without this they would sit in the stack's state in plain text.
            props[field.name] = pulumi.Output.secret(value) if field.secret and value is not None else value
        # Outputs resolve only when seeded in the props.
        props.update({output.name: None for output in OUTPUTS})
        props[INTERNAL_RESOURCE_NAME] = resource_name
        props[INTERNAL_RESOURCE_IDENTITY] = _current_identity(resource_name, opts)
        opts = pulumi.ResourceOptions.merge(
            pulumi.ResourceOptions(additional_secret_outputs=_SECRET_INPUTS), opts
        )
        super().__init__(InferenceEndpointProvider(), resource_name, props, opts)

    @staticmethod
    def get(
        resource_name: str, id: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None
    ) -> InferenceEndpoint:
        """Look up an existing endpoint, read-only, by its id ``"<namespace>/<name>"``.

        Args:
            resource_name: The Pulumi resource name of the lookup.
            id: The endpoint's id, ``"<namespace>/<name>"`` (or just the name, in the default namespace).
            opts: Pulumi resource options.
        """
        merged = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id))
        return InferenceEndpoint(resource_name, opts=merged)
