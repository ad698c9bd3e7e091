"""`pulumi up` and `pulumi preview` of many endpoints through the real Pulumi CLI, against the emulator.

Side by side in one run, each on a fresh stack with its own local file backend:

* `pulumi up --yes` of 1, 32 and 128 endpoints that each provision for the same time, printed as
  ratios over the single endpoint (target <= 1.3), at the CLI's default `--parallel` (4 per CPU)
  and at a `--parallel` as wide as the stack; with the peak resident memory (VmHWM) of the
  dynamic provider plugin (`python -m pulumi.dynamic`) and the emulator's request counts;
* `pulumi preview` of 400 endpoints: the API requests it sent (target 0), its wall time, and the
  share of it spent in the provider plugin (the plugin's CPU time over the wall time; the plugin
  does nothing but Check and Diff during a preview, none of which waits on I/O).

The program declares `count` autonamed CPU endpoints. The CLI is `.venv/bin/pulumi` (`bash
.ci/setup`), else `pulumi` on PATH.

Run from the repository root:
    .venv/bin/python bench/cli_scale.py --provision-seconds 10 --default-parallel 32
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import TOKEN, print_command

from pulumi_huggingface_emulator import EmulatorServer

PROGRAM = """\
import pulumi

from pulumi_huggingface import InferenceEndpoint

for index in range(pulumi.Config().require_int("count")):
    InferenceEndpoint(
        f"endpoint-{index:03d}",
        repository="openai-community/gpt2",
        framework="pytorch",
        task="text-generation",
        accelerator="cpu",
        vendor="aws",
        region="us-east-1",
        instance_type="intel-icl",
        instance_size="x2",
        min_replica=0,
        max_replica=1,
        scale_to_zero_timeout=15,
    )
