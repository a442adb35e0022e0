"""The container image: the Dockerfile lints, copies only what exists, and installs a working suite.

No Docker engine runs in CI, so the image is not built there. Instead the build stage is replayed: the
files the Dockerfile copies (minus .dockerignore) go to an empty folder, its install script runs there,
and the installed commands are run.
"""

from __future__ import annotations

import fnmatch
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from deploykit import DEPLOY, ROOT, run_slow_checks

from smile_suite.deployment import ServiceContract

BIN = Path(sys.executable).parent
DOCKERFILE = ROOT / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """(instruction, arguments) of the Dockerfile, continuation lines joined."""
    joined = DOCKERFILE.read_text().replace("\\\n", " ")
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def ignore_patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def ignored(relative: str, patterns: list[str]) -> bool:
    parts = relative.split("/")
    for pattern in patterns:
        bare = pattern.removeprefix("**/")
        for i in range(len(parts)):
            prefix = "/".join(parts[: i + 1])
            if fnmatch.fnmatch(prefix, pattern) or (pattern.startswith("**/") and fnmatch.fnmatch(parts[i], bare)):
                return True
    return False


def copy_sources() -> list[tuple[str, str]]:
    """(source, destination) of every COPY from the build context."""
    pairs = []
    for word, args in instructions():
        if word == "COPY" and "--from=" not in args:
            source, destination = args.split()[-2:]
            pairs.append((source, destination))
    return pairs


