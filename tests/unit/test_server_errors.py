"""What the provider server sends as a failed call's error once `shorten_error_messages` is in place.

The CLI prints that text under the resource; the SDK's server formats the whole traceback.
"""

from __future__ import annotations

import traceback

from pulumi_huggingface import _server
from pulumi_huggingface.errors import ConfigurationError


def test_an_error_of_the_package_is_sent_as_its_message_alone() -> None:
    short = _server._ShortTracebacks(traceback)
    try:
        raise ConfigurationError("No Hugging Face token found. Set it with pulumi config set --secret ...")
    except ConfigurationError:
        sent = short.format_exc()

    assert sent == "No Hugging Face token found. Set it with pulumi config set --secret ..."


def test_any_other_exception_leads_with_its_type_and_message_then_the_traceback() -> None:
    short = _server._ShortTracebacks(traceback)
    try:
        raise KeyError("status")
    except KeyError:
        sent = short.format_exc()

    first, _, rest = sent.partition("\n\n")
    assert first == "KeyError: 'status'"
    assert rest.startswith("Traceback (most recent call last):")


def test_other_names_of_the_traceback_module_are_left_as_they_are() -> None:
    assert _server._ShortTracebacks(traceback).format_exception is traceback.format_exception


def test_outside_the_provider_server_nothing_is_changed() -> None:
    assert _server.shorten_error_messages() is False
