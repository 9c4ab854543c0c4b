"""Benchmark: the web server under load, with wrk, on the demo council (5,000 residents by default).

The demo council is generated and built into ``bench/out/web-<residents>`` (reused when already built), a bench
user (analyst) and an API token are made, and the app is served as in production by ``observatory serve
--workers N`` (uvicorn running the ``observatory.web.server:create`` factory, no reload, log level warning) on
loopback. wrk then drives it with 64 connections for 30 s each (``-c 64 -d 30s -t 2 --latency``, bearer token
header) against:

- **catalogue search**, ``/api/catalogue?q=...``, cycling through realistic queries (a wrk Lua script);
- **the cached JSON endpoint** ``/api/home``;
- **a static file**, ``/assets/static/favicon.svg``: the server's ceiling (no Observatory code runs);

each served by 2 workers (what a 2-core machine should run) and by 1 worker (the simple alternative), in the
same run. Search and the static file are also measured with 1 connection (the time one request takes when
nothing queues), and on 2 workers search with 8 connections and /api/home with 1. Requests/s, p50/p90/p95/p99
latency (p95 from wrk's own histogram, printed by the Lua ``done`` hook) and errors (socket errors and
non-2xx/3xx answers) are reported as markdown.

    .venv/bin/python bench/web.py [--residents 5000] [--duration 30] [--connections 64] [--rebuild]

Needs ``wrk`` (``apt-get install -y wrk``). Targets: search p95 < 50 ms; /api/home >= 300 requests/s; no errors.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # tests.web.browser.live

from tests.web.browser.live import LiveServer, live_server  # noqa: E402

from observatory import Observatory  # noqa: E402
from observatory.access.accounts import Actor, add_user, get_account  # noqa: E402
from observatory.access.sessions import create_token  # noqa: E402
from observatory.build import build  # noqa: E402
from observatory.demo.generator import generate  # noqa: E402
from observatory.errors import NotFoundError  # noqa: E402

BENCH_USER = "bench-web"
BENCH_ROLE = "analyst"
BENCH_ACTOR = Actor("bench", "cli")

SEARCHES = (
    "resident", "council tax", "postcode", "date of birth", "housing", "tenancy", "school", "pupil",
    "adult social care", "children", "care package", "referral", "nhs number", "address", "uprn", "household",
    "band", "benefit", "gazetteer", "property", "clients", "ethnicity", "rent", "census", "start date",
    "assessment", "email", "phone", "surname", "postc", "resid", "tenan",
)  # fmt: skip
"""Words people type into a council catalogue's search box, a few of them half-typed."""

QUIETER = 8
"""Connections of an extra search run on 2 workers: a handful of people at once."""
NAGLE_MS = 30.0
"""A one-connection median this slow on a static file, when one worker answers in a few ms, is the delayed-ACK
stall of a socket without TCP_NODELAY (reported with the results)."""
BUSY = 1.0
"""A load average above this before the runs means something else is using the machine (it is recorded)."""

HOME = "/api/home"
STATIC = "/assets/static/favicon.svg"
SEARCH, HOME_NAME, STATIC_NAME = "catalogue search", "/api/home (cached)", "static file"

LUA = """
local paths = {PATHS}
local counter = 0
wrk.headers["Authorization"] = "Bearer {TOKEN}"
wrk.headers["Accept"] = "application/json"

request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end

done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %f, "p50": %d, "p90": %d, "p95": %d, "p99": %d, "max": %d, ' ..
    '"connect": %d, "read": %d, "write": %d, "timeout": %d, "status": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(90),
    latency:percentile(95), latency:percentile(99), latency.max,
    errors.connect, errors.read, errors.write, errors.timeout, errors.status))
end
"""


@dataclass(frozen=True)
class Load:
    """One wrk run's outcome (latencies in milliseconds)."""

    name: str
    workers: int
    connections: int
    requests: int
    seconds: float
    p50: float
    p90: float
    p95: float
    p99: float
    max: float
    socket_errors: int
    bad_status: int

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    @property
    def errors(self) -> int:
        return self.socket_errors + self.bad_status


