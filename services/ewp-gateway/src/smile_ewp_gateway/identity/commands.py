"""``smile-ewp-gateway keys …`` and ``smile-ewp-gateway manifest``: key pairs and manifests from the shell.

* ``keys list`` — every key of every covered university, whether the registry lists it, which one signs;
* ``keys generate --hei H`` — the missing client and server keys of ``H`` (first installation);
* ``keys rotate --hei H --kind client|server`` — a new key, published at once in the manifest; SMILE
  signs with it as soon as the registry lists it;
* ``keys retire --key-id K`` — stop publishing a key (after the rotation has reached the registry);
* ``manifest --hei H`` — print the manifest and check it against the official schemas.
"""

from __future__ import annotations

import argparse
import json
import sys

from lxml import etree

from smile_common.service import Runtime, ServiceCommand
from smile_ewp_gateway.context import gateway_of
from smile_ewp_gateway.discovery.manifest import build_manifest, manifest_url
from smile_ewp_gateway.identity.keystore import KeyKind
from smile_ewp_gateway.xmlkit.schemas import ewp_schemas

__all__ = ["COMMANDS"]


def _configure_keys(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["list", "generate", "rotate", "retire"])
    parser.add_argument("--hei", help="SCHAC code of the covered university")
    parser.add_argument("--kind", choices=["client", "server"], help="which key to rotate")
    parser.add_argument("--key-id", help="the key to retire")
    parser.add_argument("--bits", type=int, default=2048)


async def _keys(runtime: Runtime, args: argparse.Namespace) -> int:
    gateway = gateway_of(runtime)
    covered = [h.hei_id for h in gateway.settings.covered_heis]
    if args.action in ("generate", "rotate") and args.hei not in covered:
        print(f"--hei must be one of the covered universities (SMILE_EWP_HEIS): {', '.join(covered)}", file=sys.stderr)
        return 2
    if args.action == "generate":
        for stored in gateway.keys.ensure([args.hei]):
            print(f"generated {stored.kind} key {stored.key_id} for {stored.hei_id}")
        return 0
    if args.action == "rotate":
        if args.kind is None:
            print("--kind client|server is required", file=sys.stderr)
            return 2
        stored = gateway.keys.generate(args.hei, args.kind, bits=args.bits)
        print(
            f"new {stored.kind} key {stored.key_id} published in {manifest_url(gateway.settings, args.hei)}; "
            "SMILE signs with it once the registry lists it. Retire the old key afterwards."
        )
        return 0
    if args.action == "retire":
        if not args.key_id:
            print("--key-id is required", file=sys.stderr)
            return 2
        try:
            stored = gateway.keys.retire(args.key_id)
        except (LookupError, ValueError) as exc:
            print(str(exc), file=sys.stderr)
            return 1
        print(f"retired {stored.kind} key {stored.key_id} of {stored.hei_id}")
        return 0
    try:
        await gateway.registry.load()
    except Exception as exc:  # e.g. not migrated yet: keys are files, list them anyway
        print(f"(registry copy not available: {type(exc).__name__}; run `smile-ewp-gateway migrate`)", file=sys.stderr)
    catalogue = gateway.registry.current
    kinds: tuple[KeyKind, ...] = ("client", "server")
    for hei in covered:
        for kind in kinds:
            try:
                signing = gateway.signing_key(hei, kind).key_id
            except LookupError:
                signing = None
            for stored in gateway.keys.keys(hei, kind):
                listed = (
                    None
                    if catalogue is None
                    else (
                        catalogue.is_client_key(stored.key_id)
                        if kind == "client"
                        else catalogue.is_server_key(stored.key_id)
                    )
                )
                print(
                    json.dumps(
                        {
                            "hei_id": hei,
                            "kind": kind,
                            "key_id": stored.key_id,
                            "created": stored.created,
                            "registered": listed,
                            "signing": stored.key_id == signing,
                        }
                    )
                )
    return 0


def _configure_manifest(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--hei", required=True)


async def _manifest(runtime: Runtime, args: argparse.Namespace) -> int:
    gateway = gateway_of(runtime)
    hei = gateway.settings.covered(args.hei)
    if hei is None:
        print(f"{args.hei} is not in SMILE_EWP_HEIS", file=sys.stderr)
        return 2
    body = build_manifest(gateway.settings, hei, gateway.keys)
    print(body.decode("utf-8"))
    schema = ewp_schemas.manifest_schema()
    if not schema.validate(etree.fromstring(body)):
        print(f"INVALID: {schema.error_log.last_error}", file=sys.stderr)
        return 1
    print(
        f"valid (Discovery v6 with every API entry checked); register {manifest_url(gateway.settings, args.hei)}",
        file=sys.stderr,
    )
    return 0


COMMANDS = (
    ServiceCommand(
        "keys", "EWP key pairs of the covered universities: list, generate, rotate, retire", _keys, _configure_keys
    ),
    ServiceCommand(
        "manifest", "print and check the EWP manifest of a covered university", _manifest, _configure_manifest
    ),
)
