#!/usr/bin/env python3
"""Writes the seed document in every encoding the reader must handle.

The outputs are small and committed (tests/fixtures/seed/ and corpus/);
re-run this script only when the seed changes:

    python3 scripts/make_seed_variants.py
"""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "corpus" / "000_ac0013b8211afd0d.txt"


def variants(text: str) -> dict[str, bytes]:
    crlf = text.replace("\n", "\r\n")
    return {
        "seed.utf8.txt": text.encode("utf-8"),
        "seed.utf8-bom.txt": b"\xef\xbb\xbf" + text.encode("utf-8"),
        "seed.gbk-crlf.txt": crlf.encode("gbk"),
        "seed.utf16le-bom.txt": b"\xff\xfe" + text.encode("utf-16-le"),
        "seed.utf16le.txt": text.encode("utf-16-le"),
        "seed.utf16be-bom.txt": b"\xfe\xff" + text.encode("utf-16-be"),
        "seed.cr.txt": text.replace("\n", "\r").encode("utf-8"),
    }


def main() -> None:
    text = SEED.read_text(encoding="utf-8")
    out = ROOT / "tests" / "fixtures" / "seed"
    out.mkdir(parents=True, exist_ok=True)
    for name, data in variants(text).items():
        (out / name).write_bytes(data)
    # The sample corpus: the seed as published plus two encodings of it.
    corpus = ROOT / "corpus"
    (corpus / "seed-gbk-crlf.txt").write_bytes(variants(text)["seed.gbk-crlf.txt"])
    (corpus / "seed-utf16le-bom.txt").write_bytes(variants(text)["seed.utf16le-bom.txt"])


if __name__ == "__main__":
    main()
