"""Bring existing endpoints under management: read them from the API, write the program declaring them.

`plan_endpoint` turns one endpoint's JSON into the declaration that adopts it as it is: every input
the API reads back (decoded by `schema.live_inputs`, the one reader of the API's JSON), defaults
left out, the provider's own tags left out, `desired_state` from the endpoint's state, and values
the API never reads back (secrets, registry credentials) taken from the stack config. Whatever the
endpoint holds that no input expresses is named with what would be lost (`Omission`), never dropped
silently. `render_module` writes the declarations as Python source; `config_commands` lists the
``pulumi config set`` lines that supply the values from the stack config.

This module imports nothing from Pulumi: it writes a program, it does not run one.
"""

from __future__ import annotations

import copy
import json
import keyword
import re
import textwrap
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from pulumi_huggingface import schema, validation
from pulumi_huggingface.client import EndpointsClient
from pulumi_huggingface.errors import ConfigurationError
from pulumi_huggingface.schema import FIELDS, FIELDS_BY_NAME, Kind, Mutability, Readback
from pulumi_huggingface.waiting import FAILED_STATES

__all__ = [
    "LINE_LENGTH",
    "ConfigRef",
    "EndpointPlan",
    "Omission",
    "config_commands",
    "plan_endpoint",
    "render_module",
    "render_project",
    "select_endpoints",
]

#: The line length the generated source keeps to (ruff's and this project's).
LINE_LENGTH: Final = 110
_INDENT: Final = "    "

# The API's runtime state, handled through `desired_state`; and what it reports about the endpoint
# (`schema.OUTPUTS`), which no program declares.
_STATUS_PATH: Final = "status"
_OUTPUT_PATHS: Final = frozenset(output.api_path for output in schema.OUTPUTS)
_CONFIG_KEY_CHARS: Final = re.compile(r"[^A-Za-z0-9_-]")
# A value no endpoint holds, put in place of a JSON value to see whether the table reads it.
_PROBE: Final = "\0probe"


@dataclass(frozen=True)
class ConfigRef:
    """An input whose value comes from the stack config, since the API never reads it back.

    Attributes:
        key: The config key, in the program's project namespace (``pulumi config set <key> ...``).
        secret: Read with ``config.require_secret`` and set with ``--secret``.
        what: What the value is, for the message asking for it.
    """

    key: str
    secret: bool
    what: str

    def source(self) -> str:
        """The Python expression reading the value in the generated program."""
        method = "require_secret" if self.secret else "require"
        return f"config.{method}({_string(self.key)})"


@dataclass(frozen=True)
class Omission:
    """Something an endpoint holds that the generated program does not declare.

    Attributes:
        endpoint: The endpoint, ``"namespace/name"``.
        path: Where it sits in the endpoint's JSON, dotted, or the input it concerns.
        what: What it is (its type and size, never its value: it may be secret).
        consequence: What leaving it out means.
    """

    endpoint: str
    path: str
    what: str
    consequence: str

    def __str__(self) -> str:
        return f"{self.endpoint}: {self.path} ({self.what}): {self.consequence}"


@dataclass
class EndpointPlan:
    """The declaration of one existing endpoint.

    Attributes:
        namespace: The endpoint's namespace.
        name: The endpoint's name, also its Pulumi resource name.
        variable: The Python variable the program assigns it to.
        inputs: The declared inputs in table order, plain values or `ConfigRef` (inside ``secrets``
            too); ``adopt_existing`` and, when unreadable values are declared, ``secrets_already_set``
            included.
        omissions: What the endpoint holds that the program does not declare.
    """

    namespace: str
    name: str
    variable: str
    inputs: dict[str, Any]
    omissions: list[Omission] = field(default_factory=list)

    @property
    def endpoint_id(self) -> str:
        """``"namespace/name"``."""
        return f"{self.namespace}/{self.name}"

    @property
    def config(self) -> list[ConfigRef]:
        """The stack config values the declaration reads, in order."""
        return list(_config_refs(self.inputs))


