"""Secrets come only from the environment or mounted files, and none is committed."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from smile_common.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[2]
_PEM_PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----\s*\n[A-Za-z0-9+/=]{40,}")


def test_secrets_are_read_from_mounted_files(tmp_path: Path) -> None:
    (tmp_path / "SMILE_SERVICE_CLIENT_SECRET").write_text("from-a-mounted-file\n")
    (tmp_path / "SMILE_DATABASE_URL").write_text("postgresql+asyncpg://smile:pw@db/smile")
    settings = ServiceSettings(_secrets_dir=tmp_path)  # type: ignore[call-arg]
    assert settings.service_client_secret is not None
    assert settings.service_client_secret.get_secret_value() == "from-a-mounted-file"
    assert settings.resolved_database_url() == "postgresql+asyncpg://smile:pw@db/smile"
    assert "pw" not in repr(settings)  # secrets never print


def test_no_private_key_is_committed_except_test_only_ones() -> None:
    git = shutil.which("git")
    assert git is not None
    files = subprocess.run([git, "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, text=True).stdout
    names = files.split("\0")
    offenders = []
    for name in filter(None, names):
        path = ROOT / name
        if "TEST-ONLY" in path.name or not path.is_file() or path.stat().st_size > 2_000_000:
            continue
        try:
            text = path.read_text(errors="ignore")
        except OSError:
            continue
        if _PEM_PRIVATE_KEY.search(text):
            offenders.append(name)
    assert offenders == []
