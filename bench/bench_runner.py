"""Overhead of the JSONL contract (parse, validate, dump) against calling the task directly."""

from __future__ import annotations

import io
import json
import time

from bench.corpus import notes_of_size
from karte.tasks import TaskContext, get_task
from karte.tasks.inputs import NoteInput
from karte.tasks.jsonl_io import dump_line, parse_jsonl
from karte.tasks.runner import run_task


def main() -> None:
    notes = notes_of_size(300_000)
    spec = get_task("sections")
    payload = "".join(
        json.dumps({"id": i, "text": n}, ensure_ascii=False) + "\n" for i, n in enumerate(notes)
    )
    raw = payload.encode("utf-8")
    with TaskContext() as ctx:
        start = time.perf_counter()
        for i, n in enumerate(notes):
            spec.func(NoteInput(id=i, text=n), ctx)
        direct = time.perf_counter() - start

        start = time.perf_counter()
        sink = io.StringIO()
        for result in run_task(spec, parse_jsonl(io.BytesIO(raw)), ctx):
            sink.write(dump_line(result) + "\n")
        contract = time.perf_counter() - start
    print(f"\n== task runner: sections over {len(notes)} notes ==")
    print(f"direct call        {len(notes) / direct:>10,.0f} records/s")
    print(f"JSONL contract     {len(notes) / contract:>10,.0f} records/s")
    print(f"overhead ratio contract/direct: {contract / direct:.2f}")


if __name__ == "__main__":
    main()
