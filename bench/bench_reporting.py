"""Public-health reporting: death certificates coded per second (target ≥ 100/s without an LLM),
and notification drafts per second (with extraction)."""

from __future__ import annotations

import datetime as dt
import random
import resource
import time
from importlib import resources
from pathlib import Path
from typing import Any

from karte.reporting.death.certificate import DeathCertificate
from karte.reporting.death.evaluate import read_dev_set

CERTIFICATES = 4000
SEED = 8


def _dev(name: str) -> list[dict[str, Any]]:
    return read_dev_set(Path(str(resources.files("karte.reporting.devsets").joinpath(name))))


def _mixed_certificates(records: list[dict[str, Any]], n: int) -> list[DeathCertificate]:
    """``n`` certificates: the dev set's, plus new ones recombining its lines (new chains, new lines)."""
    rng = random.Random(SEED)
    lines = [v for r in records for k, v in r["causes"].items() if isinstance(v, str)]
    out: list[DeathCertificate] = []
    for i in range(n):
        base = records[i % len(records)]
        if i < len(records) or rng.random() < 0.5:
            data = {k: v for k, v in base.items() if k not in ("id", "expected")}
        else:
            depth = rng.randint(1, 4)
            causes = dict(zip(("Ia", "Ib", "Ic", "Id"), rng.sample(lines, depth), strict=False))
            data = {"causes": causes, "manner": base.get("manner"), "external": base.get("external")}
        out.append(DeathCertificate.model_validate(data))
    return out


def bench_death() -> None:
    from karte.reporting.death.coder import DeathCoder
    from karte.terminology.registry import get_code_system

    start = time.perf_counter()
    coder = DeathCoder(get_code_system("icd10"), get_code_system("icd11"))
    coder.warm()
    load = time.perf_counter() - start
    records = _dev("death_dev.jsonl")
    certs = _mixed_certificates(records, CERTIFICATES)
    t0 = time.perf_counter()
    for c in certs[: len(records)]:
        coder.code(c)
    cold = time.perf_counter() - t0
    cold_searches = coder.causes.searches
    t1 = time.perf_counter()
    for c in certs:
        coder.code(c)
    warm = time.perf_counter() - t1
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\n== death-code: {len(certs)} certificates (dev set + recombined lines), no LLM ==")
    print(f"load (ICD-10 dictionary and search index, ICD-11 table, curated tables): {load:.1f} s")
    print(
        f"first pass over the {len(records)} dev certificates: {len(records) / cold:,.0f} certificates/s "
        f"({cold_searches} phrases needed the slow ranked search)"
    )
    print(
        f"{len(certs)} certificates: {len(certs) / warm:,.0f} certificates/s (target >= 100); "
        f"slow searches in all: {coder.causes.searches}"
    )
    print(
        f"40,000 certificates (a month) at this rate: {40000 / (len(certs) / warm) / 60:.1f} min; "
        f"peak RSS {rss:,.0f} MB"
    )


def bench_notify() -> None:
    from karte.extract.pipeline import default_extractor
    from karte.reporting.diseases.table import load_table
    from karte.reporting.notify.pipeline import NoteSource, NotifyEngine

    records = _dev("notify_dev.jsonl")
    engine = NotifyEngine(load_table(), default_extractor())
    engine.run([NoteSource("発熱。")], dt.date(2024, 1, 1), formats=())
    t0 = time.perf_counter()
    for r in records:
        day = dt.date.fromisoformat(r["date"])
        engine.run([NoteSource(r["text"], str(r["id"]), day)], day, formats=("fhir", "html"))
    seconds = time.perf_counter() - t0
    chars = sum(len(r["text"]) for r in records)
    print(f"\n== notify: {len(records)} notes ({chars:,} characters), extraction + rules + FHIR + HTML ==")
    print(f"{len(records) / seconds:,.1f} notes/s; {chars / seconds:,.0f} characters/s")


def main() -> None:
    bench_death()
    bench_notify()


if __name__ == "__main__":
    main()
