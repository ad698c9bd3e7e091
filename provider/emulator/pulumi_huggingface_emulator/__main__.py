"""Command line: `python -m pulumi_huggingface_emulator` or `pulumi-huggingface-emulator`.

Prints the API base URL (e.g. `http://127.0.0.1:41123/v2`) as the first line of stdout, flushed,
once the server accepts connections, then serves until interrupted or terminated.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence
from types import FrameType

from .app import DEFAULT_ORGS, DEFAULT_USER, EmulatorApp
from .catalog import Catalogue, CatalogueError
from .namespaces import Namespace
from .server import make_emulator_server, url_host
from .settings import CHOICES, Settings, parse_provision_seconds


def _parser() -> argparse.ArgumentParser:
    defaults = Settings()
    parser = argparse.ArgumentParser(
        prog="pulumi-huggingface-emulator",
        description="Emulate the Hugging Face Inference Endpoints API (and whoami) on a local port.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    parser.add_argument("--port", type=int, default=0, help="port; 0 picks a free one (default: %(default)s)")
    parser.add_argument(
        "--db", default=None, help="sqlite file keeping endpoints across restarts (default: memory)"
    )
    parser.add_argument(
        "--token", default=None, help="the only bearer token accepted (default: any non-empty token)"
    )
    parser.add_argument(
        "--user", default=DEFAULT_USER, help="user name answered by whoami (default: %(default)s)"
    )
    parser.add_argument(
        "--org",
        action="append",
        dest="orgs",
        default=None,
        help=f"organisation of the user, repeatable (default: {', '.join(DEFAULT_ORGS)})",
    )
    parser.add_argument(
        "--namespace",
        action="append",
        dest="namespaces",
        default=[],
        metavar="NAME[:KEY=VALUE...]",
        help="set up a namespace, repeatable: payment=yes|no, users=a,b, tokens=t1,t2, "
        "max-accelerators=N, quota.<instance type>=N (e.g. acme:payment=no)",
    )
    parser.add_argument(
        "--catalog",
        default=None,
        metavar="FILE",
        help="serve and enforce this hardware catalogue: the JSON GET /v2/provider/<namespace> "
        "returned for your account (default: the built-in one)",
    )
    parser.add_argument(
        "--provision-seconds",
        type=parse_provision_seconds,
        default=defaults.provision_seconds,
        help="duration of a create/update/resume: S, or a seeded draw from LOW..HIGH (default: %(default)s)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the random draws (default: %(default)s)")
    parser.add_argument(
        "--minute-seconds",
        type=float,
        default=defaults.minute_seconds,
        help="real seconds per emulated idle minute, for scaleToZeroTimeout (default: %(default)s)",
    )
    parser.add_argument(
        "--create-status", type=int, choices=CHOICES["create_status"], default=defaults.create_status
    )
    parser.add_argument(
        "--name-release-seconds",
        type=float,
        default=defaults.name_release_seconds,
        help="after a delete, the name answers 409 on create for this long (default: %(default)s)",
    )
    parser.add_argument(
        "--update-lag-seconds",
        type=float,
        default=defaults.update_lag_seconds,
        help="after a PUT, the endpoint shows its previous state for this long (default: %(default)s)",
    )
    parser.add_argument("--paused-update", choices=CHOICES["paused_update"], default=defaults.paused_update)
    parser.add_argument(
        "--pause-while-deploying",
        choices=CHOICES["pause_while_deploying"],
        default=defaults.pause_while_deploying,
    )
    parser.add_argument("--type-update", choices=CHOICES["type_update"], default=defaults.type_update)
    parser.add_argument(
        "--accelerator-switch", choices=CHOICES["accelerator_switch"], default=defaults.accelerator_switch
    )
    parser.add_argument(
        "--revision-readback", choices=CHOICES["revision_readback"], default=defaults.revision_readback
    )
    parser.add_argument("--failed-update", choices=CHOICES["failed_update"], default=defaults.failed_update)
    parser.add_argument("--stale-timeout", choices=CHOICES["stale_timeout"], default=defaults.stale_timeout)
    parser.add_argument("--route-update", choices=CHOICES["route_update"], default=defaults.route_update)
    parser.add_argument(
        "--while-updating", choices=CHOICES["while_updating"], default=defaults.while_updating
    )
    parser.add_argument(
        "--cache-http-responses",
        choices=CHOICES["cache_http_responses"],
        default=defaults.cache_http_responses,
    )
    parser.add_argument(
        "--unknown-namespaces", choices=CHOICES["unknown_namespaces"], default=defaults.unknown_namespaces
    )
    parser.add_argument(
        "--list-page-size",
        type=int,
        default=defaults.list_page_size,
        help="page size of the list route when no limit is given (default: every endpoint)",
    )
    parser.add_argument("--log-requests", action="store_true", help="log each request to stderr")
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    """Parse arguments, start the server, print its base URL, serve until stopped."""
    args = _parser().parse_args(argv)
    try:
        settings = Settings(
            provision_seconds=args.provision_seconds,
            minute_seconds=args.minute_seconds,
            create_status=args.create_status,
            name_release_seconds=args.name_release_seconds,
            update_lag_seconds=args.update_lag_seconds,
            paused_update=args.paused_update,
            pause_while_deploying=args.pause_while_deploying,
            type_update=args.type_update,
            accelerator_switch=args.accelerator_switch,
            revision_readback=args.revision_readback,
            failed_update=args.failed_update,
            stale_timeout=args.stale_timeout,
            list_page_size=args.list_page_size,
            route_update=args.route_update,
            while_updating=args.while_updating,
            cache_http_responses=args.cache_http_responses,
            unknown_namespaces=args.unknown_namespaces,
        )
        namespaces = [Namespace.parse(spec) for spec in args.namespaces]
        catalogue = Catalogue.load(args.catalog) if args.catalog else None
    except (ValueError, CatalogueError, OSError) as error:
        sys.exit(f"pulumi-huggingface-emulator: {error}")
    app = EmulatorApp(
        db_path=args.db,
        token=args.token,
        user=args.user,
        orgs=args.orgs if args.orgs is not None else DEFAULT_ORGS,
        seed=args.seed,
        catalogue=catalogue,
        namespaces=namespaces,
        settings=settings,
    )
    server = make_emulator_server(args.host, args.port, app, log_requests=args.log_requests)

    def _terminate(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminate)
    # The socket listens once the server is built: a parent may connect as soon as it reads this line.
    print(f"http://{url_host(server)}:{server.server_address[1]}/v2", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        app.close()


if __name__ == "__main__":
    main()
