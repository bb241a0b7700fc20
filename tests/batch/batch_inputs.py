"""Helpers of the batch tests: demo-cohort notes as JSONL with the bad lines real exports contain,
and what ``karte run`` writes for them."""

from __future__ import annotations

import io
import json
from pathlib import Path

from karte.demo.run import cohort_path
from karte.tasks import TaskContext, get_task
from karte.tasks.jsonl_io import dump_line, parse_jsonl
from karte.tasks.runner import run_task


def cohort_notes() -> list[str]:
    notes: list[str] = []
    with cohort_path().open(encoding="utf-8") as fh:
        for line in fh:
            notes.extend(doc["text"] for doc in json.loads(line).get("documents", []))
    return notes


def notes_jsonl(count: int, *, bad_lines: bool = True) -> bytes:
    """``count`` note records (ids n0, n1 …, cycling the cohort's notes), with bad lines mixed in."""
    notes = cohort_notes()
    out = io.BytesIO()
    for i in range(count):
        out.write(
            json.dumps({"id": f"n{i}", "text": notes[i % len(notes)]}, ensure_ascii=False).encode() + b"\n"
        )
        if bad_lines and i == 5:
            out.write(b"{not json\n")
        if bad_lines and i == 9:
            out.write(b"\n")  # blank: skipped but counted in line numbers
            out.write(json.dumps({"id": "n3", "text": "重複"}, ensure_ascii=False).encode() + b"\n")
        if bad_lines and i == 14:
            out.write(json.dumps({"id": "empty", "text": ""}).encode() + b"\n")
            out.write(json.dumps({"text": "no id"}, ensure_ascii=False).encode() + b"\n")
            out.write(
                json.dumps({"id": 17, "text": "【主訴】発熱"}, ensure_ascii=False).encode("cp932") + b"\n"
            )
            out.write(b"[1, 2]\n")
    return out.getvalue()


def karte_run_lines(task: str, data: bytes) -> list[str]:
    """What ``karte run TASK`` writes for this input, line by line."""
    spec = get_task(task)
    with TaskContext() as ctx:
        return [dump_line(r) for r in run_task(spec, parse_jsonl(io.BytesIO(data)), ctx)]


def shard_lines(folder: Path) -> list[str]:
    lines: list[str] = []
    for shard in sorted(folder.glob("shard-*.jsonl")):
        lines.extend(shard.read_text(encoding="utf-8").splitlines())
    return lines
