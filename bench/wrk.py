"""Run wrk against one URL and read requests/s and latency percentiles from its report."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
_LATENCY = re.compile(r"^\s*(50|75|90|99)%\s+([\d.]+)(us|ms|s|m)\s*$", re.M)
_RPS = re.compile(r"^Requests/sec:\s+([\d.]+)", re.M)
_TOTAL = re.compile(r"^\s*(\d+) requests in ([\d.]+)(us|ms|s|m)", re.M)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_SOCKET_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


@dataclass(frozen=True)
class WrkResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    socket_errors: int
    raw: str


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def run_wrk(
    url: str,
    *,
    duration: int,
    connections: int = 8,
    threads: int = 1,
    cookie: str | None = None,
    timeout: int = 30,
) -> WrkResult:
    """One wrk run; raises RuntimeError when wrk fails or reports no requests."""
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        f"--timeout={timeout}s",
        "--latency",
    ]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    command.append(url)
    done = subprocess.run(command, capture_output=True, text=True, timeout=duration + timeout + 60, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    return parse_wrk(done.stdout)


def parse_wrk(report: str) -> WrkResult:
    latencies = {int(p): float(v) * _UNITS_MS[unit] for p, v, unit in _LATENCY.findall(report)}
    rps = _RPS.search(report)
    total = _TOTAL.search(report)
    if not rps or not total or 50 not in latencies or 99 not in latencies:
        raise RuntimeError(f"Could not read wrk's report:\n{report}")
    non_2xx = _NON_2XX.search(report)
    socket_errors = _SOCKET_ERRORS.search(report)
    return WrkResult(
        requests_per_second=float(rps.group(1)),
        p50_ms=latencies[50],
        p99_ms=latencies[99],
        requests=int(total.group(1)),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(n) for n in socket_errors.groups()) if socket_errors else 0,
        raw=report,
    )
