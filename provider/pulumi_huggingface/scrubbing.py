"""Blanking the token and a resource's secrets out of text that leaves the provider.

Errors, progress lines and free text from the API (a model's load error) end up in `pulumi up`
output, CI logs and state: none may hold a secret's value.

This module imports nothing from Pulumi.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

from pulumi_huggingface.schema import FIELDS

__all__ = ["NAME_INPUTS", "SecretScrubber", "secret_values"]

# Scrubbing a very short value out of messages would mangle them ("1" out of "1/1 replicas"), so
# values this short are only replaced where they stand alone as a word.
_SHORT_VALUE: Final = 4


class SecretScrubber:
    """Blanks out the token and a resource's secret, credential and env values from text.

    Values are blanked, not the names they happen to occur in: an occurrence lying inside one of
    the resource's names (its endpoint name, namespace, repository, hardware) is kept, so an env
    value "2" leaves ``my-app-2-3y`` whole. Those names are public inputs, so keeping them reveals
    nothing the state does not hold in plain text.

    Args:
        values: The resource's values to hide.
        token: Returns the token once known (the client is built lazily, mid-call).
        names: The resource's names, printed whole.
    """

    def __init__(self, values: list[str], token: Callable[[], str | None], names: Iterable[str] = ()) -> None:
        self._values = values
        self._token = token
        self._names = sorted({name for name in names if name}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        token = self._token()
        values = sorted({v for v in (*self._values, token or "") if v}, key=len, reverse=True)
        if not values:
            return text
        # A short value counts only where it stands alone, not inside a word or a dashed name
        # ("1" in "1/1 replicas" stays); a longer one wherever it occurs.
        pattern = re.compile(
            "|".join(
                re.escape(v) if len(v) >= _SHORT_VALUE else rf"(?<![\w-]){re.escape(v)}(?![\w-])"
                for v in values
            )
        )
        kept = [
            (found.start(), found.end())
            for name in self._names
            for found in re.finditer(re.escape(name), text)
        ]

        def blank(match: re.Match[str]) -> str:
            inside_a_name = any(start <= match.start() and match.end() <= end for start, end in kept)
            return match.group(0) if inside_a_name else "***"

        return pattern.sub(blank, text)


# The inputs whose values are names, printed whole by the scrubber (see `SecretScrubber`).
NAME_INPUTS: Final = (
    "name",
    "namespace",
    "repository",
    "instance_type",
    "instance_size",
    "region",
    "vendor",
)


def secret_values(props: Mapping[str, Any]) -> list[str]:
    """Return the values of a resource's secret inputs (secrets, env, credentials) found in `props`."""
    values: list[str] = []
    for field in FIELDS:
        if not field.redacted:
            continue
        value = props.get(field.name)
        if isinstance(value, str):
            values.append(value)
        elif isinstance(value, Mapping):
            values.extend(item for item in value.values() if isinstance(item, str))
    return values
