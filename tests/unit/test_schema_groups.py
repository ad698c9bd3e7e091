"""The field table declares its groups and codecs as data: no behaviour hangs on a field's name.

A group (`schema.GROUPS`) is the set of inputs the API can only change together. These tests pin
that the groups and the fields agree, that a change to any member sends every member, that what a
group or a field sends reads back as what was declared, and that `Field` is built from named data.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pulumi_huggingface import importer, reference, schema, validation
from pulumi_huggingface.schema import FIELDS, FIELDS_BY_NAME, GROUPS, GROUPS_BY_NAME, Field, Readback

GROUPED = [field for field in FIELDS if field.group is not None]

# Declarations of each group's members, as a program writes them (None: the member is left out).
GROUP_SAMPLES: dict[str, list[dict[str, Any]]] = {
    "scaling": [
        {"min_replica": 0, "scale_to_zero_timeout": 30},
        {"min_replica": 0, "scale_to_zero_timeout": None},
        {"min_replica": 3, "scale_to_zero_timeout": None},
    ],
    "measure": [
        {"scaling_metric": "hardwareUsage", "scaling_threshold": 80.0},
        {"scaling_metric": "pendingRequests", "scaling_threshold": 1.5},
        {"scaling_metric": "pendingRequests", "scaling_threshold": None},
    ],
    "image": [
        {"custom_image": {"url": "ghcr.io/acme/server:1", "port": 8080, "healthRoute": "/health"}},
        {"custom_image": {"url": "registry.example.com/model:1", "port": 80, "health_route": "/ready"}},
        {
            "custom_image": {"url": "registry.example.com/model:1", "port": 80},
            "container_registry_username": "robot",
            "container_registry_password": "hunter2",
        },
        {"custom_image": {"custom": {"url": "registry.example.com/model:2", "port": 81}}},
        {"custom_image": {"vLLM": {"url": "vllm/vllm-openai:latest", "port": 8000}}},
        {"custom_image": None},
    ],
    "route": [
        {"domain": "models.example.com", "path": "/v1"},
        {"domain": "models.example.com", "path": None},
        {"domain": None, "path": "/v1"},
    ],
}

BASE: dict[str, Any] = {
    "name": "chat",
    "repository": "openai-community/gpt2",
    "framework": "pytorch",
    "accelerator": "cpu",
    "instance_size": "x2",
    "instance_type": "intel-icl",
    "vendor": "aws",
    "region": "us-east-1",
}


def _samples() -> list[Any]:
    return [
        pytest.param(group, sample, id=f"{group}-{index}")
        for group, samples in GROUP_SAMPLES.items()
        for index, sample in enumerate(samples)
    ]


@pytest.mark.parametrize("field", GROUPED, ids=lambda field: field.name)
def test_every_grouped_field_belongs_to_its_declared_group(field: Field) -> None:
    """A field naming a group is a member of that declared `Group`."""
    assert field.group in GROUPS_BY_NAME, f"{field.name} names an undeclared group {field.group!r}"
    assert field.name in GROUPS_BY_NAME[field.group].fields


@pytest.mark.parametrize("group", GROUPS, ids=lambda group: group.name)
def test_every_member_of_a_group_names_the_group(group: schema.Group) -> None:
    """A group lists only fields of the table that name it, in table order, and at least two."""
    assert len(group.fields) >= 2
    assert all(FIELDS_BY_NAME[name].group == group.name for name in group.fields)
    assert list(group.fields) == [field.name for field in FIELDS if field.group == group.name]


@pytest.mark.parametrize("group", GROUPS, ids=lambda group: group.name)
def test_a_group_either_has_a_composite_codec_or_members_with_their_own_paths(group: schema.Group) -> None:
    """A composite group encodes and decodes its one value; the others send each member at its own path."""
    if group.composite:
        assert group.encode is not None and group.decode is not None
    else:
        assert group.encode is None and group.decode is None
        assert all(FIELDS_BY_NAME[name].api_path is not None for name in group.fields)


def test_groups_cover_the_image_measure_route_and_scaling_pair() -> None:
    """The groups the API imposes are all declared, with their members."""
    assert {group.name: group.fields for group in GROUPS} == {
        "scaling": ("min_replica", "scale_to_zero_timeout"),
        "measure": ("scaling_metric", "scaling_threshold"),
        "image": ("custom_image", "container_registry_username", "container_registry_password"),
        "route": ("domain", "path"),
    }


@pytest.mark.parametrize(("group_name", "sample"), _samples())
def test_what_create_sends_for_a_group_reads_back_as_declared(
    group_name: str, sample: dict[str, Any]
) -> None:
    """Every member the API reads back comes back from the create body as the declared value."""
    inputs = {**BASE, **{key: value for key, value in sample.items() if value is not None}}
    live = schema.live_inputs(schema.create_payload(inputs))
    for name in GROUPS_BY_NAME[group_name].fields:
        field = FIELDS_BY_NAME[name]
        if field.readback is Readback.NEVER:
            assert live[name] is None, f"{name} is never read back"
            continue
        assert field.matches(sample.get(name), live[name], {}), (name, sample.get(name), live[name])
        assert schema.reconcile(field, sample.get(name), live[name], {}) == sample.get(name)


_names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12)
_image_ref = st.builds(lambda host, tag: f"{host}.example.com/model:{tag}", _names, _names)
_container = st.fixed_dictionaries(
    {"url": _image_ref, "port": st.integers(min_value=1, max_value=65535)},
    optional={"healthRoute": st.builds(lambda path: "/" + path, _names)},
)
# Declarations of each group's members, drawn at random; the test keeps those check accepts.
GROUP_DECLARATIONS: dict[str, Any] = {
    "scaling": st.fixed_dictionaries(
        {
            "min_replica": st.integers(min_value=0, max_value=4),
            "scale_to_zero_timeout": st.none() | st.integers(min_value=15, max_value=2880),
        }
    ),
    "measure": st.fixed_dictionaries(
        {
            "scaling_metric": st.sampled_from(FIELDS_BY_NAME["scaling_metric"].choices),
            "scaling_threshold": st.none()
            | st.integers(min_value=0, max_value=10_000)
            | st.floats(min_value=0, max_value=1e6, allow_nan=False),
        }
    ),
    "image": st.fixed_dictionaries(
        {
            "custom_image": st.none()
            | _container
            | st.builds(lambda spec: {"custom": spec}, _container)
            | st.builds(lambda variant, spec: {variant: spec}, st.sampled_from(["vLLM", "tgi"]), _container),
            "container_registry_username": st.none() | _names,
            "container_registry_password": st.none() | _names,
        }
    ),
    "route": st.fixed_dictionaries(
        {
            "domain": st.none() | st.builds(lambda name: f"{name}.example.com", _names),
            "path": st.none() | st.builds(lambda name: "/" + name, _names),
        }
    ),
}


@pytest.mark.parametrize("group", GROUPS, ids=lambda group: group.name)
@settings(
    max_examples=60, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.filter_too_much]
)
@given(data=st.data())
def test_any_accepted_declaration_of_a_group_reads_back_as_declared(
    group: schema.Group, data: st.DataObject
) -> None:
    """Whatever check accepts for a group, what create sends reads back as the declared members, no diff."""
    sample = data.draw(GROUP_DECLARATIONS[group.name])
    inputs = {**BASE, **{key: value for key, value in sample.items() if value is not None}}
    assume(not validation.validate(inputs, is_unknown=lambda value: False))
    live = schema.live_inputs(schema.create_payload(inputs))
    for name in group.fields:
        field = FIELDS_BY_NAME[name]
        if field.readback is Readback.NEVER:
            continue
        assert schema.reconcile(field, sample.get(name), live[name], {}) == sample.get(name), (
            name,
            live[name],
        )
        read_back = {**inputs, name: live[name]}
        assert name not in schema.changed_fields(read_back, inputs, is_unknown=lambda value: False)


@pytest.mark.parametrize(
    ("group_name", "sample"), [p for p in _samples() if GROUPS_BY_NAME[p.values[0]].composite]
)
def test_a_composite_group_decodes_what_it_encodes(group_name: str, sample: dict[str, Any]) -> None:
    """`decode` of the value `encode` builds gives back each member it reads, unchanged in meaning.

    A member the decoder leaves out must be one the API never reads back (the registry password).
    """
    group = GROUPS_BY_NAME[group_name]
    assert group.encode is not None and group.decode is not None and group.api_path is not None
    encoded = group.encode(sample)
    endpoint: Any = encoded
    for key in reversed(group.api_path.split(".")):
        endpoint = {key: endpoint}
    decoded = group.decode(endpoint if encoded is not None else {})
    for name in group.fields:
        field = FIELDS_BY_NAME[name]
        if name not in decoded:
            assert field.readback is Readback.NEVER, f"{group_name} does not decode {name}"
            continue
        assert field.matches(sample.get(name), decoded[name], {}), (name, sample.get(name), decoded[name])


@pytest.mark.parametrize("group", GROUPS, ids=lambda group: group.name)
def test_a_change_to_any_member_sends_every_member(group: schema.Group) -> None:
    """Changing one member of a group puts the whole group in the PUT body, removed members included."""
    sample = GROUP_SAMPLES[group.name][0]
    inputs = {**BASE, **sample}
    for name in group.fields:
        payload = schema.update_payload([name], inputs)
        paths = [group.api_path] if group.api_path else [FIELDS_BY_NAME[m].api_path for m in group.fields]
        for path in paths:
            node: Any = payload
            for key in str(path).split("."):
                assert isinstance(node, dict) and key in node, f"changing {name} does not send {path}"
                node = node[key]


def test_a_removed_keep_member_of_a_group_is_sent_as_the_endpoint_holds_it() -> None:
    """A removed `scaling_metric` keeps the live metric: a threshold removed with it gets its default."""
    previous = {**BASE, "scaling_metric": "pendingRequests", "scaling_threshold": 2.0}
    payload = schema.update_payload(["scaling_threshold"], BASE, previous=previous)
    assert payload == {"compute": {"scaling": {"measure": {"pendingRequests": None}}}}


def test_field_takes_keyword_arguments_only() -> None:
    """A table entry reads as named data: positional arguments are refused."""
    with pytest.raises(TypeError):
        Field("x", "x", schema.Kind.STRING, schema.Mutability.IN_PLACE, schema.Removal.KEEP, "X.")  # type: ignore[misc]
    with pytest.raises(TypeError):
        schema.OutputField("x", "x", schema.Kind.STRING, "X.")  # type: ignore[misc]


@pytest.mark.parametrize(
    ("name", "spelling", "same_as"),
    [
        ("type", "protected", "authenticated"),
        ("tags", ["b", "a"], ["a", "b"]),
        ("env", {}, None),
        ("container_command", [], None),
        (
            "custom_image",
            {"url": "registry.example.com/model:1"},
            {"custom": {"url": "registry.example.com/model:1"}},
        ),
        ("custom_image", {"huggingface": {}}, None),
    ],
    ids=lambda value: repr(value)[:30],
)
def test_a_field_normalises_spellings_that_mean_the_same(name: str, spelling: Any, same_as: Any) -> None:
    """Each field's own `normalise` makes a respelled declaration no change in a diff."""
    olds = {**BASE, name: same_as}
    news = {**BASE, name: spelling}
    assert name not in schema.changed_fields(olds, news, is_unknown=lambda value: False)


