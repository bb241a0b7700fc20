"""The draft as a FHIR R4B QuestionnaireResponse (validated with ``fhir.resources``).

Items carry the linkIds of the real form Questionnaires where known (EHEC 別記様式3-3, acute
encephalitis; ``notify_forms.yaml`` ``link``) and ``karte.<field>`` otherwise. The response is
``in-progress`` and tagged 下書き: the physician completes and signs it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from karte.reporting.diseases.forms import FormField, Forms, form_has_identity
from karte.reporting.diseases.table import Disease
from karte.reporting.notify.result import FieldValue, Notification

DRAFT_TAG = {"system": "urn:karte:notify", "code": "draft", "display": "下書き（医師確認用）"}


def _answers(f: FormField, fv: FieldValue) -> list[dict[str, Any]]:
    values = fv.value if isinstance(fv.value, list) else [fv.value]
    out: list[dict[str, Any]] = []
    for v in values:
        if isinstance(v, bool):
            out.append({"valueBoolean": v})
        elif isinstance(v, int):
            out.append({"valueInteger": v})
        elif f.type == "date":
            out.append({"valueDate": str(v)})
        elif f.type == "choice":
            out.append({"valueCoding": {"display": str(v)}})
        else:
            out.append({"valueString": str(v)})
    return out


def questionnaire_response(
    notification: Notification, disease: Disease, forms: Forms, patient_id: str | None, authored: dt.datetime
) -> dict[str, Any]:
    form_id = disease.form or forms.default_form
    items: list[dict[str, Any]] = [
        {"linkId": "karte.disease", "text": "疾患名", "answer": [{"valueString": disease.name}]},
        {
            "linkId": "karte.category",
            "text": "類型（感染症法）",
            "answer": [{"valueString": disease.category}],
        },
        {"linkId": "karte.deadline", "text": "届出期限", "answer": [{"valueString": disease.deadline}]},
    ]
    for f in forms.fields(disease.form, form_has_identity(disease.category)):
        fv = notification.form.get(f.key)
        if fv is not None:
            items.append({"linkId": f.link_id(form_id), "text": f.label, "answer": _answers(f, fv)})
    data: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "meta": {"tag": [DRAFT_TAG]},
        "questionnaire": f"{forms.questionnaire_base}{form_id}",
        "status": "in-progress",
        "authored": authored.isoformat(timespec="seconds"),
        "item": items,
    }
    if patient_id:
        data["subject"] = {"reference": f"Patient/{patient_id}"}
    model = QuestionnaireResponse.model_validate(data)
    dumped: dict[str, Any] = model.model_dump(mode="json", exclude_none=True, by_alias=True)
    return dumped
