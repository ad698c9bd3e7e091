"""The provider's own tags on an endpoint: which resource made it, and for which attempt.

The engine forgets a create that raised or whose plugin died, so the provider must recognise an
endpoint it made itself by what the endpoint carries. Two hidden tags do that: the owner tag names
one attempt at creating a resource (its creation token), the identity tag names the resource across
attempts. Neither ever reaches the `tags` input or output.

This module imports nothing from Pulumi, and nothing from the rest of the package.
"""

from __future__ import annotations

import re
import secrets as random_source
from collections.abc import Mapping
from typing import Any, Final, TypeGuard

__all__ = [
    "IDENTITY_TAG_PREFIX",
    "INTERNAL_CREATION_TOKEN",
    "INTERNAL_RESOURCE_IDENTITY",
    "OWNER_TAG_PREFIX",
    "RESERVED_TAG_PREFIXES",
    "carries_identity_tag",
    "carries_owner_tag",
    "creation_token_for",
    "hidden_tags",
    "identity_tag",
    "identity_tags",
    "is_reserved_tag",
    "is_resource_identity",
    "owner_tag",
    "owner_tags",
]

# A random token check chooses once per resource (kept from the previous inputs, like the autoname)
# and create writes onto the endpoint as the tag `pulumi-hf:<token>`. The engine forgets a create
# that raised or whose plugin died, so the provider must recognise an endpoint it made itself: the
# name alone cannot tell ours from someone else's, while a tag is stored and read back by the API
# ([D] `tags`), survives every update (the provider re-sends it whenever it sends `tags`), changes
# nothing about how the endpoint runs (an env var would redeploy it), and can be listed by.
# The tag is hidden: it never reaches the `tags` input or output, so it never shows in a diff.
INTERNAL_CREATION_TOKEN: Final = "__creation_token"
OWNER_TAG_PREFIX: Final = "pulumi-hf:"
# The token is per attempt at creating a resource, as far as the engine is concerned: a `pulumi up`
# after an interrupted or failed create has no inputs in state, so check chooses a new token (and a
# new autoname). What survives across those runs is the resource itself: the resource constructor
# hashes the organization, project, stack, type token, parent and resource name into an identity
# (`resource.resource_identity`) and sends it as this input; create writes it as a second hidden tag,
# `pulumi-hf-id:<identity>`. An endpoint with this resource's identity but another token is one an
# earlier run of the same resource left behind. Hidden like the owner tag; absent from old stacks'
# inputs until their program runs with this version.
INTERNAL_RESOURCE_IDENTITY: Final = "__resource_identity"
IDENTITY_TAG_PREFIX: Final = "pulumi-hf-id:"
# Both prefixes are the provider's: a declared tag using either fails check, and neither is ever
# shown as a declared tag.
RESERVED_TAG_PREFIXES: Final = (OWNER_TAG_PREFIX, IDENTITY_TAG_PREFIX)

# 16 bytes of randomness: no two resources ever share a token by chance.
_TOKEN_BYTES: Final = 16
_TOKEN: Final = re.compile(r"[0-9a-f]{16,64}")
# What `resource.resource_identity` produces (a prefix of a SHA-256), with room to lengthen it.
_IDENTITY: Final = re.compile(r"[0-9a-f]{16,64}")


def owner_tag(token: Any) -> str | None:
    """Return the tag that marks an endpoint as created for the resource holding `token`.

    Args:
        token: The resource's creation token (`INTERNAL_CREATION_TOKEN`), or None.

    Returns:
        ``"pulumi-hf:<token>"``, or None when there is no usable token.
    """
    if not isinstance(token, str) or not token:
        return None
    return OWNER_TAG_PREFIX + token


def owner_tags(endpoint: Mapping[str, Any]) -> list[str]:
    """Return the owner tags (``pulumi-hf:...``) an endpoint's JSON carries, in order."""
    return _tags_with_prefix(endpoint, OWNER_TAG_PREFIX)


def identity_tag(identity: Any) -> str | None:
    """Return the tag that marks an endpoint as created for the resource with `identity`.

    Args:
        identity: The resource's identity (`INTERNAL_RESOURCE_IDENTITY`), or None.

    Returns:
        ``"pulumi-hf-id:<identity>"``, or None when there is no usable identity.
    """
    if not isinstance(identity, str) or not identity:
        return None
    return IDENTITY_TAG_PREFIX + identity


def identity_tags(endpoint: Mapping[str, Any]) -> list[str]:
    """Return the identity tags (``pulumi-hf-id:...``) an endpoint's JSON carries, in order."""
    return _tags_with_prefix(endpoint, IDENTITY_TAG_PREFIX)


def hidden_tags(inputs: Mapping[str, Any]) -> list[str]:
    """Return the provider's own tags for a resource's checked inputs: owner tag, then identity tag."""
    tags = [
        owner_tag(inputs.get(INTERNAL_CREATION_TOKEN)),
        identity_tag(inputs.get(INTERNAL_RESOURCE_IDENTITY)),
    ]
    return [tag for tag in tags if tag is not None]


def is_reserved_tag(tag: Any) -> bool:
    """Tell whether a tag is the provider's own (see `RESERVED_TAG_PREFIXES`)."""
    return isinstance(tag, str) and tag.startswith(RESERVED_TAG_PREFIXES)


def _tags_with_prefix(endpoint: Mapping[str, Any], prefix: str) -> list[str]:
    tags = endpoint.get("tags")
    if not isinstance(tags, list):
        return []
    return [tag for tag in tags if isinstance(tag, str) and tag.startswith(prefix)]


def carries_owner_tag(endpoint: Mapping[str, Any], inputs: Mapping[str, Any]) -> bool:
    """Tell whether the endpoint carries the owner tag of the resource with these checked inputs."""
    tag = owner_tag(inputs.get(INTERNAL_CREATION_TOKEN))
    return tag is not None and tag in owner_tags(endpoint)


def carries_identity_tag(endpoint: Mapping[str, Any], inputs: Mapping[str, Any]) -> bool:
    """Tell whether the endpoint carries the identity tag of the resource with these checked inputs."""
    tag = identity_tag(inputs.get(INTERNAL_RESOURCE_IDENTITY))
    return tag is not None and tag in identity_tags(endpoint)


def creation_token_for(olds: Mapping[str, Any]) -> str | None:
    """Return the creation token check gives a resource with these previous inputs.

    The token of the previous inputs is kept; a resource about to be created (no previous inputs)
    gets a new one; previous inputs without a token belong to a resource created before tokens
    existed, whose endpoint carries no tag to match, so it gets none (None).
    """
    previous = olds.get(INTERNAL_CREATION_TOKEN)
    if isinstance(previous, str) and _TOKEN.fullmatch(previous):
        return previous
    if not olds:
        return random_source.token_hex(_TOKEN_BYTES)
    return None


def is_resource_identity(value: Any) -> TypeGuard[str]:
    """Tell whether a value is a well-formed resource identity (`INTERNAL_RESOURCE_IDENTITY`)."""
    return isinstance(value, str) and _IDENTITY.fullmatch(value) is not None
