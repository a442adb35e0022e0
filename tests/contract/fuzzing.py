"""Fuzz every operation of a running SMILE service with Schemathesis, as each role.

A service is started the way operators start it (``smile-<service> migrate``, ``seed``, ``api``) on a
loopback port with its own data directory. Schemathesis reads the live OpenAPI document and, for every
operation, generates valid and invalid requests; each is sent with the token of a role drawn at random
(or none). Every response must be no 5xx, carry a status the document declares for that operation, the
declared content type, headers and body schema.

``make fuzz`` runs it long (``SMILE_FUZZ_EXAMPLES``, default 200 per operation and mode); ``make test``
runs a bounded version (a few examples per operation).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hypothesis
import hypothesis.errors
import hypothesis.strategies as st
import requests
import schemathesis
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from smile_common.security import DevIssuer

ROLES: list[str | None] = [
    None,
    "student",
    "coordinator",
    "referent",
    "registrar",
    "catalogue_editor",
    "analyst",
    "admin",
    "service",
]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
HEI = "unicaen.fr"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class RunningService:
    name: str
    data_dir: Path
    base_url: str = ""
    log: Path = field(init=False)
    _process: subprocess.Popen[bytes] | None = None

    def __post_init__(self) -> None:
        self.log = self.data_dir / f"{self.name}.log"

    @property
    def command(self) -> str:
        return str(Path(sys.executable).with_name(f"smile-{self.name.replace('_', '-')}"))

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "SMILE_PROFILE": "dev",
            "SMILE_DATA_DIR": str(self.data_dir),
            "SMILE_DATABASE_URL": "",
            "SMILE_AMQP_URL": "",
            "SMILE_LOG_JSON": "true",
            "SMILE_LOG_LEVEL": "WARNING",
            # the instance's own address, as in a deployment (the gateway's dev registry is served there)
            "SMILE_PUBLIC_BASE_URL": self.base_url,
            # the gateway runs on its own here, not under /ewp: its manifests and dev registry are at the root
            "SMILE_EWP_BASE_URL": self.base_url,
        }

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        port = _free_port()
        self.base_url = f"http://127.0.0.1:{port}"
        with self.log.open("ab") as out:
            for step in ("migrate", "seed"):
                subprocess.run([self.command, step], env=self.env(), stdout=out, stderr=out, check=True, timeout=300)
        out_handle = self.log.open("ab")
        self._process = subprocess.Popen(
            [self.command, "api", "--port", str(port)], env=self.env(), stdout=out_handle, stderr=out_handle
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"{self.name} api exited; see {self.log}")
            try:
                if requests.get(f"{self.base_url}/healthz", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} api did not start; see {self.log}")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self._process.kill()

    def server_errors_in_log(self) -> list[str]:
        if not self.log.exists():
            return []
        return [line for line in self.log.read_text(errors="replace").splitlines() if '"level": "error"' in line]


@contextmanager
def running(name: str, root: Path) -> Iterator[RunningService]:
    service = RunningService(name, root / f"{name}-{uuid.uuid4().hex[:6]}")
    try:
        service.start()
        yield service
    finally:
        service.stop()


def _headers(issuer: DevIssuer, role: str | None) -> dict[str, str]:
    if role is None:
        return {}
    hei = "*" if role == "service" else HEI
    token = issuer.mint(
        subject=f"fuzz-{role}", roles=[role], hei=hei, ounits=["SCI", "DROIT"], email="fuzz@example.org"
    )
    headers = {"Authorization": f"Bearer {token}"}
    if role == "service":
        headers["X-Smile-Tenant"] = HEI
    return headers


def fuzz(service: RunningService, *, max_examples: int, seed: int = 20261129) -> list[str]:
    """Fuzz every operation; return one line per operation and mode that failed (empty when clean)."""
    issuer = DevIssuer(service.data_dir)
    schema = schemathesis.openapi.from_url(f"{service.base_url}/openapi.json")
    failures: list[str] = []
    session = requests.Session()
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            error = _fuzz_operation(operation, mode, service, issuer, session, max_examples, seed)
            if error:
                failures.append(f"{operation.label} [{mode.value}]: {error}")
    return failures


def _fuzz_operation(
    operation: Any,
    mode: GenerationMode,
    service: RunningService,
    issuer: DevIssuer,
    session: requests.Session,
    max_examples: int,
    seed: int,
) -> str | None:
    try:
        strategy = operation.as_strategy(generation_mode=mode)
    except Exception as exc:  # an operation without any input cannot be made invalid
        return None if mode is GenerationMode.NEGATIVE else f"cannot generate requests: {exc}"

    @hypothesis.seed(seed)
    @hypothesis.settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(hypothesis.HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        print_blob=False,
    )
    @hypothesis.given(case=strategy, role=st.sampled_from(ROLES))
    def run(case: Any, role: str | None) -> None:
        response = case.call(base_url=service.base_url, session=session, headers=_headers(issuer, role), timeout=30)
        if _rejected_by_http_server(response):
            return  # the request was not even valid HTTP: uvicorn refused it before SMILE saw it
        case.validate_response(response, checks=CHECKS)

    try:
        run()
    except (KeyboardInterrupt, SystemExit):
        raise
    except hypothesis.errors.Unsatisfiable:
        return None  # no invalid request exists for an operation without inputs
    except BaseException as exc:  # Schemathesis reports failures as an exception group
        text = str(exc).strip().splitlines()
        return " | ".join(line for line in text[:12] if line.strip())[:1500]
    return None


def _rejected_by_http_server(response: Any) -> bool:
    content_type = response.headers.get("content-type", "")
    if isinstance(content_type, list):
        content_type = content_type[0] if content_type else ""
    return bool(
        response.status_code == 400
        and str(content_type).startswith("text/plain")
        and response.text.startswith("Invalid HTTP request")
    )


def cleanup(root: Path) -> None:
    shutil.rmtree(root, ignore_errors=True)
