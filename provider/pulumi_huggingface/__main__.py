"""The command line of pulumi_huggingface: ``python -m pulumi_huggingface import ...``.

``import`` reads existing endpoints of a namespace (all of them, some by name, or those carrying
given tags) and writes the Pulumi program that adopts them as they are, or a module to add to one.
It reads through the provider's own client and settings: the token from ``HF_TOKEN`` (or
``HUGGING_FACE_HUB_TOKEN``, or the file ``hf auth login`` writes), the API URL from ``--api-url`` or
``HF_ENDPOINTS_API_URL``, the Hub URL from ``--hub-url`` or ``HF_ENDPOINT``.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from pulumi_huggingface import importer
from pulumi_huggingface.client import EndpointsClient
from pulumi_huggingface.errors import ConfigurationError, HuggingFaceError
from pulumi_huggingface.settings import (
    CONFIG_API_URL,
    CONFIG_HUB_URL,
    CONFIG_NAMESPACE,
    require_token,
    resolve_settings,
)

__all__ = ["main"]

_SECRET_KEY = re.compile(r"^([a-z0-9-]+)=(.+)$")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pulumi_huggingface",
        description="Tools for Hugging Face Inference Endpoints managed with Pulumi.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    command = commands.add_parser(
        "import",
        help="write the Pulumi program that adopts existing endpoints as they are",
        description=(
            "Read existing endpoints and write the Pulumi program (or a module to add to one) that "
            "declares each with adopt_existing=True, as it is: its first `pulumi up` changes nothing "
            "the endpoints serve. Values the API never reads back (secrets, registry credentials) are "
            "read from the stack config; the `pulumi config set` lines that supply them are printed."
        ),
    )
    command.add_argument("names", nargs="*", metavar="NAME", help="endpoints to import (default: all)")
    command.add_argument("--namespace", help="the user or organization (default: the token's owner)")
    command.add_argument(
        "--tag",
        action="append",
        default=[],
        metavar="TAG",
        help="only endpoints carrying this tag (repeatable)",
    )
    command.add_argument(
        "--secret-key",
        action="append",
        default=[],
        metavar="ENDPOINT=KEY",
        help="declare the secret env variable KEY of ENDPOINT (the API does not list them; repeatable)",
    )
    output = command.add_mutually_exclusive_group()
    output.add_argument("--module", type=Path, metavar="FILE", help="write the declarations to FILE")
    output.add_argument(
        "--program", type=Path, metavar="DIR", help="write a new program: DIR/__main__.py and DIR/Pulumi.yaml"
    )
    command.add_argument("--project", help="the project name in Pulumi.yaml (default: the folder's name)")
    command.add_argument("--virtualenv", help="the virtualenv Pulumi.yaml names, relative to DIR")
    command.add_argument("--stack", help="the stack to name in the printed `pulumi config set` lines")
    command.add_argument("--force", action="store_true", help="overwrite files that exist")
    command.add_argument("--api-url", help="the Inference Endpoints API URL (default: HF_ENDPOINTS_API_URL)")
    command.add_argument("--hub-url", help="the Hub URL, for whoami (default: HF_ENDPOINT)")
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    client: EndpointsClient | None = None,
) -> int:
    """Run the command line.

    Args:
        argv: The arguments after the program name; None for ``sys.argv[1:]``.
        environ: The environment; None for ``os.environ``.
        stdout: Where the generated code goes when no file is named; None for ``sys.stdout``.
        stderr: Where messages go; None for ``sys.stderr``.
        client: The API client to read with; None to build one from the settings.

    Returns:
        The exit status: 0 on success, 1 on an error (a message says which), 2 for bad arguments.
    """
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    args = _parser().parse_args(argv)
    try:
        return _import(args, os.environ if environ is None else environ, out, err, client)
    except HuggingFaceError as exc:
        print(f"error: {exc}", file=err)
        return 1


def _import(
    args: argparse.Namespace,
    environ: Mapping[str, str],
    out: TextIO,
    err: TextIO,
    client: EndpointsClient | None,
) -> int:
    secret_keys = _secret_keys(args.secret_key)
    flags = {CONFIG_API_URL: args.api_url, CONFIG_HUB_URL: args.hub_url, CONFIG_NAMESPACE: args.namespace}
    settings = resolve_settings({key: value for key, value in flags.items() if value}, environ)
    targets = _targets(args)
    _refuse_overwrite(targets, force=args.force)
    if client is None:
        with EndpointsClient(
            token=require_token(settings), api_url=settings.api_url, hub_url=settings.hub_url
        ) as own:
            namespace, endpoints = _read(own, settings.namespace, args)
    else:
        namespace, endpoints = _read(client, settings.namespace, args)
    unknown = sorted(set(secret_keys) - {str(endpoint.get("name")) for endpoint in endpoints})
    if unknown:
        raise ConfigurationError(f"--secret-key names endpoints that are not imported: {', '.join(unknown)}.")
    plans: list[importer.EndpointPlan] = []
    for endpoint in endpoints:
        name = str(endpoint.get("name"))
        variable = importer.python_name(name, taken=[plan.variable for plan in plans])
        plans.append(
            importer.plan_endpoint(
                endpoint, namespace, secret_keys=secret_keys.get(name, ()), variable=variable
            )
        )
    source = importer.render_module(plans, namespace=namespace)
    report = out if targets else err
    if not plans:
        print(f"No endpoints in {namespace} match; nothing written.", file=err)
        return 0
    if targets:
        for path, text in _files(args, targets, source, namespace).items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        where = ", ".join(str(path) for path in targets)
    else:
        out.write(source)
        where = "standard output"
    names = ", ".join(plan.name for plan in plans)
    print(f"Declared {len(plans)} endpoint(s) of {namespace} ({names}) in {where}.", file=report)
    _print_report(plans, report, stack=args.stack)
    return 0


def _read(
    client: EndpointsClient, namespace: str | None, args: argparse.Namespace
) -> tuple[str, list[dict[str, Any]]]:
    namespace = namespace or _owner(client)
    return namespace, importer.select_endpoints(client, namespace, names=args.names, tags=args.tag)


def _secret_keys(values: Sequence[str]) -> dict[str, list[str]]:
    keys: dict[str, list[str]] = {}
    for value in values:
        match = _SECRET_KEY.match(value)
        if match is None:
            raise ConfigurationError(
                f"--secret-key takes ENDPOINT=KEY, e.g. my-endpoint=API_KEY, not {value!r}."
            )
        keys.setdefault(match.group(1), []).append(match.group(2))
    return keys


def _owner(client: EndpointsClient) -> str:
    name = client.whoami().get("name")
    if not isinstance(name, str) or not name:
        raise ConfigurationError("Could not tell the token's owner: pass --namespace.")
    return name


def _targets(args: argparse.Namespace) -> list[Path]:
    if args.module is not None:
        return [args.module]
    if args.program is not None:
        return [args.program / "__main__.py", args.program / "Pulumi.yaml"]
    return []


def _refuse_overwrite(targets: Sequence[Path], *, force: bool) -> None:
    existing = [str(path) for path in targets if path.exists()]
    if existing and not force:
        raise ConfigurationError(f"{', '.join(existing)} already exist(s); pass --force to overwrite.")


def _files(args: argparse.Namespace, targets: Sequence[Path], source: str, namespace: str) -> dict[Path, str]:
    files = {targets[0]: source}
    if args.program is not None:
        project = args.project or _project_name(args.program)
        files[targets[1]] = importer.render_project(project, namespace=namespace, virtualenv=args.virtualenv)
    return files


def _project_name(folder: Path) -> str:
    name = re.sub(r"[^A-Za-z0-9_.-]", "-", folder.resolve().name).strip("-.")
    return name or "inference-endpoints"


def _print_report(plans: Sequence[importer.EndpointPlan], report: TextIO, *, stack: str | None) -> None:
    commands = importer.config_commands(plans, stack=stack)
    if commands:
        print(
            "\nThe API never reads these back. Before the first `pulumi up`, set each to the value the "
            "endpoint holds now:",
            file=report,
        )
        for line in commands:
            print(f"  {line}", file=report)
    print(
        "\nSecret environment variables are not listed by the API: an endpoint's are declared only when "
        "named with --secret-key ENDPOINT=KEY. Undeclared, they stay on the endpoint as they are, "
        "untracked; declaring `secrets` later replaces them all.",
        file=report,
    )
    omissions = [omission for plan in plans for omission in plan.omissions]
    if omissions:
        print("\nNot declared (the program cannot express these as the endpoints hold them):", file=report)
        for omission in omissions:
            print(f"  {omission}", file=report)


if __name__ == "__main__":
    sys.exit(main())
