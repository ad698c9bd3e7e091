"""The endpoint document: parse request bodies, validate, merge updates, render responses.

The stored configuration keeps the API's own camelCase shape, already normalised the way the
server normalises it (reference §2 "Server-normalised values"), except `model.revision`, kept as
sent and resolved when rendered so the `revision_readback` switch can show either answer.

Parsing mimics the real server's deserialiser (serde behind axum, reference §4.1): unknown keys
are accepted and dropped ([D] commit 55898746: the API "silently ignores" snake_case
`health_route`); a wrong type, a missing field, an unknown enum value or image variant is a 422
`text/plain` "Failed to deserialize the JSON body into the target type: <path>: <reason> at line L
column C" ([I] strong); a `null` in a non-nullable enum field is the one 400 "Failed to parse the
request body as JSON: model.task: expected value" ([D] commit a3d9d8aa).
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import re
from collections.abc import Callable
from typing import Any

from .catalog import UNUSABLE_STATUSES, Catalogue
from .errors import ApiError, BodyError, bad_request, parse_error
from .settings import Settings

# At most 32 lowercase letters, digits and '-' ([D]), neither first nor last ([O] weak: the
# service's own generators never end a name with '-').
NAME_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$")
# [D] 2022 ref, 2023 spec models, newer spec docs: the wording of the name rule.
NAME_RULE = (
    "Must only contains lowercase alphanumeric characters or '-' and have a length of 32 characters maximum"
)

ENDPOINT_TYPES = ("public", "authenticated", "private", "protected")
# `framework` and `task` are enums in the recent spec ([D] reference §4.1); the values are those
# the Inference Endpoints documentation lists ([D] supported_tasks) plus the spec's `custom`.
FRAMEWORKS = ("custom", "pytorch", "tensorflow")
TASKS = (
    "audio-classification",
    "automatic-speech-recognition",
    "conversational",
    "custom",
    "feature-extraction",
    "fill-mask",
    "image-classification",
    "image-segmentation",
    "image-text-to-text",
    "image-to-image",
    "image-to-text",
    "object-detection",
    "question-answering",
    "sentence-embeddings",
    "sentence-ranking",
    "sentence-similarity",
    # transformers' pipeline alias of text-classification, accepted by the service ([I]).
    "sentiment-analysis",
    "summarization",
    "table-question-answering",
    "text-classification",
    "text-generation",
    "text-ranking",
    "text-to-image",
    "text-to-speech",
    "text2text-generation",
    "token-classification",
    "translation",
    "visual-question-answering",
    "zero-shot-classification",
    "zero-shot-image-classification",
    "zero-shot-object-detection",
)
ACCELERATORS = ("cpu", "gpu", "neuron")
SCALING_METRICS = ("hardwareUsage", "pendingRequests")
IMAGE_VARIANTS = (
    "huggingface",
    "huggingfaceNeuron",
    "custom",
    "tgi",
    "tgiNeuron",
    "tei",
    "llamacpp",
    "vLLM",
    "vLLMNeuron",
    "sGLang",
    "hfServe",
)
# Variants with no container of their own; every other one "inherits `BaseContainer`, which
# requires `url`" ([D] commit 72b5d66c).
_MANAGED_VARIANTS = ("huggingface", "huggingfaceNeuron")
_TGI_VARIANTS = ("tgi", "tgiNeuron")

# "Minutes of inactivity before scaling to zero (default: 15, requires minReplica=0)" ([D?] newer
# spec docs); accepted range 15..2880 ([O] spike).
DEFAULT_SCALE_TO_ZERO_TIMEOUT = 15
TIMEOUT_RANGE = (15, 2880)
DEFAULT_HEALTH_ROUTE = "/health"
DEFAULT_METRIC = "hardwareUsage"


# ---------------------------------------------------------------------------------------------
# Type checks, worded like serde's errors.


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean `{str(value).lower()}`"
    if isinstance(value, int):
        return f"integer `{value}`"
    if isinstance(value, float):
        return f"floating point `{value}`"
    if isinstance(value, str):
        return f'string "{value}"'
    if isinstance(value, list):
        return "a sequence"
    return "a map"


def _wrong(path: str, value: Any, expected: str) -> ApiError:
    return BodyError(path, f"invalid type: {_describe(value)}, expected {expected}")


def _string(path: str, value: Any, *, nullable: bool = False) -> str | None:
    if value is None:
        if nullable:
            return None
        raise _wrong(path, None, "a string")
    if not isinstance(value, str):
        raise _wrong(path, value, "a string")
    return value


def _required_string(path: str, value: Any) -> str:
    result = _string(path, value)
    assert result is not None
    return result


def _uint(path: str, value: Any, *, nullable: bool = False) -> int | None:
    if value is None:
        if nullable:
            return None
        raise _wrong(path, None, "u32")
    if isinstance(value, bool) or not isinstance(value, int):
        raise _wrong(path, value, "u32")
    if value < 0:
        raise BodyError(path, f"invalid value: integer `{value}`, expected u32")
    return value


def _number(path: str, value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _wrong(path, value, "f64")
    return value


def _boolean(path: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _wrong(path, value, "a boolean")
    return value


def _enum(path: str, value: Any, choices: tuple[str, ...]) -> str:
    if value is None:
        # The one wording observed for a null where none is allowed, in an enum field: a 400 of
        # the parse kind, not a 422 ([D] commit a3d9d8aa, reference §4.1).
        raise parse_error(f"{path}: expected value")
    text = _required_string(path, value)
    if text not in choices:
        raise BodyError(path, f"unknown variant `{text}`, expected {_one_of(choices)}")
    return text


def _one_of(choices: tuple[str, ...]) -> str:
    return "one of " + ", ".join(f"`{c}`" for c in choices)


def _object(path: str, value: Any) -> dict[str, Any]:
    if value is None:
        raise _wrong(path, None, "a map")
    if not isinstance(value, dict):
        raise _wrong(path, value, "a map")
    return value


def _string_map(path: str, value: Any) -> dict[str, str]:
    mapping = _object(path, value)
    for key, item in mapping.items():
        _string(f"{path}.{key}", item)
    return dict(mapping)


def _string_list(path: str, value: Any) -> list[str]:
    if value is None:
        raise _wrong(path, None, "a sequence")
    if not isinstance(value, list):
        raise _wrong(path, value, "a sequence")
    for index, item in enumerate(value):
        _string(f"{path}[{index}]", item)
    return list(value)


def _missing(path: str, key: str) -> ApiError:
    # serde stops at the end of the object that lacks the field.
    return BodyError(path, f"missing field `{key}`")


def _pick(source: dict[str, Any], path: str, fields: dict[str, Callable[[str, Any], Any]]) -> dict[str, Any]:
    """Check the known keys present in `source`; unknown keys are dropped, as the API does."""
    out: dict[str, Any] = {}
    for key, check in fields.items():
        if key in source:
            out[key] = check(f"{path}.{key}" if path else key, source[key])
    return out


def _require(section: dict[str, Any], path: str, keys: tuple[str, ...]) -> None:
    for key in keys:
        if key not in section:
            raise _missing(path, key)


# ---------------------------------------------------------------------------------------------
# Sections of the body.


def _image(path: str, value: Any) -> dict[str, Any]:
    image = _object(path, value)
    if len(image) != 1:
        raise BodyError(path, "invalid type: map, expected map with a single key")
    ((variant, settings),) = image.items()
    if variant not in IMAGE_VARIANTS:
        raise BodyError(path, f"unknown variant `{variant}`, expected {_one_of(IMAGE_VARIANTS)}")
    where = f"{path}.{variant}"
    settings = {} if settings is None and variant in _MANAGED_VARIANTS else _object(where, settings)
    settings = copy.deepcopy(settings)
    if variant in _MANAGED_VARIANTS:
        return {variant: settings}
    if "url" not in settings:
        raise _missing(where, "url")
    _string(f"{where}.url", settings["url"])
    if "port" in settings:
        _uint(f"{where}.port", settings["port"])
    if "healthRoute" in settings:
        _string(f"{where}.healthRoute", settings["healthRoute"])
    if "credentials" in settings:
        credentials = _object(f"{where}.credentials", settings["credentials"])
        if "username" not in credentials:
            raise _missing(f"{where}.credentials", "username")
        _string(f"{where}.credentials.username", credentials["username"])
        _string(f"{where}.credentials.password", credentials.get("password"), nullable=True)
    # Image defaults the server fills in (reference §2, [D] the 2025 catalog response).
    settings.setdefault("port", 80)
    settings.setdefault("healthRoute", DEFAULT_HEALTH_ROUTE)
    if variant in _TGI_VARIANTS:
        settings.setdefault("disableCustomKernels", False)
    return {variant: settings}


def _measure(path: str, value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    measure = _object(path, value)
    known = {k: v for k, v in measure.items() if k in SCALING_METRICS}
    if len(known) != 1:
        raise BodyError(path, "invalid type: map, expected map with a single key")
    ((metric, threshold),) = known.items()
    return {metric: _number(f"{path}.{metric}", threshold)}


def _scaling(path: str, value: Any) -> dict[str, Any]:
    return _pick(
        _object(path, value),
        path,
        {
            "minReplica": _uint,
            "maxReplica": _uint,
            "scaleToZeroTimeout": lambda p, v: _uint(p, v, nullable=True),
            "measure": _measure,
            "metric": lambda p, v: None if v is None else _enum(p, v, SCALING_METRICS),
            # "Deprecated: threshold is now part of `measure`" ([D] newer spec docs).
            "threshold": _number,
        },
    )


def _compute(path: str, value: Any) -> dict[str, Any]:
    return _pick(
        _object(path, value),
        path,
        {
            "accelerator": lambda p, v: _enum(p, v, ACCELERATORS),
            "instanceType": _required_string,
            "instanceSize": _required_string,
            "scaling": _scaling,
        },
    )


def _model(path: str, value: Any) -> dict[str, Any]:
    return _pick(
        _object(path, value),
        path,
        {
            "repository": _required_string,
            "framework": lambda p, v: _enum(p, v, FRAMEWORKS),
            "revision": lambda p, v: _string(p, v, nullable=True),
            # An enum, not nullable ([D] commit a3d9d8aa): `null` is the documented 400.
            "task": lambda p, v: _enum(p, v, TASKS),
            "image": _image,
            # `null` or `[]` clears these on update ([D] test_hf_api.py `..._empty_payload`).
            "command": lambda p, v: None if v is None else _string_list(p, v),
            "args": lambda p, v: None if v is None else _string_list(p, v),
            "env": lambda p, v: {} if v is None else _string_map(p, v),
            "secrets": lambda p, v: {} if v is None else _string_map(p, v),
            "fromCatalog": _boolean,
        },
    )


def _route(path: str, value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    return _pick(
        _object(path, value),
        path,
        {
            "domain": lambda p, v: _string(p, v, nullable=True),
            "path": lambda p, v: _string(p, v, nullable=True),
        },
    )


def _provider(path: str, value: Any) -> dict[str, Any]:
    provider = _pick(_object(path, value), path, {"vendor": _required_string, "region": _required_string})
    _require(provider, path, ("vendor", "region"))
    return provider


def _private_service(path: str, value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    return _pick(
        _object(path, value),
        path,
        {
            "accountId": _required_string,
            "region": lambda p, v: _string(p, v, nullable=True),
            "shared": _boolean,
        },
    )


def _loose_object(path: str, value: Any) -> dict[str, Any] | None:
    return None if value is None else copy.deepcopy(_object(path, value))


# Keys both create and update accept. `name`, `provider`, `accountId` and `privateService` are in
# no update schema ([D] 2023 spec; huggingface_hub never sends them on update), so a PUT's copies
# are dropped like any unknown key rather than refused: the real answer is unknown ([I]).
_SHARED_FIELDS: dict[str, Callable[[str, Any], Any]] = {
    "type": lambda p, v: _enum(p, v, ENDPOINT_TYPES),
    "compute": _compute,
    "model": _model,
    "route": _route,
    "cacheHttpResponses": lambda p, v: False if v is None else _boolean(p, v),
    "tags": lambda p, v: [] if v is None else _string_list(p, v),
    # `{"customRouter": {}}` removes it ([D] HF docs custom_router.md).
    "customRouter": lambda p, v: _loose_object(p, v) or None,
    "experimentalFeatures": _loose_object,
}
_CREATE_FIELDS: dict[str, Callable[[str, Any], Any]] = {
    "name": _required_string,
    "provider": _provider,
    # huggingface_hub 1.x sends it (null when unset); 2.x never does ([D] reference, decisions).
    "accountId": lambda p, v: _string(p, v, nullable=True),
    "privateService": _private_service,
    **_SHARED_FIELDS,
}


def _body(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BodyError("", f"invalid type: {_describe(value)}, expected struct Endpoint")
    return value


# ---------------------------------------------------------------------------------------------
# Normalisation and checks on a whole configuration.


def _normalise_scaling(scaling: dict[str, Any]) -> None:
    """Fill in `metric`/`measure` the way the server does ([D] the 2025 catalog response)."""
    threshold = scaling.pop("threshold", None)
    measure = scaling.get("measure")
    metric = scaling.get("metric")
    if measure:
        scaling["metric"] = next(iter(measure))
    else:
        scaling["metric"] = metric or DEFAULT_METRIC
        scaling["measure"] = {scaling["metric"]: threshold}
    if scaling["minReplica"] == 0 and scaling.get("scaleToZeroTimeout") is None:
        # minReplica 0 without a timeout is accepted and gets the default ([O]/[I], reference §4).
        scaling["scaleToZeroTimeout"] = DEFAULT_SCALE_TO_ZERO_TIMEOUT
    scaling.setdefault("scaleToZeroTimeout", None)


def _check_scaling(scaling: dict[str, Any]) -> None:
    low, high = TIMEOUT_RANGE
    timeout = scaling.get("scaleToZeroTimeout")
    if timeout is not None and not low <= timeout <= high:
        raise bad_request(f"compute.scaling.scaleToZeroTimeout must be between {low} and {high} minutes")
    if timeout is not None and scaling["minReplica"] >= 1:
        # [D] "requires minReplica=0"; the exact wording is not quoted anywhere ([O] #3062).
        raise bad_request(
            "compute.scaling.scaleToZeroTimeout requires compute.scaling.minReplica to be 0 (scale-to-zero);"
            " send scaleToZeroTimeout: null to keep replicas running"
        )
    if scaling["maxReplica"] < 1:
        raise bad_request("compute.scaling.maxReplica must be at least 1")
    if scaling["minReplica"] > scaling["maxReplica"]:
        raise bad_request(
            "compute.scaling.minReplica must be lower than or equal to compute.scaling.maxReplica"
        )


def check_hardware(config: dict[str, Any], catalogue: Catalogue) -> None:
    """Refuse a vendor/region/instance combination the catalogue does not offer.

    Raises:
        ApiError: 400 in the wording seen on the live API ([O] huggingface_hub#2277, lighteval).
    """
    compute, provider = config["compute"], config["provider"]
    offer = catalogue.find(
        provider["vendor"], provider["region"], compute["instanceType"], compute["instanceSize"]
    )
    if offer is None or offer.accelerator != compute["accelerator"]:
        raise ApiError(
            400,
            f"400: Instance compute '{compute['accelerator'].capitalize()}' - '{compute['instanceType']}'"
            f" - '{compute['instanceSize']}' in '{provider['vendor']}' - '{provider['region']}' not found",
        )
    if offer.status in UNUSABLE_STATUSES:
        raise bad_request("Compute instance not available yet")


def _drop_unheld_keys(config: dict[str, Any], settings: Settings) -> None:
    """Drop what the service would not keep under `cache_http_responses="experimental"`.

    In the recent spec the endpoint has no top-level `cacheHttpResponses` (so it is an unknown
    key, dropped), and `experimentalFeatures.cacheHttpResponses` is "currently only available for
    HuggingFace admins" ([D] reference §4.1), so an ordinary user's is dropped too ([I]).
    """
    if settings.cache_http_responses != "experimental":
        return
    config.pop("cacheHttpResponses", None)
    features = config.get("experimentalFeatures")
    if isinstance(features, dict):
        features.pop("cacheHttpResponses", None)


def parse_create(body: Any, catalogue: Catalogue, settings: Settings) -> dict[str, Any]:
    """Validate a create body and return the configuration to store.

    Raises:
        ApiError: 422 for a body of the wrong shape, 400 for a refused value, in the real API's
            wording.
    """
    config = _pick(_body(body), "", _CREATE_FIELDS)
    _require(config, "", ("name", "type", "provider", "compute", "model"))
    _require(config["compute"], "compute", ("accelerator", "instanceType", "instanceSize", "scaling"))
    _require(config["compute"]["scaling"], "compute.scaling", ("minReplica", "maxReplica"))
    _require(config["model"], "model", ("repository", "framework", "image"))
    if not NAME_PATTERN.match(config["name"]):
        raise bad_request(f"name: {NAME_RULE}")
    model = config["model"]
    model.setdefault("revision", None)
    model.setdefault("task", None)
    model.setdefault("env", {})
    model.setdefault("secrets", {})
    config.setdefault("tags", [])
    config.setdefault("cacheHttpResponses", False)
    _drop_unheld_keys(config, settings)
    _normalise_scaling(config["compute"]["scaling"])
    _check_scaling(config["compute"]["scaling"])
    check_hardware(config, catalogue)
    return config


def merge_update(
    stored: dict[str, Any], body: Any, settings: Settings, state: str, catalogue: Catalogue
) -> dict[str, Any]:
    """Apply a PUT body to a stored configuration and return the new one; `stored` is untouched.

    Merge rules (reference §1.4): per key inside `compute`, `compute.scaling` and `model` and at
    the top level; an absent key keeps its value, an explicit null clears it. `model.image`,
    `model.command`, `model.args`, `model.env`, `model.secrets`, `tags`, `customRouter` and
    `experimentalFeatures` are replaced whole: the SDK sends env and secrets whole, and merging
    them would make removing a variable impossible ([I]). `route` is merged key by key or
    replaced whole, as the `route_update` switch says.

    Raises:
        ApiError: 400 for an invalid body or result; the stored configuration is not changed.
    """
    if state == "failed" and settings.failed_update == "refuse":
        raise bad_request("Endpoint is in a failed state, create a new endpoint instead")
    patch = _pick(_body(body), "", _SHARED_FIELDS)
    config = copy.deepcopy(stored)
    for key, value in patch.items():
        if key == "compute":
            config["compute"].update({k: v for k, v in value.items() if k != "scaling"})
            config["compute"]["scaling"].update(value.get("scaling", {}))
        elif key == "model":
            config["model"].update(value)
        elif key == "route" and value is not None and settings.route_update == "merge":
            merged = {**(config.get("route") or {}), **value}
            config["route"] = {k: v for k, v in merged.items() if v is not None} or None
        else:
            config[key] = value
    _drop_unheld_keys(config, settings)
    if "type" in patch and patch["type"] != stored["type"] and settings.type_update == "refuse":
        raise bad_request(
            f"The type of an endpoint cannot be changed from {stored['type']} to {patch['type']}"
        )
    old_accelerator, new_accelerator = stored["compute"]["accelerator"], config["compute"]["accelerator"]
    if old_accelerator != new_accelerator and settings.accelerator_switch == "refuse":
        raise bad_request(
            f"Cannot change the accelerator of an endpoint from {old_accelerator} to {new_accelerator}:"
            " create a new endpoint instead"
        )
    _merge_scaling(config["compute"]["scaling"], patch.get("compute", {}).get("scaling", {}), settings)
    if "compute" in patch and set(patch["compute"]) & {"accelerator", "instanceType", "instanceSize"}:
        check_hardware(config, catalogue)
    return config


def _merge_scaling(scaling: dict[str, Any], patch: dict[str, Any], settings: Settings) -> None:
    if "measure" in patch or "metric" in patch:
        if "measure" not in patch:
            scaling["measure"] = None
        if "metric" not in patch:
            scaling["metric"] = None
    stale = scaling["minReplica"] >= 1 and "scaleToZeroTimeout" not in patch
    if stale and settings.stale_timeout == "clear":
        scaling["scaleToZeroTimeout"] = None
    _normalise_scaling(scaling)
    _check_scaling(scaling)


# ---------------------------------------------------------------------------------------------
# Rendering.


def resolve_revision(repository: str, revision: str | None) -> str:
    """The commit SHA a revision resolves to: itself if already 40 hex digits, else a stable hash.

    The real server resolves branch names and null to the head commit ([D] examples); the
    emulator has no Hub, so it derives a SHA that is stable for a repository and revision.
    """
    if revision is not None and re.fullmatch(r"[0-9a-fA-F]{40}", revision):
        return revision.lower()
    return hashlib.sha1(f"{repository}@{revision or 'main'}".encode()).hexdigest()


def health_route(config: dict[str, Any]) -> str:
    """The top-level `healthRoute`: the image's own, else `/health`."""
    ((_, settings),) = config["model"]["image"].items()
    route = settings.get("healthRoute") if isinstance(settings, dict) else None
    return route or DEFAULT_HEALTH_ROUTE


def _redacted_image(image: dict[str, Any]) -> dict[str, Any]:
    ((variant, settings),) = copy.deepcopy(image).items()
    if "credentials" in settings:
        # Registry credentials are never read back ([D] hf_api.py, test_hf_api.py).
        settings["credentials"] = {"username": "", "password": None}
    return {variant: settings}


def render(config: dict[str, Any], status: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """The endpoint as the API returns it (`EndpointWithStatus`, reference §2 and §7)."""
    compute = copy.deepcopy(config["compute"])
    provider = config["provider"]
    compute["id"] = (
        f"{provider['vendor']}-{provider['region']}-{compute['instanceType']}-{compute['instanceSize']}"
    )
    stored_model = config["model"]
    revision = stored_model["revision"]
    if settings.revision_readback == "sha":
        revision = resolve_revision(stored_model["repository"], revision)
    model: dict[str, Any] = {
        "repository": stored_model["repository"],
        "framework": stored_model["framework"],
        "revision": revision,
        "task": stored_model["task"],
        "image": _redacted_image(stored_model["image"]),
        "env": dict(stored_model["env"]),
        # Secret values are not read back ([I]: the real catalog response shows `{}`).
        "secrets": {},
    }
    for key in ("command", "args", "fromCatalog"):
        if stored_model.get(key) is not None:
            model[key] = copy.deepcopy(stored_model[key])
    document: dict[str, Any] = {
        "name": config["name"],
        "type": config["type"],
        "provider": dict(provider),
        "healthRoute": health_route(config),
        "compute": compute,
        "model": model,
        "tags": list(config["tags"]),
        "experimentalFeatures": copy.deepcopy(config.get("experimentalFeatures") or {}),
        # Fields of recent answers that no input sets ([D] recent spec pages; shapes [I]).
        "notifications": {"enabled": False},
        "network": {"public": config["type"] == "public"},
        # Null rather than absent ([D] recent spec pages).
        "accountId": config.get("accountId"),
        "status": status,
    }
    if "cacheHttpResponses" in config:
        document["cacheHttpResponses"] = config["cacheHttpResponses"]
    for key in ("route", "customRouter", "privateService"):
        if config.get(key) is not None:
            document[key] = copy.deepcopy(config[key])
    return document


# ---------------------------------------------------------------------------------------------
# Where a deserialisation error points: "at line L column C".

_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_LITERAL = re.compile(r"true|false|null")
_SPACE = re.compile(r"[ \t\n\r]*")


def locate(text: str, path: str) -> tuple[int, int]:
    """Line and column (1-based) of the last character of the value at `path` in a JSON text.

    serde reports the position where it stopped: after the offending value, or at the end of the
    object that lacks a field. Paths are dotted, with `[i]` for list items, as in the messages;
    a path not found (or "") points at the end of the whole body.
    """
    ends: dict[str, int] = {}
    # The text is valid JSON (it was parsed); a path the scan cannot reach points at the end.
    with contextlib.suppress(IndexError, ValueError):
        _scan(text, _SPACE.match(text, 0).end(), "", ends)  # type: ignore[union-attr]
    end = ends.get(path, len(text.rstrip()))
    line = text.count("\n", 0, end) + 1
    return line, end - (text.rfind("\n", 0, end) + 1)


def _scan(text: str, i: int, path: str, ends: dict[str, int]) -> int:
    from json.decoder import scanstring  # type: ignore[attr-defined]

    def skip(j: int) -> int:
        return _SPACE.match(text, j).end()  # type: ignore[union-attr]

    char = text[i]
    if char in "{[":
        closing = "}" if char == "{" else "]"
        i = skip(i + 1)
        index = 0
        while text[i] != closing:
            if char == "{":
                key, i = scanstring(text, i + 1)
                i = skip(skip(i) + 1)  # the ':'
                child = f"{path}.{key}" if path else key
            else:
                child = f"{path}[{index}]"
            i = skip(_scan(text, i, child, ends))
            index += 1
            if text[i] == ",":
                i = skip(i + 1)
        i += 1
    elif char == '"':
        _, i = scanstring(text, i + 1)
    else:
        match = _NUMBER.match(text, i) or _LITERAL.match(text, i)
        if match is None:
            raise ValueError(f"unexpected character at {i}")
        i = match.end()
    ends[path] = i
    return i