def test_the_dockerfile_passes_hadolint() -> None:
    result = subprocess.run([str(BIN / "hadolint"), str(DOCKERFILE)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_runs_as_a_non_root_user_with_a_health_check() -> None:
    found = instructions()
    final_stage = found[max(i for i, (word, _) in enumerate(found) if word == "FROM") :]
    users = [args for word, args in final_stage if word == "USER"]
    assert users == ["10001:10001"]
    assert any(word == "HEALTHCHECK" and '"smile-healthcheck"' in args for word, args in final_stage)
    assert any(word == "COPY" and args.startswith("--from=build /opt/smile") for word, args in final_stage)


def test_every_copied_path_exists_and_is_not_ignored() -> None:
    patterns = ignore_patterns()
    for source, _ in copy_sources():
        assert (ROOT / source).exists(), f"COPY {source}: no such path in the repository"
        assert not ignored(source, patterns), f"COPY {source}: excluded by .dockerignore"
    assert ignored("services/catalogue/tests/unit/test_x.py", patterns)
    assert not ignored("services/catalogue/src/smile_catalogue/migrations/versions/a.py", patterns)


def test_the_image_holds_every_service(service_contracts: list[ServiceContract]) -> None:
    copied = {source for source, _ in copy_sources()}
    for contract in service_contracts:
        package = next((ROOT / "services").glob(f"*/src/smile_{contract.name}"))
        assert package.relative_to(ROOT).parts[0] in copied, f"{contract.slug} is not in the image"
    assert {"libs", "suite", "constraints.txt"} <= copied


def test_the_image_installs_every_package_of_the_repository() -> None:
    """The packages `make install` installs (Makefile's PACKAGES) are all copied and installed by the image."""
    makefile = (ROOT / "Makefile").read_text().replace("\\\n", " ")
    packages = re.search(r"^PACKAGES := (.+)$", makefile, re.MULTILINE)
    assert packages is not None
    copied = {source for source, _ in copy_sources()}
    script = (DEPLOY / "docker" / "install.sh").read_text()
    for package in packages.group(1).split():
        assert any(package == c or package.startswith(c + "/") for c in copied), f"{package} is not copied"
        top = package.split("/")[0]
        assert package == "suite" or f'"$root"/{top}/*/' in script, f"install.sh does not install {package}"
    assert '"$root/suite"' in script


def build_context(target: Path) -> Path:
    """The files the Dockerfile's build stage sees, laid out as in the image's /src."""
    patterns = ignore_patterns()
    for source, destination in copy_sources():
        if destination.startswith("/opt/smile"):
            continue
        origin = ROOT / source
        dest = target / (destination if destination not in {"./", "."} else source)
        if origin.is_file():
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, dest)
            continue
        for path in origin.rglob("*"):
            relative = path.relative_to(ROOT).as_posix()
            if path.is_file() and not ignored(relative, patterns):
                out = target / source / path.relative_to(origin)
                out.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, out)
    return target


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The build stage replayed: install.sh run on a copy of exactly what the Dockerfile copies."""
    run_slow_checks("installing the whole suite in a new environment (2 min)")
    context = build_context(tmp_path_factory.mktemp("context"))
    assert not list(context.rglob("tests")), "tests are not shipped in the image"
    venv = tmp_path_factory.mktemp("image") / "opt-smile"
    result = subprocess.run(
        ["/bin/sh", str(context / "deploy/docker/install.sh"), str(venv)],
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return venv


def test_the_installed_suite_migrates_and_serves_every_service(
    installed: Path, tmp_path: Path, service_contracts: list[ServiceContract]
) -> None:
    env = {"PATH": f"{installed / 'bin'}:/usr/bin:/bin", "SMILE_DATA_DIR": str(tmp_path), "SMILE_LOG_JSON": "false"}
    for contract in service_contracts:
        command = installed / "bin" / contract.command
        assert command.exists(), f"{contract.command} is not installed"
        # migrations travel inside the package (not the repository): migrate a fresh SQLite schema
        migrated = subprocess.run(
            [str(command), "migrate", "--check"], env=env, capture_output=True, text=True, check=False, timeout=120
        )
        assert migrated.returncode == 0, migrated.stderr[-2000:]
        assert "models and migrations agree" in migrated.stdout
    contract_out = subprocess.run(
        [str(installed / "bin" / "smile"), "deployment-contract"], env=env, capture_output=True, text=True, check=True
    )
    assert '"api_port": 8000' in contract_out.stdout


class _Health(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        self.send_response(self.status if self.path == "/readyz" else 200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def health_server() -> Iterator[http.server.HTTPServer]:
    server = http.server.HTTPServer(("127.0.0.1", 0), _Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


def fake_proc(root: Path, *argvs: list[str]) -> Path:
    for pid, argv in enumerate(argvs, start=1):
        (root / str(pid)).mkdir(parents=True)
        (root / str(pid) / "cmdline").write_bytes(b"\0".join(a.encode() for a in argv) + b"\0")
    (root / "self").mkdir()
    return root


def _healthcheck(proc: Path, *args: str) -> subprocess.CompletedProcess[str]:
    script = DEPLOY / "docker" / "healthcheck.py"
    code = (
        "import sys, runpy, pathlib; mod = runpy.run_path(sys.argv[1]); "
        "g = mod['main'].__globals__; orig = g['find_target']; "
        "g['find_target'] = lambda: orig(pathlib.Path(sys.argv[2])); sys.exit(mod['main'](sys.argv[3:]))"
    )
    return subprocess.run(
        [sys.executable, "-c", code, str(script), str(proc), *args], capture_output=True, text=True, check=False
    )


def test_the_health_check_asks_the_port_the_process_listens_on(
    tmp_path: Path, health_server: http.server.HTTPServer
) -> None:
    port = str(health_server.server_address[1])
    api = fake_proc(
        tmp_path / "api",
        ["/sbin/init"],
        ["/opt/smile/bin/python", "/opt/smile/bin/smile-catalogue", "api", "--host", "0.0.0.0", "--port", port],  # noqa: S104
    )
    assert _healthcheck(api).returncode == 0
    assert _healthcheck(api, "--ready").returncode == 0
    _Health.status = 503
    try:
        failed = _healthcheck(api, "--ready")
        assert failed.returncode == 1
        assert "503" in failed.stdout
    finally:
        _Health.status = 200
    worker = fake_proc(tmp_path / "worker", ["smile-records", "worker", "--health-port", port])
    assert _healthcheck(worker, "--ready").returncode == 0
    elsewhere = fake_proc(tmp_path / "gone", ["smile-records", "worker", "--health-port", "1"])
    assert _healthcheck(elsewhere).returncode == 1  # nothing answers: unhealthy
    one_shot = fake_proc(tmp_path / "migrate", ["smile-records", "migrate"])
    assert _healthcheck(one_shot).returncode == 0


def test_the_scripts_pass_shellcheck() -> None:
    scripts = sorted(DEPLOY.rglob("*.sh"))
    assert len(scripts) >= 4
    result = subprocess.run([str(BIN / "shellcheck"), *map(str, scripts)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout


def test_scripts_are_executable() -> None:
    for script in [*DEPLOY.rglob("*.sh"), DEPLOY / "docker" / "healthcheck.py"]:
        assert os.access(script, os.X_OK), f"chmod +x {script.relative_to(ROOT)}"
