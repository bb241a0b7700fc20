"""Build ``devset.jsonl`` from the annotated sources ``devset_part*.txt``.

    python -m karte.deid.devset.build

Markup: ``⟦T|text⟧`` marks a gold span of type T (codes in ``CODES``); ``=== id | kind`` starts a
document; lines starting with ``#`` before the first document are comments.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

CODES = {
    "P": "PATIENT_NAME",
    "N": "PERSON_NAME",
    "D": "DATE",
    "A": "AGE",
    "L": "ADDRESS",
    "T": "PHONE",
    "I": "ID",
    "F": "FACILITY",
    "E": "EMAIL",
    "S": "INSURANCE_NO",
    "M": "MYNUMBER",
    "Z": "POSTAL_CODE",
}
_MARK = re.compile(r"⟦([A-Z])\|([^⟧]+)⟧")
_HEADER = re.compile(r"^=== (\S+) \| (\S+)\s*$")
HERE = Path(__file__).parent


def parse_markup(body: str) -> tuple[str, list[dict[str, Any]]]:
    """Plain text and gold spans of one annotated document."""
    out: list[str] = []
    spans: list[dict[str, Any]] = []
    pos = 0
    length = 0
    for m in _MARK.finditer(body):
        plain = body[pos : m.start()]
        out.append(plain)
        length += len(plain)
        code, value = m.group(1), m.group(2)
        if code not in CODES:
            raise ValueError(f"unknown type code {code!r} in {m.group()!r}")
        spans.append({"start": length, "end": length + len(value), "type": CODES[code], "text": value})
        out.append(value)
        length += len(value)
        pos = m.end()
    out.append(body[pos:])
    text = "".join(out)
    if "⟦" in text or "⟧" in text:
        raise ValueError(f"unbalanced markup near {text[text.find('⟦') - 20 :][:60]!r}")
    return text, spans


def parse_source(source: str) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    lines: list[str] = []

    def flush() -> None:
        if current is not None:
            text, spans = parse_markup("\n".join(lines).strip("\n"))
            docs.append({**current, "text": text, "spans": spans})

    for line in source.splitlines():
        header = _HEADER.match(line)
        if header:
            flush()
            current, lines = {"id": header.group(1), "kind": header.group(2)}, []
        elif current is not None:
            lines.append(line)
    flush()
    return docs


def build(out: Path = HERE / "devset.jsonl", pattern: str = "devset_part*.txt") -> int:
    docs: list[dict[str, Any]] = []
    for path in sorted(HERE.glob(pattern)):
        docs.extend(parse_source(path.read_text(encoding="utf-8")))
    ids = [d["id"] for d in docs]
    if len(ids) != len(set(ids)):
        raise ValueError("duplicate document ids in the dev set")
    with out.open("w", encoding="utf-8", newline="\n") as fh:
        for doc in docs:
            fh.write(json.dumps(doc, ensure_ascii=False) + "\n")
    return len(docs)


if __name__ == "__main__":
    print(f"{build()} documents written to {HERE / 'devset.jsonl'}")
    print(
        f"{build(HERE / 'heldout.jsonl', 'heldout_part*.txt')} documents written to {HERE / 'heldout.jsonl'}"
    )
