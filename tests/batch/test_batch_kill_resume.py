"""A run killed with SIGKILL midway, then resumed, gives output identical to an uninterrupted run;
a resume with another task or another input is refused with a clear message."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from batch_inputs import karte_run_lines, notes_jsonl, shard_lines

from karte.batch import BatchConfig, run_batch
from karte.batch.manifest import load_manifest
from karte.batch.sources import Sizing, open_source
from karte.errors import InputError

SIZING = ["--batch-records", "8", "--shard-batches", "2"]


def karte_batch(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "karte", "batch", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: the kill reaches the workers too
    )


def _shards_done(out: Path) -> int:
    try:
        manifest = load_manifest(out)
    except InputError:  # caught between write and rename: read again
        return 0
    return len(manifest.shards) if manifest else 0


def test_sigkill_midway_then_resume_equals_uninterrupted_run(tmp_path: Path) -> None:
    data = notes_jsonl(480)
    infile = tmp_path / "in.jsonl"
    infile.write_bytes(data)
    out = tmp_path / "out"
    proc = karte_batch("sections", "-i", str(infile), "-o", str(out), "-w", "2", *SIZING)
    deadline = time.monotonic() + 300  # generous: a cold, loaded machine starts workers slowly
    while _shards_done(out) < 4 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    with contextlib.suppress(ProcessLookupError):  # (gone already: the assertion below says so)
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the run ended before it could be killed midway"
    killed = load_manifest(out)
    assert killed is not None and not killed.complete and len(killed.shards) >= 4

    resumed = karte_batch("sections", "-i", str(infile), "-o", str(out), "-w", "2", "--resume", *SIZING)
    _, stderr = resumed.communicate(timeout=300)
    assert resumed.returncode == 1, stderr.decode()  # some records are bad: exit 1, as with karte run
    assert "再開" in stderr.decode()

    expected = karte_run_lines("sections", data)
    assert shard_lines(out) == expected  # no duplicates, no gaps, same order
    errors = [x for x in expected if "error" in json.loads(x)]
    assert (out / "errors.jsonl").read_text(encoding="utf-8").splitlines() == errors
    manifest = load_manifest(out)
    assert manifest is not None and manifest.complete
    assert manifest.counts.records == len(expected) and manifest.counts.errors == len(errors)
    assert not list(out.glob("*.tmp"))

    # Byte for byte the shards of a run that was never interrupted (same batching, one worker).
    whole = tmp_path / "whole"
    run_batch(
        BatchConfig("sections", open_source(str(infile)), whole, sizing=Sizing(records=8), shard_batches=2)
    )
    uninterrupted = load_manifest(whole)
    assert uninterrupted is not None
    assert [s.sha256 for s in manifest.shards] == [s.sha256 for s in uninterrupted.shards]
    assert (whole / "errors.jsonl").read_bytes() == (out / "errors.jsonl").read_bytes()


def _finished_run(tmp_path: Path, data: bytes) -> tuple[Path, Path]:
    infile = tmp_path / "in.jsonl"
    infile.write_bytes(data)
    out = tmp_path / "out"
    run_batch(
        BatchConfig("sections", open_source(str(infile)), out, sizing=Sizing(10**6, 4), shard_batches=1)
    )
    return infile, out


def test_resume_refuses_another_task_or_input(tmp_path: Path) -> None:
    infile, out = _finished_run(tmp_path, notes_jsonl(8, bad_lines=False))
    with pytest.raises(InputError, match="normalize") as task_error:
        run_batch(BatchConfig("normalize", open_source(str(infile)), out, resume=True))
    assert task_error.value.field == "task"
    infile.write_bytes(notes_jsonl(9, bad_lines=False))
    with pytest.raises(InputError, match="入力が前回の実行と違います") as input_error:
        run_batch(BatchConfig("sections", open_source(str(infile)), out, resume=True))
    assert input_error.value.field == "input"
    with pytest.raises(InputError, match="--resume"):
        run_batch(BatchConfig("sections", open_source(str(infile)), out))
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "keep.txt").write_text("x")
    with pytest.raises(InputError, match="空ではなく"):
        run_batch(BatchConfig("sections", open_source(str(infile)), tmp_path / "other"))


def test_resume_refuses_input_changed_inside_finished_shards(tmp_path: Path) -> None:
    data = notes_jsonl(8, bad_lines=False)
    infile, out = _finished_run(tmp_path, data)
    manifest = load_manifest(out)
    assert manifest is not None
    manifest.complete = False
    manifest.shards = manifest.shards[:1]
    from karte.batch.manifest import save_manifest

    save_manifest(out, manifest)
    # Same size and same first/last MiB would pass the fingerprint: change a record in the middle
    # keeping the length, and put the fingerprint back, as if only the middle had changed.
    changed = data.replace(b"n1", b"m1", 1)
    infile.write_bytes(changed)
    manifest.input.fingerprint = open_source(str(infile)).fingerprint()
    save_manifest(out, manifest)
    with pytest.raises(InputError, match="レコード 1–4"):
        run_batch(BatchConfig("sections", open_source(str(infile)), out, resume=True))