def council(root: Path, residents: int, rebuild: bool) -> Path:
    """The demo council, generated and built (reused when a build is already there)."""
    built = root / ".observatory" / "warehouse.duckdb"
    if rebuild and root.exists():
        shutil.rmtree(root)
    if built.exists():
        print(f"reusing the council built in {root}", file=sys.stderr)
        return root
    started = time.perf_counter()
    generate(root, residents=residents, seed=42)
    with Observatory.open(root) as obs:
        report = build(obs)
        if not report.ok:
            raise SystemExit(f"the demo council did not build: {report}")
    print(f"built {residents:,} residents in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return root


def bench_token(root: Path) -> str:
    """A new API token for the bench user (made with a random password the first time)."""
    with Observatory.open(root) as obs:
        try:
            get_account(obs.meta, BENCH_USER)
        except NotFoundError:
            add_user(obs.meta, BENCH_USER, BENCH_ROLE, secrets.token_urlsafe(18), by=BENCH_ACTOR)
        return create_token(obs.meta, BENCH_USER, f"bench {datetime.now(UTC):%Y-%m-%d %H:%M}", by=BENCH_ACTOR)


def search_paths() -> list[str]:
    return [f"/api/catalogue?{urllib.parse.urlencode({'q': words})}" for words in SEARCHES]


def check(server: LiveServer, token: str, paths: list[str]) -> None:
    """Every path answers 200 before the load starts (and warms each worker's caches)."""
    for path in paths * 4:
        request = urllib.request.Request(server.url + path, headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            if response.status != 200:
                raise SystemExit(f"{path} answered {response.status}")


def wrk(server: LiveServer, token: str, name: str, paths: list[str], args: argparse.Namespace, workers: int,
        connections: int) -> Load:  # fmt: skip
    lua = LUA.replace("{PATHS}", "{" + ", ".join(json.dumps(p) for p in paths) + "}").replace("{TOKEN}", token)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua)
    try:
        threads = min(args.threads, connections)
        command = ["wrk", "-c", str(connections), "-d", f"{args.duration}s", "-t", str(threads), "--latency",
                   "--timeout", "10s", "-s", script.name, server.url + paths[0]]  # fmt: skip
        finished = subprocess.run(command, capture_output=True, text=True, check=True)
    finally:
        Path(script.name).unlink()
    result = json.loads(finished.stdout.strip().splitlines()[-1])
    load = Load(
        name=name,
        workers=workers,
        connections=connections,
        requests=result["requests"],
        seconds=result["seconds"],
        p50=result["p50"] / 1000,
        p90=result["p90"] / 1000,
        p95=result["p95"] / 1000,
        p99=result["p99"] / 1000,
        max=result["max"] / 1000,
        socket_errors=result["connect"] + result["read"] + result["write"] + result["timeout"],
        bad_status=result["status"],
    )
    print(f"{name}, {workers} worker(s), {connections} connection(s): {load.per_second:,.0f}/s, "
          f"p95 {load.p95:.1f} ms, errors {load.errors}", file=sys.stderr)  # fmt: skip
    return load


def plan(workers: int, connections: int) -> list[tuple[str, str, int]]:
    """(endpoint, paths, connections) of each wrk run against a server of ``workers`` workers."""
    runs = [(SEARCH, "search", connections), (HOME_NAME, "home", connections), (STATIC_NAME, "static", connections)]
    runs += [(STATIC_NAME, "static", 1), (SEARCH, "search", 1)]
    if workers == 2:
        runs += [(SEARCH, "search", QUIETER), (HOME_NAME, "home", 1)]
    return runs


def serve_and_load(root: Path, token: str, workers: int, args: argparse.Namespace) -> list[Load]:
    paths = {"search": search_paths(), "home": [HOME], "static": [STATIC]}
    log = args.out / f"server-{workers}.log"
    log.unlink(missing_ok=True)
    with live_server(root, log, workers=workers, launcher="observatory") as server:
        check(server, token, [path for group in paths.values() for path in group])
        return [
            wrk(server, token, name, paths[group], args, workers, connections)
            for name, group, connections in plan(workers, args.connections)
        ]


def table(loads: list[Load]) -> list[str]:
    lines = [
        "| endpoint | workers | connections | requests/s | p50 (ms) | p90 (ms) | p95 (ms) | p99 (ms) | errors |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for load in loads:
        lines.append(
            f"| {load.name} | {load.workers} | {load.connections} | {load.per_second:,.0f} | {load.p50:.1f} | "
            f"{load.p90:.1f} | {load.p95:.1f} | {load.p99:.1f} | {load.errors} |"
        )
    return lines


def report(loads: list[Load], args: argparse.Namespace) -> str:
    def find(name: str, workers: int, connections: int = args.connections) -> Load:
        return next(x for x in loads if x.name == name and x.workers == workers and x.connections == connections)

    search, search1 = find(SEARCH, 2), find(SEARCH, 1)
    home, home1 = find(HOME_NAME, 2), find(HOME_NAME, 1)
    static = find(STATIC_NAME, 2)
    alone, alone1, few = find(SEARCH, 2, 1), find(SEARCH, 1, 1), find(SEARCH, 2, QUIETER)
    home_alone = find(HOME_NAME, 2, 1)
    static_alone, static_alone1 = find(STATIC_NAME, 2, 1), find(STATIC_NAME, 1, 1)
    errors = sum(load.errors for load in loads)
    lines = [
        f"## {datetime.now(UTC):%Y-%m-%d %H:%M} UTC — web server under load ({args.residents:,} residents)",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, uvicorn "
        f"{importlib.metadata.version('uvicorn')}; served by `observatory serve --workers N` on loopback; wrk on the "
        f"same machine, {args.threads} threads, {args.duration} s a run, bearer token. Search cycles through "
        f"{len(SEARCHES)} queries. Load average (1 min) before the first run {args.load_before:.2f}, after the "
        f"last {os.getloadavg()[0]:.2f} (which counts wrk and the server themselves).",
        "",
        *table(loads),
        "",
        f"2 workers ÷ 1 worker at {args.connections} connections: search **{search.per_second / search1.per_second:.2f}×**,"
        f" /api/home **{home.per_second / home1.per_second:.2f}×** the requests/s. Against the static file (the "
        f"server's ceiling, {static.per_second:,.0f}/s): search {search.per_second / static.per_second:.0%}, "
        f"/api/home {home.per_second / static.per_second:.0%}. With one connection (nothing queues) a search takes "
        f"{alone1.p50:.1f} ms at the median on 1 worker and {alone.p50:.1f} ms on 2; /api/home {home_alone.p50:.1f} "
        "ms on 2.",
    ]
    if static_alone.p50 >= NAGLE_MS and static_alone1.p50 < NAGLE_MS / 4:
        lines += [
            "",
            f"One connection to a static file: {static_alone.p50:.1f} ms with 2 workers, {static_alone1.p50:.1f} ms "
            "with 1. Each keep-alive request to the workers waits for the client's delayed ACK (about 40 ms on "
            "Linux): their sockets lack TCP_NODELAY, because uvicorn's multi-worker supervisor binds the listening "
            "socket without `IPPROTO_TCP` and asyncio then leaves Nagle's algorithm on (uvicorn issue #3149).",
        ]
    lines += [
        "",
        f"Targets: search p95 < 50 ms: **{search.p95:.1f} ms** at {args.connections} connections "
        f"({'met' if search.p95 < 50 else 'missed'}), {few.p95:.1f} ms with {few.connections} "
        f"({'met' if few.p95 < 50 else 'missed'}), {alone.p95:.1f} ms with one "
        f"({'met' if alone.p95 < 50 else 'missed'}); /api/home ≥ 300/s: **{home.per_second:,.0f}/s** "
        f"({'met' if home.per_second >= 300 else 'missed'}); errors: **{errors}** "
        f"({'met' if errors == 0 else 'missed'}).",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=5000)
    parser.add_argument("--duration", type=int, default=30, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, default=HERE / "out")
    parser.add_argument("--rebuild", action="store_true", help="generate and build the council again")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    args.out.mkdir(parents=True, exist_ok=True)
    args.load_before = os.getloadavg()[0]
    if args.load_before > BUSY:
        print(f"warning: the load average is {args.load_before:.1f}: other work will skew the results", file=sys.stderr)
    root = council(args.out / f"web-{args.residents}", args.residents, args.rebuild)
    token = bench_token(root)
    loads = serve_and_load(root, token, 2, args) + serve_and_load(root, token, 1, args)
    print(report(loads, args))


if __name__ == "__main__":
    main()
