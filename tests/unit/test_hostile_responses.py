"""Hostile API answers: every provider method fails with a clear error, never a traceback or wrong state.

A real endpoint is created on the emulator first; then every answer about it is replaced by
something that is not the API's JSON (malformed JSON, an empty object, a status of the wrong type,
an HTML error page, a JSON list, a body over the size cap). create, read, update and delete must
raise a `HuggingFaceError` whose message says what was wrong, and read must never report the
endpoint gone (which would drop it from state). A property test then mutates a valid endpoint's
fields into arbitrary JSON values: read either reports it or fails cleanly.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from provider_fakes import EmulatedApi, base_inputs, make_provider

from pulumi_huggingface.client import MAX_RESPONSE_BYTES
from pulumi_huggingface.errors import HuggingFaceError
from pulumi_huggingface.provider import InferenceEndpointProvider

HOSTILE: dict[str, Callable[[], httpx.Response]] = {
    "malformed-json": lambda: httpx.Response(200, text='{"name": "chat", "status": {'),
    "empty-object": lambda: httpx.Response(200, json={}),
    "status-not-an-object": lambda: httpx.Response(200, json={"name": "chat", "status": "running"}),
    "state-not-a-string": lambda: httpx.Response(200, json={"name": "chat", "status": {"state": 3}}),
    "json-list": lambda: httpx.Response(200, json=[{"name": "chat"}]),
    "html-200": lambda: httpx.Response(
        200, text="<!DOCTYPE html><html><body>Sign in</body></html>", headers={"Content-Type": "text/html"}
    ),
    "html-502": lambda: httpx.Response(
        502, text="<html><body>Bad gateway</body></html>", headers={"Content-Type": "text/html"}
    ),
    "huge-body": lambda: httpx.Response(200, content=b"[" * (MAX_RESPONSE_BYTES + 1)),
}
EXPECTED = {
    "malformed-json": "malformed JSON",
    "empty-object": 'without a "name"',
    "status-not-an-object": 'without a "status.state"',
    "state-not-a-string": 'without a "status.state"',
    "json-list": "a JSON array instead of an object",
    "html-200": "an HTML page instead of JSON",
    "html-502": "an HTML page instead of JSON",
    "huge-body": "a body larger than 8 MiB",
}


def turn_hostile(api: EmulatedApi, kind: str) -> None:
    """From now on, every request about an endpoint gets the `kind` answer instead of the emulator's."""
    answer = HOSTILE[kind]
    api.hostile.every = ("/endpoint/", lambda request: answer())


def created(kind: str) -> tuple[EmulatedApi, InferenceEndpointProvider, str, dict[str, Any], dict[str, Any]]:
    api = EmulatedApi()
    provider = make_provider(api)[0]
    inputs = provider.check({}, base_inputs(name="chat")).inputs
    result = provider.create(dict(inputs))
    assert result.outs is not None
    turn_hostile(api, kind)
    return api, provider, result.id, inputs, result.outs


def assert_clear(error: BaseException, kind: str) -> None:
    assert isinstance(error, HuggingFaceError), repr(error)
    assert EXPECTED[kind] in str(error)
    assert "Traceback" not in str(error)


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_read_fails_clearly_and_never_reports_the_endpoint_gone(kind: str) -> None:
    api, provider, id_, _, outs = created(kind)
    with pytest.raises(Exception) as caught:
        provider.read(id_, outs)
    assert_clear(caught.value, kind)
    assert api.state("chat") == "running"


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_update_fails_clearly(kind: str) -> None:
    api, provider, id_, inputs, outs = created(kind)
    news = provider.check(inputs, base_inputs(name="chat", max_replica=2)).inputs
    with pytest.raises(Exception) as caught:
        provider.update(id_, outs, news)
    assert_clear(caught.value, kind)
    assert api.stored("chat")["compute"]["scaling"]["maxReplica"] == 1, "no PUT reached the API"


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_delete_fails_clearly_so_the_endpoint_stays_in_state(kind: str) -> None:
    api, provider, id_, _, outs = created(kind)
    with pytest.raises(Exception) as caught:
        provider.delete(id_, outs)
    # Every answer, the DELETE's included, was replaced before the API saw the request.
    assert api.exists("chat")
    assert_clear(caught.value, kind)


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_create_fails_clearly_and_says_what_may_be_left(kind: str) -> None:
    """Every answer about the endpoint is garbage: the create cannot tell what exists, and says so."""
    api = EmulatedApi()
    turn_hostile(api, kind)
    provider = make_provider(api)[0]
    with pytest.raises(Exception) as caught:
        provider.create(provider.check({}, base_inputs(name="chat")).inputs)
    error = caught.value
    assert isinstance(error, HuggingFaceError), repr(error)
    assert EXPECTED[kind] in str(error)
    message = str(error)
    assert api.app.endpoint_ids() == []
    assert "Could not tell whether" in message or "nothing was created" in message or "failed" in message


def _mutations() -> st.SearchStrategy[tuple[list[str], Any]]:
    paths = st.sampled_from(
        [
            ["model"],
            ["model", "image"],
            ["model", "revision"],
            ["model", "env"],
            ["compute"],
            ["compute", "scaling"],
            ["compute", "scaling", "minReplica"],
            ["compute", "scaling", "measure"],
            ["tags"],
            ["type"],
            ["provider"],
            ["status", "url"],
            ["status", "message"],
            ["status", "readyReplica"],
            ["route"],
        ]
    )
    json_values = st.recursive(
        st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=10)),
        lambda inner: st.one_of(
            st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
        ),
        max_leaves=8,
    )
    return st.tuples(paths, json_values)


@settings(max_examples=200, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutation=_mutations())
def test_read_of_an_endpoint_with_fields_of_any_type_reports_it_or_fails_cleanly(
    mutation: tuple[list[str], Any],
) -> None:
    path, value = mutation
    api = EmulatedApi()

    def mangle(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        if request.method != "GET" or "/endpoint/" not in request.url.path:
            return response
        # The answer, not the emulator's store, is mangled: the emulator validates what it stores.
        body = response.json()
        node = body
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = copy.deepcopy(value)
        return httpx.Response(200, json=body)

    provider = make_provider(api)[0]
    inputs = provider.check({}, base_inputs(name="chat")).inputs
    result = provider.create(dict(inputs))
    assert result.outs is not None
    api.hostile.rewrite = mangle
    try:
        read = provider.read(result.id, result.outs)
    except HuggingFaceError:
        return
    assert read.id == result.id
    assert isinstance(read.outs, dict)
    json.dumps(read.outs)
