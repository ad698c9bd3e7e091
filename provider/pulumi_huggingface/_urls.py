"""The API's default addresses and the check of a base URL, shared by the client and the settings.

Kept apart from `pulumi_huggingface.client` so that resolving settings (and so importing the
provider module) does not import httpx: the program and a preview never make an API call, and
`pulumi up` imports the provider module in both of its processes.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from pulumi_huggingface.errors import ConfigurationError

__all__ = ["DEFAULT_API_URL", "DEFAULT_HUB_URL", "validate_base_url"]

DEFAULT_API_URL = "https://api.endpoints.huggingface.cloud/v2"
DEFAULT_HUB_URL = "https://huggingface.co"


def validate_base_url(value: str, *, setting: str) -> str:
    """Check that a base URL is http(s) with a host, and return it without a trailing slash.

    Args:
        value: The URL.
        setting: The name of the setting it came from, for the error message.

    Raises:
        ConfigurationError: The URL is not an absolute http or https URL with a host.
    """
    problem = None
    try:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https"):
            problem = "it must start with http:// or https://"
        elif not parts.hostname:
            problem = "it has no host"
        elif parts.query or parts.fragment:
            problem = "a base URL cannot have a query string or fragment"
        elif parts.username is not None or parts.password is not None:
            problem = "credentials do not belong in the URL; set the token instead"
        else:
            parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError as exc:
        problem = str(exc)
    if problem is not None:
        shown = (
            value if problem != "credentials do not belong in the URL; set the token instead" else "<hidden>"
        )
        raise ConfigurationError(f"{setting} is not a valid URL ({problem}): {shown!r}.")
    return value.rstrip("/")
