"""Where the token and URLs come from, step by step.

Every test passes the stack config and the environment explicitly; the token file lives under a
temporary folder. Nothing here can see the developer's own credentials.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pulumi_huggingface.client import DEFAULT_API_URL, DEFAULT_HUB_URL
from pulumi_huggingface.errors import ConfigurationError
from pulumi_huggingface.settings import (
    CONFIG_API_URL,
    CONFIG_HUB_URL,
    CONFIG_NAMESPACE,
    CONFIG_POLL_INTERVAL,
    CONFIG_TOKEN,
    DEFAULT_POLL_INTERVAL,
    ENV_POLL_INTERVAL,
    NO_TOKEN_MESSAGE,
    Settings,
    require_token,
    resolve_settings,
    token_file_path,
)

CONFIG_SECRET = "hf_fromStackConfig"
ENV_SECRET = "hf_fromEnvironment"
LEGACY_SECRET = "hf_fromLegacyEnvironment"
FILE_SECRET = "hf_fromTokenFile"


@pytest.fixture
def hf_home(tmp_path: Path) -> Path:
    """An HF_HOME holding a token file, as `hf auth login` leaves it (with a trailing newline)."""
    home = tmp_path / "hf_home"
    home.mkdir()
    (home / "token").write_text(FILE_SECRET + "\n")
    return home


def test_stack_config_token_comes_first(hf_home: Path) -> None:
    settings = resolve_settings(
        {CONFIG_TOKEN: CONFIG_SECRET},
        {"HF_TOKEN": ENV_SECRET, "HUGGING_FACE_HUB_TOKEN": LEGACY_SECRET, "HF_HOME": str(hf_home)},
    )

    assert (settings.token, settings.token_source) == (CONFIG_SECRET, "stack config huggingface:token")


def test_hf_token_comes_before_the_legacy_variable_and_the_file(hf_home: Path) -> None:
    settings = resolve_settings(
        {}, {"HF_TOKEN": ENV_SECRET, "HUGGING_FACE_HUB_TOKEN": LEGACY_SECRET, "HF_HOME": str(hf_home)}
    )

    assert (settings.token, settings.token_source) == (ENV_SECRET, "HF_TOKEN")


def test_legacy_variable_comes_before_the_file(hf_home: Path) -> None:
    settings = resolve_settings({}, {"HUGGING_FACE_HUB_TOKEN": LEGACY_SECRET, "HF_HOME": str(hf_home)})

    assert (settings.token, settings.token_source) == (LEGACY_SECRET, "HUGGING_FACE_HUB_TOKEN")


def test_token_file_under_hf_home_is_the_last_resort(hf_home: Path) -> None:
    settings = resolve_settings({}, {"HF_HOME": str(hf_home)})

    assert settings.token == FILE_SECRET
    assert settings.token_source == f"token file {hf_home / 'token'}"


def test_blank_values_count_as_absent_at_every_step(hf_home: Path) -> None:
    settings = resolve_settings(
        {CONFIG_TOKEN: "  \n", CONFIG_API_URL: " ", CONFIG_HUB_URL: "", CONFIG_NAMESPACE: "\t"},
        {
            "HF_TOKEN": " ",
            "HUGGING_FACE_HUB_TOKEN": "",
            "HF_HOME": str(hf_home),
            "HF_ENDPOINTS_API_URL": "  ",
            "HF_ENDPOINT": "",
        },
    )

    assert (settings.token, settings.token_source) == (FILE_SECRET, f"token file {hf_home / 'token'}")
    assert (settings.api_url, settings.hub_url, settings.namespace) == (
        DEFAULT_API_URL,
        DEFAULT_HUB_URL,
        None,
    )


def test_blank_token_file_means_no_token(tmp_path: Path) -> None:
    (tmp_path / "token").write_text("\n  \n")

    settings = resolve_settings({}, {"HF_HOME": str(tmp_path)})

    assert (settings.token, settings.token_source) == (None, None)


def test_tokens_are_stripped() -> None:
    assert resolve_settings({CONFIG_TOKEN: f"  {CONFIG_SECRET}\n"}, {}).token == CONFIG_SECRET
    assert resolve_settings({}, {"HF_TOKEN": f"\t{ENV_SECRET} "}).token == ENV_SECRET


def test_bare_token_key_is_not_read_because_the_sdk_never_sends_one() -> None:
    """`pulumi.dynamic.Config` namespaces bare keys with the project name; `token` never arrives bare."""
    settings = resolve_settings({"token": CONFIG_SECRET, "myproject:token": CONFIG_SECRET}, {})

    assert settings.token is None


def test_no_token_anywhere_is_none_and_require_token_says_how_to_set_one(tmp_path: Path) -> None:
    settings = resolve_settings({}, {"HF_HOME": str(tmp_path / "empty")})

    assert (settings.token, settings.token_source) == (None, None)
    with pytest.raises(ConfigurationError) as info:
        require_token(settings)
    assert str(info.value) == (
        "No Hugging Face token found. Set it with `pulumi config set --secret huggingface:token <token>`, "
        "or the HF_TOKEN environment variable, or log in with `hf auth login`."
    )
    assert str(info.value) == NO_TOKEN_MESSAGE


def test_require_token_returns_the_token() -> None:
    assert require_token(resolve_settings({CONFIG_TOKEN: CONFIG_SECRET}, {})) == CONFIG_SECRET


def test_token_is_not_in_the_repr_of_settings() -> None:
    settings = resolve_settings({CONFIG_TOKEN: CONFIG_SECRET}, {})

    assert CONFIG_SECRET not in repr(settings)
    assert CONFIG_SECRET not in str(settings)
    assert "stack config huggingface:token" in repr(settings)


def test_non_string_token_in_config_is_refused_without_echoing_it() -> None:
    with pytest.raises(ConfigurationError, match="huggingface:token must be a string") as info:
        resolve_settings({CONFIG_TOKEN: 123456789}, {})
    assert "123456789" not in str(info.value)


# -- the token file's location --------------------------------------------------------------


def test_hf_token_path_wins_over_hf_home(tmp_path: Path, hf_home: Path) -> None:
    explicit = tmp_path / "elsewhere" / "my-token"
    explicit.parent.mkdir()
    explicit.write_text("hf_explicitPath")

    settings = resolve_settings({}, {"HF_TOKEN_PATH": str(explicit), "HF_HOME": str(hf_home)})

    assert (settings.token, settings.token_source) == ("hf_explicitPath", f"token file {explicit}")


def test_hf_token_path_expands_home_and_variables(tmp_path: Path) -> None:
    environ = {"HOME": str(tmp_path), "SUB": "tokens", "HF_TOKEN_PATH": "~/$SUB/${SUB}.txt"}

    assert token_file_path(environ) == tmp_path / "tokens" / "tokens.txt"


def test_xdg_cache_home_is_used_without_hf_home(tmp_path: Path) -> None:
    (tmp_path / "huggingface").mkdir()
    (tmp_path / "huggingface" / "token").write_text(FILE_SECRET)

    settings = resolve_settings({}, {"XDG_CACHE_HOME": str(tmp_path), "HOME": "/nonexistent"})

    assert settings.token == FILE_SECRET
    assert token_file_path({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "huggingface" / "token"


def test_home_cache_is_the_default_location(tmp_path: Path) -> None:
    assert token_file_path({"HOME": str(tmp_path)}) == tmp_path / ".cache" / "huggingface" / "token"


def test_unreadable_token_file_is_a_configuration_error_naming_it(tmp_path: Path) -> None:
    (tmp_path / "token").mkdir()  # a folder where the file should be

    with pytest.raises(ConfigurationError, match="token file") as info:
        resolve_settings({}, {"HF_HOME": str(tmp_path)})
    assert str(tmp_path / "token") in str(info.value)


# -- URLs and namespace ---------------------------------------------------------------------


def test_urls_default_to_hugging_face() -> None:
    settings = resolve_settings({}, {})

    assert (settings.api_url, settings.hub_url) == (
        "https://api.endpoints.huggingface.cloud/v2",
        "https://huggingface.co",
    )


def test_config_urls_win_over_environment_urls() -> None:
    settings = resolve_settings(
        {CONFIG_API_URL: "http://127.0.0.1:9000/v2/", CONFIG_HUB_URL: "http://127.0.0.1:9000"},
        {"HF_ENDPOINTS_API_URL": "http://env.test/v2", "HF_ENDPOINT": "http://env.test"},
    )

    assert (settings.api_url, settings.hub_url) == ("http://127.0.0.1:9000/v2", "http://127.0.0.1:9000")


def test_environment_urls_win_over_defaults() -> None:
    settings = resolve_settings(
        {}, {"HF_ENDPOINTS_API_URL": "http://env.test/v2", "HF_ENDPOINT": "https://hub.env.test/"}
    )

    assert (settings.api_url, settings.hub_url) == ("http://env.test/v2", "https://hub.env.test")


@pytest.mark.parametrize(
    ("config", "environ", "setting", "value"),
    [
        pytest.param(
            {CONFIG_API_URL: "ftp://x.test/v2"},
            {},
            "huggingface:apiUrl",
            "ftp://x.test/v2",
            id="config-api-scheme",
        ),
        pytest.param(
            {CONFIG_HUB_URL: "https://"}, {}, "huggingface:hubUrl", "https://", id="config-hub-no-host"
        ),
        pytest.param(
            {},
            {"HF_ENDPOINTS_API_URL": "localhost:8080"},
            "HF_ENDPOINTS_API_URL",
            "localhost:8080",
            id="env-api",
        ),
        pytest.param(
            {}, {"HF_ENDPOINT": "http:///path"}, "HF_ENDPOINT", "http:///path", id="env-hub-no-host"
        ),
        pytest.param(
            {}, {"HF_ENDPOINT": "http://h.test:port"}, "HF_ENDPOINT", "http://h.test:port", id="env-hub-port"
        ),
    ],
)
def test_malformed_url_error_names_the_setting_and_the_value(
    config: dict[str, str], environ: dict[str, str], setting: str, value: str
) -> None:
    with pytest.raises(ConfigurationError) as info:
        resolve_settings(config, environ)

    assert str(info.value).startswith(f"{setting} is not a valid URL")
    assert repr(value) in str(info.value)


def test_url_with_credentials_is_refused_without_showing_them() -> None:
    with pytest.raises(ConfigurationError, match="huggingface:apiUrl") as info:
        resolve_settings({CONFIG_API_URL: "https://user:hunter2@api.test/v2"}, {})
    assert "hunter2" not in str(info.value)


def test_non_string_url_in_config_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="huggingface:apiUrl must be a string"):
        resolve_settings({CONFIG_API_URL: 8080}, {})


def test_namespace_comes_from_config_or_is_left_for_whoami() -> None:
    assert resolve_settings({CONFIG_NAMESPACE: " acme "}, {}).namespace == "acme"
    assert resolve_settings({}, {}).namespace is None


def test_settings_are_frozen() -> None:
    settings = Settings(
        token=None, token_source=None, api_url=DEFAULT_API_URL, hub_url=DEFAULT_HUB_URL, namespace=None
    )

    with pytest.raises(AttributeError):
        settings.token = "x"  # type: ignore[misc]


# -- the polling cadence -----------------------------------------------------------------------------


def test_poll_interval_defaults_to_the_pace_of_hub_wait() -> None:
    """Unset, the provider polls the real API as huggingface_hub's wait() does: every 5 s."""
    assert resolve_settings({}, {}).poll_interval == DEFAULT_POLL_INTERVAL == 5.0


