"""Where the provider's credentials and URLs come from.

Pure functions over two mappings, the stack config and the environment, so tests pass both
explicitly and never see the developer's own token. This module imports nothing from Pulumi.

The stack config arrives as the dynamic provider server hands it to ``configure()``: a dict keyed by
namespaced names such as ``"huggingface:token"``, secrets already decrypted (``pulumi/dynamic/
__main__.py``, ``Configure``). Un-namespaced keys never appear there: ``pulumi.dynamic.Config.get``
prefixes a bare key with the *project* name, so a bare ``token`` key is not looked up.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi_huggingface._urls import DEFAULT_API_URL, DEFAULT_HUB_URL, validate_base_url
from pulumi_huggingface.errors import ConfigurationError

__all__ = [
    "CONFIG_API_URL",
    "CONFIG_HUB_URL",
    "CONFIG_NAMESPACE",
    "CONFIG_POLL_INTERVAL",
    "CONFIG_TOKEN",
    "DEFAULT_POLL_INTERVAL",
    "ENV_API_URL",
    "ENV_HUB_URL",
    "ENV_POLL_INTERVAL",
    "ENV_TOKEN",
    "ENV_TOKEN_LEGACY",
    "MAX_POLL_INTERVAL",
    "MIN_POLL_INTERVAL",
    "NO_TOKEN_MESSAGE",
    "Settings",
    "require_token",
    "resolve_settings",
    "token_file_path",
]

CONFIG_TOKEN = "huggingface:token"
CONFIG_API_URL = "huggingface:apiUrl"
CONFIG_HUB_URL = "huggingface:hubUrl"
CONFIG_NAMESPACE = "huggingface:namespace"
CONFIG_POLL_INTERVAL = "huggingface:pollInterval"

ENV_TOKEN = "HF_TOKEN"
# huggingface_hub still reads the old name, after HF_TOKEN (`utils/_auth.py`).
ENV_TOKEN_LEGACY = "HUGGING_FACE_HUB_TOKEN"
# huggingface_hub hard-codes the Endpoints API URL; this project's own override, for emulators.
ENV_API_URL = "HF_ENDPOINTS_API_URL"
# The Hub URL override huggingface_hub honours (`constants.py`).
ENV_HUB_URL = "HF_ENDPOINT"
# This project's own, like HF_ENDPOINTS_API_URL: a CI job against an emulator sets both.
ENV_POLL_INTERVAL = "HF_ENDPOINTS_POLL_INTERVAL"

#: huggingface_hub's ``InferenceEndpoint.wait(refresh_every=5)``: the real API is never polled harder
#: than its own client polls it unless the user says so (the poller's budget is set by it too).
DEFAULT_POLL_INTERVAL = 5.0
#: Below this, even a local emulator gains nothing (its answers take milliseconds, a provider call
#: hundreds of them) and a typo such as 0.001 would make the poller spin.
MIN_POLL_INTERVAL = 0.1
#: Above this, a wait would notice readiness minutes late; the longest default timeout is an hour.
MAX_POLL_INTERVAL = 300.0

NO_TOKEN_MESSAGE = (
    "No Hugging Face token found. Set it with `pulumi config set --secret huggingface:token <token>`, "
    "or the HF_TOKEN environment variable, or log in with `hf auth login`."
)


@dataclass(frozen=True)
class Settings:
    """The provider's resolved configuration.

    Attributes:
        token: The Hugging Face token, or None if none was found (never shown in ``repr``).
        token_source: Where the token came from, e.g. ``"stack config huggingface:token"``,
            ``"HF_TOKEN"`` or ``"token file /home/me/.cache/huggingface/token"``; None without a token.
        api_url: The Inference Endpoints API base URL, without a trailing slash.
        hub_url: The Hub base URL, without a trailing slash.
        namespace: The default namespace, or None to resolve it from the token's owner.
        poll_interval: Seconds between status requests per endpoint being waited for (5, as
            huggingface_hub's ``wait()``); against an emulator, a fraction of a second.
    """

    token: str | None = field(repr=False)
    token_source: str | None
    api_url: str
    hub_url: str
    namespace: str | None
    poll_interval: float = DEFAULT_POLL_INTERVAL


def resolve_settings(config: Mapping[str, Any], environ: Mapping[str, str]) -> Settings:
    """Resolve the provider's settings from the stack config and the environment.

    Order for the token: stack config ``huggingface:token``; ``HF_TOKEN``; ``HUGGING_FACE_HUB_TOKEN``;
    the token file ``hf auth login`` writes (see `token_file_path`). API URL: ``huggingface:apiUrl``,
    ``HF_ENDPOINTS_API_URL``, the default. Hub URL: ``huggingface:hubUrl``, ``HF_ENDPOINT``, the
    default. Namespace: ``huggingface:namespace`` or None. Poll interval: ``huggingface:pollInterval``,
    ``HF_ENDPOINTS_POLL_INTERVAL``, 5 s; seconds from 0.1 to 300, as a string (``pulumi config set``
    stores strings) or a number. Blank values count as absent.

    Args:
        config: The stack config, keyed by namespaced names (``"huggingface:token"``).
        environ: The environment, e.g. ``os.environ``.

    Returns:
        The settings. A missing token is not an error here; see `require_token`.

    Raises:
        ConfigurationError: A URL is malformed, a config value is not a string, the poll interval
            is not a number of seconds in range, or the token file exists but cannot be read.
    """
    token, token_source = _resolve_token(config, environ)
    api_url = _first(
        (CONFIG_API_URL, _config_str(config, CONFIG_API_URL)),
        (ENV_API_URL, _blank_to_none(environ.get(ENV_API_URL))),
    )
    hub_url = _first(
        (CONFIG_HUB_URL, _config_str(config, CONFIG_HUB_URL)),
        (ENV_HUB_URL, _blank_to_none(environ.get(ENV_HUB_URL))),
    )
    return Settings(
        token=token,
        token_source=token_source,
        api_url=validate_base_url(api_url[1], setting=api_url[0]) if api_url else DEFAULT_API_URL,
        hub_url=validate_base_url(hub_url[1], setting=hub_url[0]) if hub_url else DEFAULT_HUB_URL,
        namespace=_config_str(config, CONFIG_NAMESPACE),
        poll_interval=_resolve_poll_interval(config, environ),
    )


def require_token(settings: Settings) -> str:
    """Return the token, or raise a ConfigurationError saying how to provide one.

    Raises:
        ConfigurationError: No token was found.
    """
    if settings.token is None:
        raise ConfigurationError(NO_TOKEN_MESSAGE)
    return settings.token


def token_file_path(environ: Mapping[str, str]) -> Path:
    """Return where ``hf auth login`` stores the token, as huggingface_hub's ``constants.py`` computes it.

    ``$HF_TOKEN_PATH``, else ``$HF_HOME/token``, else ``$XDG_CACHE_HOME/huggingface/token``, else
    ``~/.cache/huggingface/token``; ``~`` and ``$VARS`` expanded against ``environ``.
    """
    explicit = _blank_to_none(environ.get("HF_TOKEN_PATH"))
    if explicit is not None:
        return Path(_expand(explicit, environ))
    home = _blank_to_none(environ.get("HF_HOME"))
    if home is None:
        cache = _blank_to_none(environ.get("XDG_CACHE_HOME")) or os.path.join(_user_home(environ), ".cache")
        home = os.path.join(cache, "huggingface")
    return Path(_expand(home, environ)) / "token"


def _resolve_token(config: Mapping[str, Any], environ: Mapping[str, str]) -> tuple[str | None, str | None]:
    raw = config.get(CONFIG_TOKEN)
    if raw is not None and not isinstance(raw, str):
        # The value itself is not quoted: it may be a token of an unexpected type.
        raise ConfigurationError(f"Stack config {CONFIG_TOKEN} must be a string, not a {type(raw).__name__}.")
    token = _blank_to_none(raw)
    if token is not None:
        return token, f"stack config {CONFIG_TOKEN}"
    for var in (ENV_TOKEN, ENV_TOKEN_LEGACY):
        token = _blank_to_none(environ.get(var))
        if token is not None:
            return token, var
    path = token_file_path(environ)
    try:
        token = _blank_to_none(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, NotADirectoryError):
        return None, None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigurationError(
            f"The Hugging Face token file {path} exists but cannot be read ({type(exc).__name__}); "
            "fix its permissions, or set the token with "
            "`pulumi config set --secret huggingface:token <token>`."
        ) from exc
    if token is None:
        return None, None
    return token, f"token file {path}"


def _resolve_poll_interval(config: Mapping[str, Any], environ: Mapping[str, str]) -> float:
    raw = config.get(CONFIG_POLL_INTERVAL)
    if isinstance(raw, str):
        raw = _blank_to_none(raw)
    if raw is not None:
        return _seconds(raw, f"Stack config {CONFIG_POLL_INTERVAL}")
    env = _blank_to_none(environ.get(ENV_POLL_INTERVAL))
    if env is not None:
        return _seconds(env, f"The environment variable {ENV_POLL_INTERVAL}")
    return DEFAULT_POLL_INTERVAL


def _seconds(value: object, setting: str) -> float:
    """A poll interval in range, from a string or a number (never a bool, which is a number in Python)."""
    seconds: float | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str):
        try:
            seconds = float(value)
        except ValueError:
            seconds = None
    if seconds is None or not math.isfinite(seconds) or not MIN_POLL_INTERVAL <= seconds <= MAX_POLL_INTERVAL:
        raise ConfigurationError(
            f"{setting} must be a number of seconds from {MIN_POLL_INTERVAL:g} to {MAX_POLL_INTERVAL:g}, "
            f"not {value!r}. It sets how often the provider asks the API about an endpoint it waits for; "
            f"leave it unset for {DEFAULT_POLL_INTERVAL:g} s (huggingface_hub's pace), or set it to e.g. "
            "0.2 against a local emulator."
        )
    return seconds


def _config_str(config: Mapping[str, Any], key: str) -> str | None:
    value = config.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigurationError(f"Stack config {key} must be a string, not {value!r}.")
    return _blank_to_none(value)


def _first(*candidates: tuple[str, str | None]) -> tuple[str, str] | None:
    for name, value in candidates:
        if value is not None:
            return name, value
    return None


def _blank_to_none(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def _user_home(environ: Mapping[str, str]) -> str:
    return (
        _blank_to_none(environ.get("HOME")) or _blank_to_none(environ.get("USERPROFILE")) or str(Path.home())
    )


_VAR = re.compile(r"\$(\w+)|\$\{(\w+)\}")


def _expand(path: str, environ: Mapping[str, str]) -> str:
    """Expand ``$VAR``, ``${VAR}`` and a leading ``~`` against ``environ`` (os.path.expandvars/expanduser)."""

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        return environ.get(name, match.group(0))

    path = _VAR.sub(substitute, path)
    if path == "~" or path.startswith(("~/", "~" + os.sep)):
        path = _user_home(environ) + path[1:]
    return path
