"""What the IIA v7 hash costs, measured side by side in one run (ratios, not absolute times).

    .venv/bin/python bench/iias/bench_hash.py [--rounds 200]

* hashing a partner's copy, relative to merely parsing its XML (both on the 13 official
  examples and test vectors);
* our copy on each write (render the v7 XML, then hash it), relative to validating the same content;
* comparing our copy with the partner's, relative to that validation too.

The machine is shared: each measurement alternates the variants round by round and keeps the median.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from smile_agreements.iias.compare import compare
from smile_agreements.iias.content import IiaContent
from smile_agreements.iias.ewpxml import parse_iia, render_iia
from smile_agreements.iias.iiahash import find_iias, hash_iia, parse_xml

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "specs" / "ewp"


def documents() -> list[bytes]:
    out = []
    for name in ("iia-hash-vectors.json", "extra-vectors.json"):
        vectors = json.loads((SPECS / "_local" / "test-vectors" / "iia-hash" / name).read_text(encoding="utf-8"))
        for v in vectors["vectors"]:
            out.append(v["input_xml"].encode() if "input_xml" in v else (SPECS / v["example_file"]).read_bytes())
    return out


def timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def side_by_side(rounds: int, **variants: Callable[[], object]) -> dict[str, float]:
    samples: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(rounds):
        for name, work in variants.items():
            samples[name].append(timed(work))
    return {name: statistics.median(values) for name, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=200)
    rounds = parser.parse_args().rounds
    docs = documents()
    contents = [parse_iia(d) for d in docs if b"version_6" not in d and b"stable-v6" not in d]
    dumped = [c.model_dump(mode="json") for c in contents]
    pairs = list(zip(contents, contents[1:] + contents[:1], strict=True))

    partner = side_by_side(
        rounds,
        parse=lambda: [find_iias(parse_xml(d)) for d in docs],
        parse_and_hash=lambda: [hash_iia(find_iias(parse_xml(d))[0]) for d in docs],
    )
    ours = side_by_side(
        rounds,
        validate=lambda: [IiaContent.model_validate(d) for d in dumped],
        render_and_hash=lambda: [render_iia(c) for c in contents],
        compare=lambda: [compare(a, b) for a, b in pairs],
    )
    per_doc = 1e6 / len(docs)
    print(f"{len(docs)} IIA documents, {rounds} rounds, medians (per document):")
    print(f"  parse XML                 {partner['parse'] * per_doc:8.1f} us")
    print(f"  parse XML + v7 hash       {partner['parse_and_hash'] * per_doc:8.1f} us")
    print(f"  validate our content      {ours['validate'] * per_doc:8.1f} us")
    print(f"  render v7 XML + hash      {ours['render_and_hash'] * per_doc:8.1f} us")
    print(f"  compare two copies        {ours['compare'] * per_doc:8.1f} us")
    print("ratios:")
    print(f"  hashing a partner copy / parsing it       {partner['parse_and_hash'] / partner['parse']:.2f}x")
    print(f"  rendering + hashing ours / validating it  {ours['render_and_hash'] / ours['validate']:.2f}x")
    print(f"  comparing two copies / validating one     {ours['compare'] / ours['validate']:.2f}x")


if __name__ == "__main__":
    main()
