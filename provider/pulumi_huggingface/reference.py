"""The README's resource reference, generated from `pulumi_huggingface.schema`.

``python -m pulumi_huggingface.reference`` prints the Markdown that belongs between the README's
``<!-- reference:start -->`` and ``<!-- reference:end -->`` markers; a test fails when they differ,
so the documentation cannot drift from the table the provider runs on.
"""

from __future__ import annotations

from typing import Final

from pulumi_huggingface.schema import FIELDS, OUTPUTS, Field, Mutability, Removal, group_of

__all__ = ["END_MARKER", "START_MARKER", "render_reference"]

START_MARKER: Final = "<!-- reference:start -->"
END_MARKER: Final = "<!-- reference:end -->"

_REMOVAL: Final = {
    Removal.REQUIRED: "required",
    Removal.CLEAR: "clear",
    Removal.KEEP: "keep",
    Removal.DEFAULT: "default",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _change(field: Field) -> str:
    if field.mutability is Mutability.REPLACE:
        return f"replaces ({field.replace_reason})"
    if field.mutability is Mutability.PROVIDER:
        return "in place (provider only, no API call)"
    if field.applied_by:
        return "in place (its own API call, not the PUT)"
    group = group_of(field)
    if group is not None:
        partners = ", ".join(f"`{name}`" for name in group.fields if name != field.name)
        return f"in place (sent with {partners})"
    return "in place"


def _api(field: Field) -> str:
    if field.from_url:
        return "URL path"
    if field.applied_by:
        return field.applied_by
    if field.api_path is None:
        return "not sent"
    return f"`{field.api_path}`"


def render_reference() -> str:
    """Return the resource reference as Markdown: an inputs table and an outputs table.

    Returns:
        The Markdown text, ending with a newline, without the markers.
    """
    lines = [
        "### `InferenceEndpoint` inputs",
        "",
        "On removal: *clear* empties the field on the endpoint, *keep* leaves the endpoint's value, "
        "*default* returns to the default, *required* cannot be removed. Declaring or removing an "
        "input without changing what the endpoint holds (removing a *keep* input, writing out a "
        "default) is an update that sends no request, so that the state records what the program "
        "declares. Inputs the API can only "
        "change together form a group: a change to any member sends every member, a removed one as "
        "its removal value.",
        "",
        "| Input | Type | API field | Change | On removal | Secret | Description |",
        "|---|---|---|---|---|---|---|",
    ]
    for field in FIELDS:
        lines.append(
            "| "
            + " | ".join(
                _cell(cell)
                for cell in (
                    f"`{field.name}`",
                    field.kind.value,
                    _api(field),
                    _change(field),
                    _REMOVAL[field.removal],
                    "yes" if field.secret else "no",
                    field.description,
                )
            )
            + " |"
        )
    lines += [
        "",
        "### `InferenceEndpoint` outputs",
        "",
        "Every input is also an output under the same name (`namespace` holds the resolved namespace). "
        "The resource id is `<namespace>/<name>`. In addition:",
        "",
        "| Output | Type | API field | Description |",
        "|---|---|---|---|",
    ]
    for output in OUTPUTS:
        lines.append(
            f"| `{output.name}` | {output.kind.value} | `{output.api_path}` | {_cell(output.description)} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    """Print the reference."""
    print(render_reference(), end="")


if __name__ == "__main__":
    main()
