"""Helpers of the web tests: demo patients, stand-in tasks, an app with one user per role, log-in.

The app is built once per session on its own SQLite file (the autouse ``karte_home`` fixture gives
each test a fresh home, which this app does not use). Two small stand-in tasks replace ``extract``
and ``code-note`` where those are not registered yet: they are given to the app directly
(``Analyses.specs``), never registered, so the task registry stays as it is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from karte.config import Settings
from karte.records.models import PatientRecord
from karte.records.store import open_store
from karte.tasks.context import TaskContext
from karte.tasks.inputs import NoteInput
from karte.tasks.registry import TaskOutput, TaskSpec
from karte.text.sections import fill_sections

REPO = Path(__file__).resolve().parents[2]
COHORT = REPO / "karte" / "demo" / "data" / "cohort.jsonl"
PASSWORD = "test-password-1"
ROLES = ("admin", "physician", "coder", "coordinator", "researcher")
N_PATIENTS = 4

# -- stand-in tasks (a word list, not NLP: they only feed the pages with outputs of the right shape) --

STAND_IN_ENTITIES = {
    "発熱": "disease",
    "頭痛": "disease",
    "嘔吐": "disease",
    "脱力": "disease",
    "肺炎": "disease",
    "CT": "test",
    "MRI": "test",
    "右手": "anatomy",
    "アスピリン": "medication",
}
STAND_IN_CODES = {
    "肺炎": ("J18.9", "肺炎，詳細不明"),
    "発熱": ("R50.9", "発熱，詳細不明"),
    "脱力": ("R53", "倦怠感"),
}


class StandInEntities(TaskOutput):
    entities: list[dict[str, Any]]


class StandInCodes(TaskOutput):
    mentions: list[dict[str, Any]]


def _find(text: str, words: dict[str, Any]) -> Iterator[tuple[int, int, str]]:
    for word in words:
        for match in re.finditer(re.escape(word), text):
            yield match.start(), match.end(), word


def stand_in_extract(inp: NoteInput, ctx: TaskContext) -> StandInEntities:
    text = inp.resolve_text(ctx)
    entities = []
    for start, end, word in _find(text, STAND_IN_ENTITIES):
        after = text[end : end + 3]
        certainty = "negative" if after.startswith("なし") else "suspicious" if "疑" in after else "positive"
        entities.append(
            {
                "start": start,
                "end": end,
                "text": word,
                "type": STAND_IN_ENTITIES[word],
                "certainty": certainty,
                "score": 0.9,
            }
        )
    return StandInEntities(id=inp.id, entities=entities)


def stand_in_code(inp: NoteInput, ctx: TaskContext) -> StandInCodes:
    """The shape of ``code-note``: mentions, each with its candidate codes and their evidence."""
    text = inp.resolve_text(ctx)
    mentions = []
    for start, end, word in _find(text, STAND_IN_CODES):
        code, display = STAND_IN_CODES[word]
        span = {"start": start, "end": end, "text": word}
        evidence = {"spans": [span], "rationale": f"「{word}」", "source": "dictionary", "score": 0.8}
        codes = [{"system": "icd10", "code": code, "display": display, "score": 0.8, "evidence": evidence}]
        mentions.append({**span, "type": "disease", "score": 0.9, "codes": codes})
    return StandInCodes(id=inp.id, mentions=mentions)


STAND_IN_SPECS = {
    "entities": TaskSpec("stand-in-extract", NoteInput, StandInEntities, stand_in_extract, "stand-in"),
    "codes": TaskSpec("stand-in-code", NoteInput, StandInCodes, stand_in_code, "stand-in"),
}


# -- the app --------------------------------------------------------------------------------------


def cohort_records(n: int = N_PATIENTS) -> list[PatientRecord]:
    lines = COHORT.read_text(encoding="utf-8").splitlines()[:n]
    records = [PatientRecord.model_validate_json(line) for line in lines]
    # The last patient keeps its documents without sections: the pages then use the `sections` task.
    return [fill_sections(r) for r in records[:-1]] + records[-1:]


def build_app(settings: Settings, *, stand_ins: bool = True) -> FastAPI:
    from karte.api import create_app

    with open_store(settings.database_url) as store:
        store.add_records(cohort_records())
    app = create_app(settings)
    services = app.state.karte_web
    if stand_ins:
        services.analyses.specs.update(STAND_IN_SPECS)
    for role in ROLES:
        if services.users.find(role) is None:
            services.users.add(role, PASSWORD, role, display_name=f"テスト{role}")
    return app


def csrf_from(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Log in through the form; returns the session's CSRF token."""
    token = csrf_from(client.get("/login").text)
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return csrf_from(client.get("/account").text)


def audit_events(app: FastAPI, **filters: Any) -> list[Any]:
    return app.state.karte_web.audit.recent(500, **filters)


def patient_with(records: list[PatientRecord], word: str) -> tuple[PatientRecord, str]:
    for record in records:
        for document in record.documents:
            if word in document.text:
                return record, document.id
    raise AssertionError(f"no demo document contains {word!r}")


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def audit_actions(app: FastAPI, actor: str, action: str) -> list[Any]:
    """The actor's events of one action, newest first."""
    return [e for e in audit_events(app, actor=actor) if e.action == action]
