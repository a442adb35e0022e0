"""What EWP signatures cost the gateway, measured side by side in one run (ratios, not absolute times).

    .venv/bin/python bench/ewp/bench_gateway.py [--rounds 300]

Targets (issue 10):
* a signed IIAs ``get`` of the maximum number of ids (100), answered with a signed response, costs at
  most twice a signed Echo answered with a signed response, on the same server in the same run;
* an IIA CNR is answered in under 20 ms (95th percentile);
* verifying a request's signature adds under 1 ms.

The whole path is measured: the gateway runs as its own process (``smile-ewp-gateway api``, SQLite, dev
profile) and reads the IIAs from the real agreements service (``smile-agreements api``, its own process and
SQLite database) holding 100 IIAs with the bench partner, created and shared through its API; a third
process serves the registry; this process is the partner. Requests alternate Echo / IIAs get / CNR round by
round, so the machine's noise hits them alike. The first get of the 100 IIAs (nothing cached yet, in the
gateway nor in agreements) is reported on its own.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx

from smile_common.security.devissuer import DevIssuer
from smile_ewp_gateway.httpsig import EwpSignatureAuth, SigningKey, verify_request, verify_response
from smile_ewp_gateway.httpsig.cavage import digest_header, format_params, http_date, rsa_sign, signing_string
from smile_ewp_gateway.httpsig.keys import generate_private_key, private_key_pem
from smile_ewp_gateway.registry.catalogue import Catalogue

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SMILE = "unicaen.fr"
PARTNER = "uw.edu.pl"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_up(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not come up")


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def verification_cost(catalogue: Catalogue, key: SigningKey, host: str, rounds: int) -> tuple[float, float]:
    """Mean seconds per ``verify_request`` and per RSA signature (for scale)."""
    body = b"echo=bench"
    headers = {
        "host": host,
        "date": http_date(datetime.now(UTC)),
        "x-request-id": str(uuid.uuid4()),
        "digest": digest_header(body),
        "content-type": "application/x-www-form-urlencoded",
    }
    names = ["(request-target)", "host", "date", "x-request-id", "digest", "content-type"]
    target = f"/hei/{SMILE}/echo"
    signature = rsa_sign(key.private_key, signing_string(names, list(headers.items()), f"post {target}"))
    lowered = [*headers.items(), ("authorization", "Signature " + format_params(key.key_id, names, signature))]
    start = time.perf_counter()
    for _ in range(rounds):
        verify_request(
            method="POST",
            request_target=target,
            headers=lowered,
            body=body,
            keys=catalogue,
            now=datetime.now(UTC),
            expected_host=host,
        )
    verify = (time.perf_counter() - start) / rounds
    start = time.perf_counter()
    for _ in range(rounds // 4):
        rsa_sign(key.private_key, "x" * 300)
    return verify, (time.perf_counter() - start) / (rounds // 4)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--iias", type=int, default=100, help="IIAs in agreements (the get asks for 100 of them)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="smile-ewp-bench-"))
    key = SigningKey(generate_private_key())
    (work / "partner.pem").write_bytes(private_key_pem(key.private_key))
    gport, sport, aport = free_port(), free_port(), free_port()
    host = f"127.0.0.1:{gport}"
    env = {
        **os.environ,
        "SMILE_DATA_DIR": str(work),
        "SMILE_EWP_BASE_URL": f"https://{host}",
        "SMILE_EWP_REGISTRY_URL": f"http://127.0.0.1:{sport}/catalogue-v1.xml",
        "SMILE_SERVICE_URLS": json.dumps({"agreements": f"http://127.0.0.1:{aport}"}),
        "SMILE_LOG_LEVEL": "WARNING",
        # the gateway calls agreements with one service token for all partners: exempt it from the
        # per-token rate limit, as a deployment does (docs/ewp.md)
        "SMILE_RATE_LIMIT_EXEMPT": json.dumps(["127.0.0.0/8"]),
        "SMILE_EWP_HEIS": json.dumps([{"hei_id": SMILE, "names": {"en": "Caen"}}]),
    }
    gateway, agreements = BIN / "smile-ewp-gateway", BIN / "smile-agreements"
    subprocess.run([gateway, "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([agreements, "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([gateway, "keys", "generate", "--hei", SMILE], env=env, check=True, stdout=subprocess.DEVNULL)
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "bench/ewp/support.py"),
                "--port",
                str(sport),
                "--partner-key",
                str(work / "partner.pem"),
            ],
            env=env,
        ),
        subprocess.Popen([gateway, "api", "--port", str(gport)], env=env),
        subprocess.Popen([agreements, "api", "--port", str(aport)], env=env),
    ]
    try:
        wait_up(f"http://127.0.0.1:{sport}/catalogue-v1.xml")
        wait_up(f"http://{host}/healthz")
        wait_up(f"http://127.0.0.1:{aport}/healthz")
        iia_ids = seed_iias(f"http://127.0.0.1:{aport}", work, args.iias)
        return measure(args.rounds, host, sport, key, iia_ids[:100])
    finally:
        for process in processes:
            process.terminate()
            process.wait(10)


def condition(sending: str, receiving: str, language: str) -> dict[str, object]:
    return {
        "type": "student_studies",
        "sending_hei_id": sending,
        "receiving_hei_id": receiving,
        "receiving_first_academic_year_id": "2026/2027",
        "receiving_last_academic_year_id": "2028/2029",
        "mobilities_per_year": 2,
        "recommended_language_skills": [{"language": language, "cefr_level": "B2"}],
        "subject_areas": [{"isced_f_code": "0421", "isced_clarification": "European law"}],
        "total_months_per_year": 10,
        "blended": False,
        "eqf_levels": [6, 7],
    }


def seed_iias(base: str, work: Path, count: int) -> list[str]:
    """``count`` shared IIAs with the partner, created by the office through the agreements API."""
    token = DevIssuer(work).mint(subject="bench-office", roles=["coordinator"], hei=SMILE, email="iro@unicaen.fr")
    headers = {"Authorization": f"Bearer {token}"}
    ids = []
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        response = client.post("/partners", json={"hei_id": PARTNER, "names": {"en": "Warsaw"}, "country": "PL"})
        assert response.status_code == 201, response.text
        for n in range(count):
            body = {
                "share": True,
                "partners": [
                    {
                        "hei_id": SMILE,
                        "iia_code": f"UNICAEN-UW-{n:04d}",
                        "ounit_id": f"unit-{n}",  # one agreement per faculty: no overlap
                        "signing_contact": {"name": "Lamri Adoui", "role_description": "President"},
                        "contacts": [{"name": "Relations internationales", "emails": ["international@unicaen.fr"]}],
                    },
                    {"hei_id": PARTNER, "iia_id": f"uw-{n}", "contacts": [{"name": "International Relations Office"}]},
                ],
                "cooperation_conditions": [condition(PARTNER, SMILE, "fr"), condition(SMILE, PARTNER, "pl")],
            }
            response = client.post("/iias", json=body)
            assert response.status_code == 201, response.text
            ids.append(response.json()["id"])
    return ids


def measure(rounds: int, host: str, sport: int, key: SigningKey, iia_ids: list[str]) -> int:
    catalogue = Catalogue.from_bytes(httpx.get(f"http://127.0.0.1:{sport}/catalogue-v1.xml").content)
    entry = catalogue.api(SMILE, "echo", 2)
    assert entry is not None
    server_keys = catalogue.server_keys(entry)
    ids = [("iia_id", i) for i in iia_ids]
    base = f"http://{host}/hei/{SMILE}"
    calls = {
        "echo": (f"{base}/echo", [("echo", "bench")]),
        "iias_get_100": (f"{base}/iias/get", ids),
        "iia_cnr": (f"{base}/iia-cnr", [("iia_id", "partner-iia-1")]),
    }
    timings: dict[str, list[float]] = {name: [] for name in calls}
    first_get = 0.0
    with httpx.Client(auth=EwpSignatureAuth(key), timeout=30) as client:
        for round_number in range(rounds + 20):
            for name, (url, params) in calls.items():
                data: dict[str, list[str]] = {}
                for k, v in params:
                    data.setdefault(k, []).append(v)
                start = time.perf_counter()
                response = client.post(url, data=data)
                elapsed = time.perf_counter() - start
                assert response.status_code == 200, (name, response.status_code, response.text[:300])
                verify_response(response, server_keys=server_keys)
                if name == "iias_get_100" and round_number == 0:
                    first_get = elapsed
                    assert (
                        response.text.count("<iia ") == 100
                        or response.text.count("<iia>") + response.text.count("<iia xmlns") == 100
                    )
                if round_number >= 20:  # warm-up rounds are not counted
                    timings[name].append(elapsed)
    verify, sign = verification_cost(catalogue, key, host, 2000)
    echo, iias, cnr = (statistics.median(timings[n]) for n in ("echo", "iias_get_100", "iia_cnr"))
    report = {
        "rounds": rounds,
        "echo_median_ms": round(echo * 1000, 2),
        "echo_p95_ms": round(p95(timings["echo"]) * 1000, 2),
        "iias_get_100_median_ms": round(iias * 1000, 2),
        "ratio_iias_get_100_to_echo": round(iias / echo, 2),
        "iias_get_100_first_ms": round(first_get * 1000, 2),
        "iia_cnr_median_ms": round(cnr * 1000, 2),
        "iia_cnr_p95_ms": round(p95(timings["iia_cnr"]) * 1000, 2),
        "ratio_iia_cnr_p95_to_echo_p95": round(p95(timings["iia_cnr"]) / p95(timings["echo"]), 2),
        "signature_verification_ms": round(verify * 1000, 3),
        "rsa_signature_ms": round(sign * 1000, 3),
        "ratio_verification_to_rsa_signature": round(verify / sign, 2),
    }
    checks = {
        "iias get (100 ids) <= 2 x echo": report["ratio_iias_get_100_to_echo"] <= 2,
        "cnr p95 < 20 ms": report["iia_cnr_p95_ms"] < 20,
        "verification < 1 ms": report["signature_verification_ms"] < 1,
    }
    print(json.dumps({"measures": report, "targets": checks}, indent=2))
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
