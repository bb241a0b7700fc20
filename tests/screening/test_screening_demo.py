"""``karte demo`` screens the bundled synthetic cohort against the bundled demo protocol."""

from __future__ import annotations

from karte.config import get_settings
from karte.demo.run import cohort_path
from karte.records.loaders import load_path
from karte.records.models import PatientRecord
from karte.records.store import open_store
from karte.tasks.context import TaskContext
from karte.tasks.jsonl_io import parse_objects
from karte.tasks.registry import get_task
from karte.tasks.runner import run_task


def test_demo_inputs_screen_the_demo_cohort() -> None:
    settings = get_settings(llm="none")
    records = [r for r in load_path(cohort_path()) if isinstance(r, PatientRecord)]
    with open_store(settings.database_url) as store:
        store.add_records(records)
        with TaskContext(settings, store) as ctx:
            spec = get_task("screen")
            assert spec.demo_inputs is not None
            out = {o["id"]: o for o in run_task(spec, parse_objects(spec.demo_inputs(ctx)), ctx)}
    assert len(out) == len(records) and not any("error" in o for o in out.values())
    # D002: type 2 diabetes, HbA1c 10.6 % in 2024, insulin only during the 2024 stay (stopped): eligible
    d002 = {c["id"]: c["status"] for c in out["screen-D002"]["criteria"]}
    assert out["screen-D002"]["eligible"] == "eligible", d002
    # D012: diabetic nephropathy with creatinine 2.38 (eGFR about 21, derived): excluded by eGFR < 30
    assert out["screen-D012"]["eligible"] == "ineligible"
    assert {c["id"]: c["status"] for c in out["screen-D012"]["criteria"]}["E2"] == "met"
    # D001: stroke, no diabetes: not a candidate
    assert out["screen-D001"]["eligible"] == "ineligible"
    assert all(o["llm_calls"] == 0 for o in out.values())  # the demo protocol needs no LLM
