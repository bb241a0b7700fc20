"""The main job on the embedded demo data: import the synthetic cohort, run every task, summarise.

``karte demo`` (and ``make demo``) writes under ``./karte-demo/``: the SQLite store, one JSONL
result file per task in ``results/``, and ``summary.json``.
"""

from __future__ import annotations

import json
import time
from importlib import resources
from pathlib import Path

from pydantic import BaseModel

from karte.config import Settings, get_settings
from karte.records.loaders import LoadProblem, load_path
from karte.records.models import PatientRecord
from karte.records.store import open_store
from karte.tasks.context import TaskContext
from karte.tasks.jsonl_io import dump_line, parse_objects
from karte.tasks.registry import all_tasks
from karte.tasks.runner import RunSummary, run_task
from karte.text.sections import fill_sections


class TaskRun(BaseModel):
    task: str
    records: int
    ok: int
    failed: int
    seconds: float
    output: str


class DemoSummary(BaseModel):
    directory: str
    patients: int
    documents: int
    observations: int
    import_problems: list[str]
    tasks: list[TaskRun]


def cohort_path() -> Path:
    return Path(str(resources.files("karte.demo").joinpath("data", "cohort.jsonl")))


def run_demo(directory: Path) -> DemoSummary:
    directory = directory.resolve()
    (directory / "results").mkdir(parents=True, exist_ok=True)
    db = directory / "karte.db"
    settings: Settings = get_settings(home=directory, db=f"sqlite:///{db}")
    records: list[PatientRecord] = []
    problems: list[str] = []
    for item in load_path(cohort_path()):
        if isinstance(item, LoadProblem):
            problems.append(item.describe())
        else:
            records.append(fill_sections(item))
    with open_store(settings.database_url) as store:
        store.add_records(records)
        counts = store.counts()
        runs = []
        with TaskContext(settings, store) as ctx:
            for spec in all_tasks():
                if spec.demo_inputs is None:
                    continue
                out_path = directory / "results" / f"{spec.name}.jsonl"
                summary = RunSummary(spec.name)
                started = time.perf_counter()
                with out_path.open("w", encoding="utf-8") as out:
                    for result in run_task(spec, parse_objects(spec.demo_inputs(ctx)), ctx, summary):
                        out.write(dump_line(result) + "\n")
                runs.append(
                    TaskRun(
                        task=spec.name,
                        records=summary.total,
                        ok=summary.ok,
                        failed=summary.failed,
                        seconds=round(time.perf_counter() - started, 3),
                        output=str(out_path.relative_to(directory)),
                    )
                )
    demo = DemoSummary(
        directory=str(directory),
        patients=counts.get("patients", 0),
        documents=counts.get("documents", 0),
        observations=counts.get("observations", 0),
        import_problems=problems,
        tasks=runs,
    )
    (directory / "summary.json").write_text(
        json.dumps(demo.model_dump(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return demo