def test_poll_interval_comes_from_stack_config_before_the_environment() -> None:
    settings = resolve_settings({CONFIG_POLL_INTERVAL: "0.2"}, {ENV_POLL_INTERVAL: "2"})

    assert settings.poll_interval == 0.2


def test_poll_interval_falls_back_to_the_environment() -> None:
    assert resolve_settings({}, {ENV_POLL_INTERVAL: " 0.5 "}).poll_interval == 0.5
    # A blank config value counts as absent, as for every other setting.
    assert resolve_settings({CONFIG_POLL_INTERVAL: "  "}, {ENV_POLL_INTERVAL: "1"}).poll_interval == 1.0


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("0.1", 0.1, id="lowest"),
        pytest.param("300", 300.0, id="highest"),
        pytest.param("1e0", 1.0, id="exponent"),
        pytest.param(2, 2.0, id="int"),
        pytest.param(0.25, 0.25, id="float"),
    ],
)
def test_poll_interval_accepts_seconds_as_a_string_or_a_number(raw: object, expected: float) -> None:
    """`pulumi config set` stores strings; a structured config value arrives as a number."""
    assert resolve_settings({CONFIG_POLL_INTERVAL: raw}, {}).poll_interval == expected


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("0", id="zero"),
        pytest.param("0.05", id="below-range"),
        pytest.param("300.5", id="above-range"),
        pytest.param("-5", id="negative"),
        pytest.param("fast", id="word"),
        pytest.param("5s", id="unit"),
        pytest.param("nan", id="nan"),
        pytest.param("inf", id="inf"),
        pytest.param(True, id="bool"),
        pytest.param([5], id="list"),
    ],
)
def test_a_bad_poll_interval_in_config_names_the_setting_and_the_value(raw: object) -> None:
    with pytest.raises(ConfigurationError) as info:
        resolve_settings({CONFIG_POLL_INTERVAL: raw}, {ENV_POLL_INTERVAL: "1"})

    message = str(info.value)
    assert message.startswith(
        "Stack config huggingface:pollInterval must be a number of seconds from 0.1 to 300"
    )
    assert repr(raw) in message


def test_a_bad_poll_interval_in_the_environment_names_the_variable_and_the_value() -> None:
    with pytest.raises(ConfigurationError) as info:
        resolve_settings({}, {ENV_POLL_INTERVAL: "0.01"})

    assert "HF_ENDPOINTS_POLL_INTERVAL must be a number of seconds" in str(info.value)
    assert "'0.01'" in str(info.value)
