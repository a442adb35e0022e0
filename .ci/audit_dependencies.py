"""Dependency vulnerability audit of the pinned versions (constraints.txt) with pip-audit.

Exit codes: 0 nothing known is vulnerable (or the advisory source could not be reached, which is said
loudly; set SMILE_AUDIT_REQUIRED=1 to fail then), 1 a pinned version has a known vulnerability that is
not accepted in .ci/audit-ignore.txt, 2 the audit could not run at all and SMILE_AUDIT_REQUIRED=1.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IGNORE_FILE = ROOT / ".ci" / "audit-ignore.txt"
SOURCES = ("pypi", "osv")


def accepted_vulnerabilities() -> dict[str, str]:
    """``ID  reason`` lines of the ignore file: vulnerabilities judged not to affect SMILE, and why."""
    accepted: dict[str, str] = {}
    if IGNORE_FILE.exists():
        for line in IGNORE_FILE.read_text().splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                vuln_id, _, reason = line.partition(" ")
                accepted[vuln_id] = reason.strip()
    return accepted


def run_pip_audit(source: str, accepted: dict[str, str]) -> dict[str, object] | None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "audit.json"
        command = [
            sys.executable, "-m", "pip_audit", "--requirement", str(ROOT / "constraints.txt"),
            "--no-deps", "--disable-pip", "--progress-spinner", "off", "--vulnerability-service", source,
            "--format", "json", "--output", str(out),
        ]  # fmt: skip
        for vuln_id in accepted:
            command += ["--ignore-vuln", vuln_id]
        result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
        if not out.exists():
            last = (result.stderr.strip().splitlines() or ["no output"])[-1]
            print(f"pip-audit ({source}) could not run: {last}")
            return None
        report: dict[str, object] = json.loads(out.read_text())
        return report


def main() -> int:
    required = os.environ.get("SMILE_AUDIT_REQUIRED", "") in {"1", "true", "yes"}
    accepted = accepted_vulnerabilities()
    for source in SOURCES:
        report = run_pip_audit(source, accepted)
        if report is None:
            continue
        dependencies = list(report.get("dependencies", []))  # type: ignore[call-overload]
        audited = [d for d in dependencies if "skip_reason" not in d]
        if not audited:
            print(f"advisory source '{source}' unreachable: none of {len(dependencies)} pinned packages checked")
            continue
        vulnerable = [d for d in audited if d.get("vulns")]
        skipped = len(dependencies) - len(audited)
        print(f"pip-audit ({source}): {len(audited)} pinned packages checked, {skipped} could not be checked")
        for dep in vulnerable:
            for vuln in dep["vulns"]:
                fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
                print(f"  VULNERABLE {dep['name']}=={dep['version']}: {vuln['id']} (fixed in: {fixes})")
        for vuln_id, reason in accepted.items():
            print(f"  accepted {vuln_id}: {reason}")
        return 1 if vulnerable else 0
    print("DEPENDENCY AUDIT NOT DONE: no vulnerability database (PyPI advisories, OSV) answered from this machine.")
    return 2 if required else 0


if __name__ == "__main__":
    sys.exit(main())
