"""Render a plan the way `pulumi preview --diff` prints it.

A dynamic provider cannot send a detailed diff (the SDK's server fills neither `diffs` nor
`detailedDiff`), so the CLI renders the old inputs against the new inputs; so does this renderer.
Internal `__*` inputs (the provider pickle) are hidden, secrets print as `[secret]`, preview-time
unknowns as `output<string>`, strings quoted, integral numbers without a fraction.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from support._values import is_secret, is_unknown

if TYPE_CHECKING:
    from support.engine import Plan, Step

_SYMBOL = {"create": "+ ", "update": "~ ", "replace": "+-", "delete": "- ", "same": "  "}
_PAST = {"create": "created", "update": "updated", "replace": "replaced", "delete": "deleted"}
_FUTURE = {"create": "to create", "update": "to update", "replace": "to replace", "delete": "to delete"}


def format_value(value: Any) -> str:
    """Format one property value as the CLI does."""
    if is_secret(value):
        return "[secret]"
    if is_unknown(value):
        return "output<string>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if value is None:
        return "null"
    if isinstance(value, Mapping):
        inner = ", ".join(f"{k}: {format_value(v)}" for k, v in value.items())
        return "{" + inner + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    return str(value)


def _visible(props: Mapping[str, Any] | None) -> dict[str, Any]:
    return {k: v for k, v in (props or {}).items() if not k.startswith("__")}


def _same(old: Any, new: Any) -> bool:
    if is_unknown(old) or is_unknown(new):
        return False
    return bool(old == new)


def changed_keys(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> list[str]:
    """Top-level visible keys that differ, each prefixed "+" (added), "-" (removed) or "~" (changed)."""
    before, after = _visible(old), _visible(new)
    keys = []
    for key in sorted(set(before) | set(after)):
        if key not in before:
            keys.append(f"+{key}")
        elif key not in after:
            keys.append(f"-{key}")
        elif not _same(before[key], after[key]):
            keys.append(f"~{key}")
    return keys


def _diff_lines(old: Mapping[str, Any], new: Mapping[str, Any], indent: str) -> list[str]:
    lines: list[str] = []
    keys = [k for k in sorted(set(old) | set(new)) if not (k in old and k in new and _same(old[k], new[k]))]
    width = max((len(k) for k in keys), default=0)
    for key in keys:
        label = key.ljust(width)
        if key not in old:
            lines.append(f"{indent}+ {label}: {format_value(new[key])}")
        elif key not in new:
            lines.append(f"{indent}- {label}: {format_value(old[key])}")
        else:
            before, after = old[key], new[key]
            nested = (
                isinstance(before, Mapping)
                and isinstance(after, Mapping)
                and not is_secret(before)
                and not is_secret(after)
            )
            if nested:
                lines.append(f"{indent}~ {label}: {{")
                lines.extend(_diff_lines(before, after, indent + "    "))
                lines.append(f"{indent}  }}")
            else:
                lines.append(f"{indent}~ {label}: {format_value(before)} => {format_value(after)}")
    return lines


def _listing(props: Mapping[str, Any], indent: str) -> list[str]:
    width = max((len(k) for k in props), default=0)
    lines: list[str] = []
    for key, value in sorted(props.items()):
        label = key.ljust(width)
        if isinstance(value, Mapping) and not is_secret(value) and value:
            lines.append(f"{indent}{label}: {{")
            lines.extend(_listing(value, indent + "    "))
            lines.append(f"{indent}}}")
        else:
            lines.append(f"{indent}{label}: {format_value(value)}")
    return lines


def render_step(step: Step) -> list[str]:
    """Render one step's lines (empty for an unchanged resource)."""
    op = step.op.value
    if op == "same":
        return []
    lines = [f"    {_SYMBOL[op]}{step.type}: ({op})"]
    if step.id and op != "create":
        lines.append(f"        [id={step.id}]")
    lines.append(f"        [urn={step.urn}]")
    if op == "replace":
        lines.append(f"        [diff: {' '.join(changed_keys(step.old_inputs, step.new_inputs))}]")
    if op == "create":
        lines.extend(_listing(_visible(step.new_inputs), "        "))
    elif op == "delete":
        lines.extend(_listing(_visible(step.old_inputs), "        "))
    else:
        lines.extend(_diff_lines(_visible(step.old_inputs), _visible(step.new_inputs), "      "))
    return lines


def render_plan(plan: Plan) -> str:
    """Render a plan: one block per changed resource, then the resource summary."""
    lines: list[str] = []
    for step in plan.steps:
        lines.extend(render_step(step))
    counts: dict[str, int] = {}
    for step in plan.steps:
        counts[step.op.value] = counts.get(step.op.value, 0) + 1
    words = _FUTURE if plan.preview else _PAST
    lines.append("Resources:")
    changes = 0
    for op in ("create", "update", "replace", "delete"):
        if counts.get(op):
            lines.append(f"    {_SYMBOL[op]}{counts[op]} {words[op]}")
            changes += counts[op]
    kinds = sum(1 for op in ("create", "update", "replace", "delete") if counts.get(op))
    same = counts.get("same", 0)
    if kinds > 1:
        lines.append(f"    {changes} changes" + (f". {same} unchanged" if same else ""))
    elif same:
        lines.append(f"    {same} unchanged")
    return "\n".join(lines) + "\n"
