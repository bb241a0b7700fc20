"""The ``notify`` task through the registry: text, stored patient, FHIR, HTML, errors."""

from __future__ import annotations

import datetime as dt

from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from karte.config import get_settings
from karte.records.models import Document, PatientRecord
from karte.records.store import open_store
from karte.tasks import run


def test_notify_from_text_with_fhir_and_html() -> None:
    text = (
        "【診断】侵襲性髄膜炎菌感染症\n19歳男性。発熱、項部硬直。髄液培養から髄膜炎菌を検出した。"
        "<script>x</script>"
    )
    out = run("notify", [{"id": "r1", "text": text, "date": "2024-03-01"}])[0]
    assert out["notifiable"] is True and out["deadline"] == "直ちに" and out["category"] == "5類"
    qr = QuestionnaireResponse.model_validate(out["questionnaire_response"])
    assert (
        qr.status == "in-progress" and qr.meta is not None and qr.meta.tag and qr.meta.tag[0].code == "draft"
    )
    html = out["html"]
    assert "下書き" in html and "<script>x</script>" not in html
    assert out["missing"] and all({"field", "label", "required"} <= set(m) for m in out["missing"])


def test_notify_not_notifiable_has_no_form() -> None:
    out = run("notify", [{"id": 1, "text": "インフルエンザA型と診断。", "date": "2024-01-10"}])[0]
    assert out["notifiable"] is False and out["status"] == "sentinel"
    assert not out.get("form")
    assert "questionnaire_response" not in out and "html" not in out


def test_notify_for_a_stored_patient_reads_all_documents() -> None:
    record = PatientRecord(
        id="P1",
        sex="female",
        birth_date=dt.date(1990, 4, 1),
        name="試験 花子",
        documents=[
            Document(
                id="D1", text="3日前から発熱と頭痛、全身の発疹。", datetime=dt.datetime(2024, 7, 1, 9, 0)
            ),
            Document(
                id="D2",
                text="タイから帰国後の発熱。デングウイルスPCR陽性。デング熱と診断した。",
                datetime=dt.datetime(2024, 7, 3, 9, 0),
            ),
        ],
    )
    with open_store(get_settings().database_url) as store:
        store.upgrade()
        store.add_records([record])
    out = run("notify", [{"id": "p", "patient_id": "P1", "formats": ["fhir"]}])[0]
    assert out["notifiable"] is True and out["disease_id"] == "dengue" and out["category"] == "4類"
    assert out["as_of"] == "2024-07-03"
    assert out["form"]["patient_name"]["value"] == "試験 花子"
    assert out["form"]["age"]["value"] == 34
    assert out["form"]["infection_region"]["value"] == "国外（タイ）"
    assert out["form"]["onset_date"]["evidence"]["spans"][0]["document_id"] == "D1"
    assert out["questionnaire_response"]["subject"]["reference"] == "Patient/P1"


def test_notify_errors_name_the_field() -> None:
    out = run(
        "notify", [{"id": 1}, {"id": 2, "patient_id": "nobody"}, {"id": 3, "text": "x", "formats": ["pdf"]}]
    )
    assert out[0]["error"]["type"] == "validation_error"
    assert out[1]["error"]["type"] == "not_found" and out[1]["error"]["field"] == "patient_id"
    assert out[2]["error"]["field"].startswith("formats")
