#!/usr/bin/env python3
"""Container health check of a SMILE process (Docker HEALTHCHECK, compose health checks).

It finds the SMILE process running in the container and asks its health endpoint: ``/healthz`` (the
process answers) or, with ``--ready``, ``/readyz`` (its database, and its broker for a worker, answer). The
port comes from the process's own command line (``api --port N`` or ``worker --health-port N``), so it
cannot disagree with it. A one-shot process (``migrate``, ``seed``) has nothing to probe: healthy.
Standard library only: it runs in a few milliseconds.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

DEFAULT_PORTS = {"api": ("--port", "8000", "--host"), "worker": ("--health-port", "0", "--health-host")}


def _option(argv: list[str], name: str, default: str) -> str:
    for i, arg in enumerate(argv):
        if arg == name and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return default


def find_target(proc: Path = Path("/proc")) -> tuple[str, int] | None:
    """(host, port) of the health endpoint of the SMILE api or worker running here, if any."""
    pids = sorted((p for p in proc.iterdir() if p.name.isdigit()), key=lambda p: int(p.name))
    for pid in pids:
        try:
            argv = [a.decode() for a in (pid / "cmdline").read_bytes().split(b"\0") if a]
        except OSError:
            continue
        for i, arg in enumerate(argv):
            if os.path.basename(arg).startswith("smile-") and i + 1 < len(argv) and argv[i + 1] in DEFAULT_PORTS:
                port_option, default, host_option = DEFAULT_PORTS[argv[i + 1]]
                port = int(_option(argv, port_option, default))
                host = _option(argv, host_option, "127.0.0.1")
                if port == 0:
                    return None
                return ("127.0.0.1" if host in {"0.0.0.0", "::", ""} else host, port)  # noqa: S104
    return None


def main(argv: list[str]) -> int:
    path = "/readyz" if "--ready" in argv else "/healthz"
    target = find_target()
    if target is None:
        print("no SMILE api or worker with a health port here: nothing to check")
        return 0
    host, port = target
    url = f"http://{host}:{port}{path}"
    try:
        with urllib.request.urlopen(url, timeout=4) as response:
            print(f"{url}: {response.status}")
            return 0 if response.status == 200 else 1
    except urllib.error.HTTPError as exc:
        print(f"{url}: {exc.code} {exc.read(500).decode(errors='replace')}")
    except OSError as exc:
        print(f"{url}: {exc}")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