"""
PLUGIN_MARK = b"pulumi.dynamic"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def find_pulumi() -> Path:
    beside = Path(sys.prefix) / "bin" / "pulumi"
    found = beside if beside.exists() else shutil.which("pulumi")
    if found is None:
        sys.exit("No Pulumi CLI: run `bash .ci/setup` (it installs .venv/bin/pulumi).")
    return Path(found)


@dataclass
class PluginWatch:
    """The provider plugin processes started under one `PULUMI_HOME`, sampled while a command runs."""

    home: Path
    peak_kib: int = 0
    cpu_seconds: dict[int, float] = field(default_factory=dict)

    def sample(self) -> None:
        marker = f"PULUMI_HOME={self.home}".encode()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                if PLUGIN_MARK not in (entry / "cmdline").read_bytes():
                    continue
                if marker not in (entry / "environ").read_bytes().split(b"\0"):
                    continue
                status = (entry / "status").read_text()
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    self.peak_kib = max(self.peak_kib, int(line.split()[1]))
            # utime and stime: fields 14 and 15 of /proc/PID/stat, 12 and 13 after the command name.
            self.cpu_seconds[int(entry.name)] = (int(stat[11]) + int(stat[12])) / CLOCK_TICKS


@contextmanager
def watching(home: Path, interval: float = 0.05) -> Iterator[PluginWatch]:
    watch = PluginWatch(home)
    done = threading.Event()

    def loop() -> None:
        while not done.is_set():
            watch.sample()
            done.wait(interval)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield watch
    finally:
        done.set()
        thread.join()


class Stack:
    """A fresh stack of the benchmark program with its own backend, configured for the emulator."""

    def __init__(self, pulumi: Path, root: Path, emulator: EmulatorServer, count: int, poll: str) -> None:
        self.pulumi = pulumi
        self.program = root / "program"
        self.home = root / "home"
        backend = root / "backend"
        for folder in (self.program, self.home, backend):
            folder.mkdir(parents=True)
        (self.program / "Pulumi.yaml").write_text(
            f"name: bench-endpoints\nruntime:\n  name: python\n  options:\n    virtualenv: {sys.prefix}\n"
        )
        (self.program / "__main__.py").write_text(PROGRAM)
        self.env = {key: value for key, value in os.environ.items() if not key.startswith(("PULUMI_", "HF_"))}
        self.env.update(
            PATH=os.pathsep.join(
                [str(pulumi.parent), str(Path(sys.prefix) / "bin"), self.env.get("PATH", "")]
            ),
            PULUMI_HOME=str(self.home),
            PULUMI_BACKEND_URL=f"file://{backend}",
            PULUMI_CONFIG_PASSPHRASE="bench",
            PULUMI_SKIP_UPDATE_CHECK="true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION="true",
        )
        self.run("stack", "init", "bench")
        for key, value in {
            "huggingface:apiUrl": emulator.base_url,
            "huggingface:hubUrl": emulator.hub_url,
            "huggingface:pollInterval": poll,
            "count": str(count),
        }.items():
            self.run("config", "set", key, value)
        self.run("config", "set", "--secret", "huggingface:token", TOKEN)

    def run(self, *args: str) -> float:
        """Run `pulumi <args>`; return its wall time. Exits the script with its output if it fails."""
        started = time.monotonic()
        completed = subprocess.run(
            [str(self.pulumi), *args], cwd=self.program, env=self.env, capture_output=True, text=True
        )
        if completed.returncode != 0:
            sys.exit(f"pulumi {' '.join(args)} failed:\n{completed.stdout}{completed.stderr}")
        return time.monotonic() - started


@dataclass(frozen=True)
class UpRun:
    count: int
    parallel: str
    seconds: float
    peak_mib: float
    posts: int
    gets: int


def requests(emulator: EmulatorServer) -> dict[str, int]:
    counted: dict[str, int] = emulator.app.request_counts()["byRoute"]
    return counted


def measure_up(pulumi: Path, emulator: EmulatorServer, count: int, parallel: int | None, poll: str) -> UpRun:
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as root:
        stack = Stack(pulumi, Path(root), emulator, count, poll)
        emulator.app.reset_request_counts()
        extra = [] if parallel is None else ["--parallel", str(parallel)]
        with watching(stack.home) as watch:
            seconds = stack.run("up", "--yes", "--non-interactive", *extra)
        counted = requests(emulator)
        stack.run("destroy", "--yes", "--non-interactive", "--parallel", str(max(count, 1)))
    return UpRun(
        count,
        "default" if parallel is None else str(parallel),
        seconds,
        watch.peak_kib / 1024,
        counted.get("POST /v2/endpoint/{namespace}", 0),
        sum(n for route, n in counted.items() if route.startswith("GET /v2/")),
    )


def measure_preview(
    pulumi: Path, emulator: EmulatorServer, count: int, poll: str
) -> tuple[float, float, int]:
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as root:
        stack = Stack(pulumi, Path(root), emulator, count, poll)
        emulator.app.reset_request_counts()
        with watching(stack.home) as watch:
            seconds = stack.run("preview", "--non-interactive")
        sent = sum(requests(emulator).values())
    return seconds, sum(watch.cpu_seconds.values()), sent


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--provision-seconds", type=float, default=10.0)
    parser.add_argument("--counts", type=int, nargs="+", default=[32, 128])
    parser.add_argument("--preview-endpoints", type=int, default=400)
    parser.add_argument("--poll-interval", default="1")
    parser.add_argument(
        "--default-parallel",
        type=int,
        nargs="*",
        default=[],
        metavar="COUNT",
        help="also run these counts at the CLI's default --parallel",
    )
    args = parser.parse_args(argv)
    print_command(sys.argv[1:] if argv is None else argv)
    pulumi = find_pulumi()
    version = subprocess.run([str(pulumi), "version"], capture_output=True, text=True).stdout.strip()

    runs: list[UpRun] = []
    with EmulatorServer(token=TOKEN, provision_seconds=args.provision_seconds) as emulator:
        one = measure_up(pulumi, emulator, 1, None, args.poll_interval)
        runs.append(one)
        for count in args.counts:
            if count in args.default_parallel:
                runs.append(measure_up(pulumi, emulator, count, None, args.poll_interval))
            runs.append(measure_up(pulumi, emulator, count, count, args.poll_interval))
        preview_seconds, plugin_cpu, preview_requests = measure_preview(
            pulumi, emulator, args.preview_endpoints, args.poll_interval
        )

    print(
        f"pulumi {version}, {os.cpu_count()} CPUs (default --parallel {4 * (os.cpu_count() or 1)}); "
        f"provisioning {args.provision_seconds:g} s per endpoint, poll interval {args.poll_interval} s"
    )
    print("pulumi up --yes               --parallel    wall   ratio  plugin peak RSS  POSTs  GETs/endpoint")
    for run in runs:
        print(
            f"  {run.count:4d} endpoint{'s' if run.count > 1 else ' '}             {run.parallel:>10}"
            f"  {run.seconds:6.1f}s  {run.seconds / one.seconds:6.2f}  {run.peak_mib:11.1f} MiB"
            f"  {run.posts:5d}  {run.gets / run.count:13.1f}"
        )
    print(
        f"pulumi preview of {args.preview_endpoints} endpoints: {preview_seconds:.1f} s, "
        f"{preview_requests} API requests, provider plugin CPU {plugin_cpu:.1f} s "
        f"({100 * plugin_cpu / preview_seconds:.0f}% of the wall time)"
    )


if __name__ == "__main__":
    main()
