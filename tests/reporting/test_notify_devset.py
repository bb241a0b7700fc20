"""The notification dev set (karte/reporting/devsets/notify_dev.jsonl): the issue's targets."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from karte.reporting.death.evaluate import read_dev_set
from karte.reporting.diseases.table import load_table
from karte.reporting.notify.evaluate import evaluate
from karte.reporting.notify.pipeline import NotifyEngine

DEV = Path(str(resources.files("karte.reporting.devsets").joinpath("notify_dev.jsonl")))


def test_notify_dev_set_targets() -> None:
    from karte.extract.pipeline import default_extractor

    records = read_dev_set(DEV)
    assert len(records) >= 30 and sum(not r["expected"]["notifiable"] for r in records) >= 10
    report = evaluate(records, NotifyEngine(load_table(), default_extractor()))
    assert report.missed == 0 and report.detected == report.notifiable_expected, report.mismatches
    assert report.false_alarms == 0, report.mismatches
    assert report.class_deadline_correct == report.detected
    assert report.form_complete == report.detected
    assert report.fields_correct >= 0.9 * report.fields_expected, report.mismatches


def test_notify_held_out_set() -> None:
    """20 notes written after the rules, evaluated blind (10 notifiable, 10 look-alikes)."""
    from karte.extract.pipeline import default_extractor

    held_out = Path(str(resources.files("karte.reporting.devsets").joinpath("notify_heldout.jsonl")))
    report = evaluate(read_dev_set(held_out), NotifyEngine(load_table(), default_extractor()))
    assert report.missed == 0 and report.false_alarms == 0, report.mismatches
    assert report.class_deadline_correct == report.detected