def select_endpoints(
    client: EndpointsClient, namespace: str, *, names: Sequence[str] = (), tags: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """Read the endpoints to import from the API.

    Args:
        client: The API client.
        namespace: The namespace to read.
        names: Only these endpoints, read one by one (a missing one raises `NotFoundError`).
        tags: Only endpoints carrying every one of these tags.

    Returns:
        The endpoints' JSON, sorted by name.
    """
    if names:
        found = [client.get_endpoint(namespace, name) for name in dict.fromkeys(names)]
    else:
        # The API's filter (where it has one) matches any of the tags; each endpoint is checked here.
        found = client.list_endpoints(namespace, tags=tags)
    wanted = set(tags)
    selected = [endpoint for endpoint in found if wanted <= set(_tags_of(endpoint))]
    return sorted(selected, key=lambda endpoint: str(endpoint.get("name")))


def plan_endpoint(
    endpoint: Mapping[str, Any],
    namespace: str,
    *,
    secret_keys: Iterable[str] = (),
    variable: str | None = None,
) -> EndpointPlan:
    """Work out the declaration that adopts an endpoint without changing what it serves.

    Args:
        endpoint: The endpoint's JSON, as the API returns it.
        namespace: Its namespace.
        secret_keys: Names of secret environment variables the endpoint is known to hold; the API
            does not read them back, so only these (and any whose names it does return) are declared.
        variable: The Python variable name; derived from the endpoint's name if None.

    Returns:
        The plan: inputs in table order, the config values they read, and what is left out.

    Raises:
        ConfigurationError: The JSON has no usable name.
    """
    name = endpoint.get("name")
    if not isinstance(name, str) or not name:
        raise ConfigurationError(
            f"An endpoint of {namespace} has no name in the API's answer; cannot import it."
        )
    endpoint_id = f"{namespace}/{name}"
    live = schema.live_inputs(endpoint)
    inputs: dict[str, Any] = {}
    for item in FIELDS:
        if item.from_url:
            inputs[item.name] = namespace
        elif (
            # Unreadable values come from the config, the state from `status.state`, below.
            item.readback is Readback.NEVER
            or item.mutability is Mutability.PROVIDER
            or item.observe is not None
        ):
            continue
        elif not _is_default(item, live.get(item.name)):
            inputs[item.name] = live[item.name]
    desired, state_omissions = _desired_state(endpoint, endpoint_id, inputs)
    if desired is not None:
        inputs["desired_state"] = desired
    unreadable = _unreadable_inputs(endpoint, name, secret_keys)
    inputs.update(unreadable)
    inputs = {item.name: inputs[item.name] for item in FIELDS if item.name in inputs}
    inputs["adopt_existing"] = True
    if unreadable:
        inputs["secrets_already_set"] = True
    omissions = [*_unexpressed(endpoint, endpoint_id), *state_omissions]
    omissions.extend(_check_problems(inputs, endpoint_id))
    return EndpointPlan(namespace, name, variable or python_name(name), inputs, omissions)


def python_name(name: str, taken: Iterable[str] = ()) -> str:
    """A Python identifier for an endpoint's variable: ``my-endpoint`` -> ``my_endpoint``."""
    base = re.sub(r"\W", "_", name).strip("_") or "endpoint"
    if base[0].isdigit() or keyword.iskeyword(base) or base in ("config", "pulumi", "InferenceEndpoint"):
        base = f"endpoint_{base}"
    candidate, number = base, 2
    used = set(taken)
    while candidate in used:
        candidate, number = f"{base}_{number}", number + 1
    return candidate


def _tags_of(endpoint: Mapping[str, Any]) -> list[str]:
    tags = endpoint.get("tags")
    return [tag for tag in tags if isinstance(tag, str)] if isinstance(tags, list) else []


def _is_default(item: schema.Field, value: Any) -> bool:
    """Whether leaving the input out of the program means the same as the live value."""
    if value is None:
        return True
    if item.removal in (schema.Removal.REQUIRED, schema.Removal.KEEP):
        return False
    try:
        return bool(item.matches(schema.effective(item, None), value, {}))
    except (TypeError, ValueError, AttributeError, KeyError):
        return False


def _desired_state(
    endpoint: Mapping[str, Any], endpoint_id: str, inputs: Mapping[str, Any]
) -> tuple[str | None, list[Omission]]:
    state = schema.status_outputs(endpoint).get("state")
    if state == schema.PAUSED:
        return schema.PAUSED, []
    if state == schema.SCALED_TO_ZERO:
        min_replica = inputs.get("min_replica", FIELDS_BY_NAME["min_replica"].default)
        if min_replica == 0:
            return schema.SCALED_TO_ZERO, []
        # The service keeps min_replica replicas, so it brings such an endpoint back up by itself.
        return None, [
            Omission(
                endpoint_id,
                "status.state",
                f"scaledToZero with min_replica {min_replica}",
                "desired_state 'scaledToZero' needs min_replica 0, so the program declares it running; "
                "the service scales it back up by itself",
            )
        ]
    if state in FAILED_STATES:
        return None, [
            Omission(
                endpoint_id,
                "status.state",
                str(state),
                "the program declares it running; `pulumi up` fails until the endpoint is repaired "
                "or deleted",
            )
        ]
    return None, []


def _unreadable_inputs(endpoint: Mapping[str, Any], name: str, secret_keys: Iterable[str]) -> dict[str, Any]:
    """The inputs the API never reads back, as config references, where the endpoint shows it has them.

    A secret environment variable is declared when its name is known (given, or read back); registry
    credentials when the image reads back a (redacted) ``credentials`` object.
    """
    declared: dict[str, Any] = {}
    for item in FIELDS:
        if item.readback is not Readback.NEVER or item.api_path is None:
            continue
        present, value = _lookup(endpoint, item.api_path)
        if item.kind is Kind.STRING_MAP:
            keys = list(dict.fromkeys([*(value if isinstance(value, Mapping) else {}), *secret_keys]))
            if keys:
                declared[item.name] = {
                    key: ConfigRef(
                        _config_key(name, item.name, key),
                        item.secret or item.redacted,
                        f"{item.name} {key} of {name}",
                    )
                    for key in keys
                }
        elif present:
            declared[item.name] = ConfigRef(
                _config_key(name, item.name), item.secret, f"{item.name} of {name}"
            )
    return declared


def _config_key(name: str, input_name: str, key: str | None = None) -> str:
    parts = [name, input_name.replace("_", "-")]
    if key is not None:
        parts.append(_CONFIG_KEY_CHARS.sub("_", key))
    return "-".join(parts)


def _lookup(data: Mapping[str, Any], path: str) -> tuple[bool, Any]:
    """The value at a dotted path, and whether the key is there at all (a redacted value is null)."""
    node: Any = data
    for key in path.split("."):
        if not isinstance(node, Mapping) or key not in node:
            return False, None
        node = node[key]
    return True, node


def _unexpressed(endpoint: Mapping[str, Any], endpoint_id: str) -> list[Omission]:
    """What the endpoint's JSON holds that no input reads.

    A value is expressed when the table reads it: another value in its place changes
    `schema.live_inputs` (a value the API reports twice, like the scaling metric, counts as read
    although removing one copy would change nothing). The runtime state, the reported outputs, the
    provider's own tags and the values the API never reads back are handled elsewhere; empty values
    hold nothing to lose.
    """
    document = copy.deepcopy(dict(endpoint))
    for item in FIELDS:
        # Each value as the table reads it: what the provider keeps for itself (its hidden tags) is
        # nothing of the user's to lose.
        group = schema.group_of(item)
        if item.api_path is None or (group is not None and group.composite):
            continue
        present, value = _lookup(document, item.api_path)
        if present:
            _set(document, item.api_path, item.decode(value))
    skipped = {
        _STATUS_PATH,
        *_OUTPUT_PATHS,
        *(f.api_path for f in FIELDS if f.readback is Readback.NEVER and f.api_path is not None),
    }
    reference = schema.live_inputs(document)
    omissions: list[Omission] = []
    for path, value in _leaves(document):
        if _under(path, skipped) or _empty(value):
            continue
        if _read_by_table(document, path, reference):
            continue
        omissions.append(
            Omission(
                endpoint_id,
                path,
                _describe(value),
                "no input of InferenceEndpoint sets it: the program cannot declare it, Pulumi neither "
                "tracks nor restores it, and an endpoint created to replace this one gets it only if "
                "the API derives it from the declared inputs",
            )
        )
    return omissions


def _check_problems(inputs: Mapping[str, Any], endpoint_id: str) -> list[Omission]:
    """Problems the provider's check would report for the declaration (config values stand in)."""
    probe = {key: _placeholder(value) for key, value in inputs.items()}
    return [
        Omission(
            endpoint_id,
            problem.property,
            "refused by check",
            f"{problem.reason} Edit the declaration before `pulumi up`; the endpoint keeps its current "
            "value until then",
        )
        for problem in validation.validate(probe, is_unknown=lambda value: False)
    ]


def _placeholder(value: Any) -> Any:
    if isinstance(value, ConfigRef):
        return "config-value"
    if isinstance(value, dict):
        return {key: _placeholder(item) for key, item in value.items()}
    return value


def _leaves(data: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(data, Mapping) and data:
        for key, value in data.items():
            yield from _leaves(value, f"{prefix}.{key}" if prefix else str(key))
    elif prefix:
        yield prefix, data


def _under(path: str, prefixes: Iterable[str]) -> bool:
    return any(path == prefix or path.startswith(prefix + ".") for prefix in prefixes)


def _empty(value: Any) -> bool:
    return value is None or value is False or value in ("", [], {})


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    node = data
    for key in parents:
        node = node[key]
    node[last] = value


def _read_by_table(document: Mapping[str, Any], path: str, reference: Mapping[str, Any]) -> bool:
    probe = copy.deepcopy(dict(document))
    _set(probe, path, _PROBE)
    try:
        return schema.live_inputs(probe) != reference
    except (TypeError, ValueError, AttributeError, KeyError):
        # The decoder depends on the value's type: it reads it.
        return True


def _describe(value: Any) -> str:
    if isinstance(value, Mapping):
        return f"an object with {len(value)} key{'s' if len(value) != 1 else ''}"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return type(value).__name__


def _config_refs(value: Any) -> Iterator[ConfigRef]:
    if isinstance(value, ConfigRef):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _config_refs(item)


# --- rendering --------------------------------------------------------------------------------


def render_module(plans: Sequence[EndpointPlan], *, namespace: str) -> str:
    """Write the Python source declaring the planned endpoints, formatted as ruff formats it.

    Args:
        plans: The endpoints' plans, in the order to declare them.
        namespace: The namespace they were read from, for the docstring.

    Returns:
        The module's source: a Pulumi program's ``__main__.py``, or a module to import from one.
    """
    uses_config = any(plan.config for plan in plans)
    lines = [
        f'"""Inference endpoints of {namespace}, adopted as they are.',
        "",
        "Written by `python -m pulumi_huggingface import`.",
        "",
        "Values the API never reads back (secrets, registry credentials) come from the stack config: set",
        "them to what each endpoint holds now before the first `pulumi up`, which then changes nothing the",
        "endpoints serve.",
        '"""',
        "",
    ]
    if uses_config:
        lines.append("import pulumi")
    lines.append("from pulumi_huggingface import InferenceEndpoint")
    if uses_config:
        lines.extend(["", "config = pulumi.Config()"])
    for plan in plans:
        lines.append("")
        lines.extend(_comment_lines(plan))
        lines.append(f"{plan.variable} = InferenceEndpoint(")
        lines.append(f"{_INDENT}{_string(plan.name)},")
        for key, value in plan.inputs.items():
            lines.extend(_argument(key, value, _INDENT))
        lines.append(")")
    return "\n".join(lines) + "\n"


def _comment_lines(plan: EndpointPlan) -> list[str]:
    if not plan.omissions:
        return []
    lines = ["# Not declared (the program cannot express it as the endpoint holds it):"]
    for omission in plan.omissions:
        text = f"{omission.path} ({omission.what}): {omission.consequence}."
        lines.extend(
            textwrap.wrap(
                text,
                width=LINE_LENGTH,
                initial_indent="# - ",
                subsequent_indent="#   ",
                break_long_words=False,
                break_on_hyphens=False,
            )
        )
    return lines


def _argument(key: str, value: Any, indent: str) -> list[str]:
    head = f"{indent}{key}="
    return _value_lines(head, value, indent, ",")


def _value_lines(head: str, value: Any, indent: str, tail: str) -> list[str]:
    flat = _inline(value)
    if len(head) + len(flat) + len(tail) <= LINE_LENGTH or not _explodable(value):
        return [f"{head}{flat}{tail}"]
    inner = indent + _INDENT
    if isinstance(value, Mapping):
        opening, closing = "{", "}"
        body = [
            line
            for key, item in value.items()
            for line in _value_lines(f"{inner}{_string(key)}: ", item, inner, ",")
        ]
    else:
        opening, closing = "[", "]"
        body = [line for item in value for line in _value_lines(inner, item, inner, ",")]
    return [f"{head}{opening}", *body, f"{indent}{closing}{tail}"]


def _explodable(value: Any) -> bool:
    return isinstance(value, (Mapping, list)) and bool(value)


def _inline(value: Any) -> str:
    if isinstance(value, ConfigRef):
        return value.source()
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_string(key)}: {_inline(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_inline(item) for item in value) + "]"
    if isinstance(value, str):
        return _string(value)
    if value is None or isinstance(value, (bool, int)):
        return repr(value)
    if isinstance(value, float):
        return repr(int(value)) if value.is_integer() else repr(value)
    raise ConfigurationError(f"Cannot write a {type(value).__name__} value into the program.")


def _string(text: Any) -> str:
    # JSON's escapes are a subset of Python's. Like ruff, prefer double quotes unless the text holds
    # double quotes and no single ones.
    value = str(text)
    quoted = json.dumps(value)
    if '"' in value and "'" not in value:
        return "'" + quoted[1:-1].replace('\\"', '"') + "'"
    return quoted


def render_project(project: str, *, namespace: str, virtualenv: str | None = None) -> str:
    """Write the ``Pulumi.yaml`` of a new program holding the imported endpoints.

    Args:
        project: The Pulumi project name.
        namespace: The namespace the endpoints were read from, for the description.
        virtualenv: The virtualenv the CLI runs the program and the provider with, relative to the
            program's folder; None lets the CLI use the interpreter on PATH.
    """
    lines = [
        f"name: {project}",
        f"description: Inference endpoints of {namespace}, adopted as they are",
        "runtime:",
        "  name: python",
    ]
    if virtualenv is not None:
        lines.extend(["  options:", "    toolchain: pip", f"    virtualenv: {json.dumps(virtualenv)}"])
    return "\n".join(lines) + "\n"


def config_commands(plans: Sequence[EndpointPlan], *, stack: str | None = None) -> list[str]:
    """The ``pulumi config set`` lines that supply every config value the program reads.

    Args:
        plans: The planned endpoints.
        stack: A ``--stack`` to name in each line; None for the current stack.
    """
    target = f" --stack {stack}" if stack else ""
    lines = []
    for plan in plans:
        for ref in plan.config:
            flag = " --secret" if ref.secret else ""
            lines.append(f"pulumi config set{flag}{target} {ref.key} <value>  # {ref.what}")
    return lines