def test_the_tags_field_carries_the_hidden_tags_both_ways() -> None:
    """Tags go out with the provider's hidden tags and read back without them, as the tags field declares."""
    inputs = {**BASE, "tags": ["team-a"], schema.INTERNAL_CREATION_TOKEN: "0123456789abcdef"}
    sent = schema.create_payload(inputs)
    assert sent["tags"] == ["team-a", "pulumi-hf:0123456789abcdef"]
    assert schema.update_payload(["tags"], inputs)["tags"] == sent["tags"]
    assert schema.live_inputs(sent)["tags"] == ["team-a"]


def test_a_drifted_flat_image_is_recorded_in_the_declared_shape() -> None:
    """A flat container that drifted is recorded flat, as it was declared, not as `{"custom": ...}`."""
    declared = {"url": "registry.example.com/model:1", "port": 80}
    live = {"custom": {"url": "registry.example.com/model:2", "port": 80}}
    field = FIELDS_BY_NAME["custom_image"]
    assert schema.reconcile(field, declared, live, {}) == live["custom"]


def _compares_a_name_with_a_literal(module: Any) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(inspect.getsource(module))):
        if not isinstance(node, ast.Compare):
            continue
        operands = [node.left, *node.comparators]
        names = [
            op
            for op in operands
            if (isinstance(op, ast.Attribute) and op.attr in ("name", "group"))
            or (isinstance(op, ast.Name) and op.id == "group")
        ]
        literals = [op for op in operands if isinstance(op, ast.Constant) and isinstance(op.value, str)]
        if names and literals:
            found.append(ast.unparse(node))
    return found


@pytest.mark.parametrize(
    "module", [schema, validation, importer, reference], ids=lambda module: module.__name__
)
def test_no_behaviour_is_keyed_by_a_field_name(module: Any) -> None:
    """No `field.name == "..."` or `group == "..."` branch: what is special about a field is table data."""
    assert _compares_a_name_with_a_literal(module) == []


def test_a_table_whose_fields_and_groups_disagree_is_refused() -> None:
    scaling = schema.GROUPS_BY_NAME["scaling"]
    half = dataclasses.replace(scaling, fields=("min_replica",))
    with pytest.raises(ValueError, match="group scaling: the table names"):
        schema.check_group_members(schema.FIELDS, [half, *(g for g in schema.GROUPS if g is not scaling)])
    with pytest.raises(ValueError, match="names the undeclared group scaling"):
        schema.check_group_members(schema.FIELDS, [g for g in schema.GROUPS if g is not scaling])
    schema.check_group_members(schema.FIELDS, schema.GROUPS)
