"""FHIR R4B export: a document Bundle (Composition first, then Patient, the cited chart resources,
the authoring Device and a Provenance naming every source document).

The Composition is ``preliminary`` and tagged as a draft for clinician review; its sections carry the
drafted text as narrative (unsupported sentences marked ［要確認］) and reference the Condition,
MedicationStatement, Observation and AllergyIntolerance resources built from the facts they state.
The bundle is validated with ``fhir.resources`` (R4B models) and with the document rules checked
here (Composition first, every reference resolvable inside the bundle, every section has text).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from html import escape
from typing import Any

from karte.drafting.models import Draft, DraftSection, Fact, SourceDocument
from karte.drafting.plans import DocumentPlan
from karte.errors import KarteError
from karte.records.models import Patient

ICD10_URI = "http://hl7.org/fhir/sid/icd-10"
DRAFT_TAG = {
    "system": "urn:karte:draft",
    "code": "clinician-review-required",
    "display": "臨床医の確認が必要な下書き",
}
_GENDER = {"male": "male", "female": "female", "other": "other", "unknown": "unknown"}
_MED_STATUS = {
    "active",
    "completed",
    "entered-in-error",
    "intended",
    "stopped",
    "on-hold",
    "unknown",
    "not-taken",
}
_CONDITION_STATUS = {"active", "recurrence", "relapse", "inactive", "remission", "resolved"}
_SECTION_RESOURCES = {
    "diagnoses": ("diagnosis", "comorbidity"),
    "conditions": ("diagnosis", "comorbidity"),
    "discharge_medications": ("medication_current",),
    "current_medications": ("medication_current",),
    "medicines": ("medication_current",),
    "results": ("lab",),
    "admission_findings": ("lab",),
    "allergies": ("allergy",),
    "remarks": ("allergy",),
}


class FhirExportError(KarteError):
    type = "fhir_invalid"


def _div(paragraphs: list[str]) -> str:
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs) or "<p>（記載なし）</p>"
    return f'<div xmlns="http://www.w3.org/1999/xhtml">{body}</div>'


def _fhir_time(value: dt.datetime) -> str:
    return value.isoformat(timespec="seconds")


class _Ids:
    def __init__(self, seed: str) -> None:
        self.seed = seed

    def __call__(self, kind: str, key: str) -> str:
        return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'karte-draft/{self.seed}/{kind}/{key}')}"


def build_bundle(
    draft: Draft,
    plan: DocumentPlan,
    patient: Patient,
    sources: Mapping[str, SourceDocument],
    recipient: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The draft as a FHIR R4B document Bundle (a JSON-ready dict), validated."""
    ids = _Ids(f"{patient.id}/{draft.document_type}/{draft.created.isoformat()}")
    comp_url, patient_url, device_url = (
        ids("Composition", "0"),
        ids("Patient", patient.id),
        ids("Device", "karte"),
    )
    entries: list[dict[str, Any]] = []
    fact_urls: dict[str, str] = {}
    used = {fid for s in draft.sections for sent in s.sentences for fid in sent.facts}
    for fact in draft.facts:
        if fact.id in used:
            resource = _resource(fact, patient_url)
            if resource is not None:
                url = ids(resource["resourceType"], fact.id)
                fact_urls[fact.id] = url
                entries.append({"fullUrl": url, "resource": resource})
    sections = [_section(s, draft, plan, fact_urls) for s in draft.sections]
    if recipient:
        text = " ".join(v for v in recipient.values() if v)
        sections.insert(
            0,
            {
                "title": "紹介先情報",
                "code": {
                    "coding": [
                        {
                            "system": plan.sections[0].fhir.system,
                            "code": "910",
                            "display": "紹介先情報セクション",
                        }
                    ]
                },
                "text": {"status": "additional", "div": _div([text])},
            },
        )
    composition = {
        "resourceType": "Composition",
        "meta": {"tag": [DRAFT_TAG]},
        "language": "ja",
        "status": "preliminary",
        "type": {"coding": [plan.type.model_dump()], "text": plan.title},
        "subject": {"reference": patient_url},
        "date": _fhir_time(draft.created),
        "author": [{"reference": device_url, "display": "Karte 文書下書き (draft generator)"}],
        "title": f"{draft.title}（下書き・要確認）",
        "text": {"status": "generated", "div": _div([draft.notice, *draft.warnings[:10]])},
        "section": sections,
    }
    bundle = {
        "resourceType": "Bundle",
        "identifier": {"system": "urn:ietf:rfc:3986", "value": ids("Bundle", "0")},
        "type": "document",
        "timestamp": _fhir_time(draft.created),
        "entry": [
            {"fullUrl": comp_url, "resource": composition},
            {"fullUrl": patient_url, "resource": _patient(patient)},
            {"fullUrl": device_url, "resource": _device()},
            *entries,
            {
                "fullUrl": ids("Provenance", "0"),
                "resource": _provenance(draft, comp_url, device_url, sources),
            },
        ],
    }
    validate_bundle(bundle)
    return bundle


def _section(
    section: DraftSection, draft: Draft, plan: DocumentPlan, fact_urls: dict[str, str]
) -> dict[str, Any]:
    spec = next(s for s in plan.sections if s.code == section.code)
    paragraphs = [
        ("［要確認］" if not s.supported else "") + ("［要記入］" if s.placeholder else "") + s.text
        for s in section.sentences
    ]
    out: dict[str, Any] = {
        "title": section.title,
        "code": {"coding": [spec.fhir.model_dump()]},
        "text": {"status": "generated", "div": _div(paragraphs)},
    }
    kinds = _SECTION_RESOURCES.get(section.code, ())
    refs = []
    for sentence in section.sentences:
        for fid in sentence.facts:
            fact = next((f for f in draft.facts if f.id == fid), None)
            if fact is not None and fact.kind in kinds and fid in fact_urls:
                ref = {"reference": fact_urls[fid]}
                if ref not in refs:
                    refs.append(ref)
    if refs:
        out["entry"] = refs
    if section.missing:
        out["emptyReason"] = {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/list-empty-reason", "code": "unavailable"}
            ]
        }
    return out


def _patient(patient: Patient) -> dict[str, Any]:
    out: dict[str, Any] = {"resourceType": "Patient", "gender": _GENDER.get(patient.sex, "unknown")}
    if patient.birth_date:
        out["birthDate"] = patient.birth_date.isoformat()
    if patient.name:
        out["name"] = [{"text": patient.name}]
    ids = [{"system": f"urn:karte:identifier:{k}", "value": v} for k, v in patient.identifiers.items()]
    out["identifier"] = [{"system": "urn:karte:patient", "value": patient.id}, *ids]
    return out


def _device() -> dict[str, Any]:
    from karte import __version__

    return {
        "resourceType": "Device",
        "deviceName": [{"name": "Karte", "type": "model-name"}],
        "version": [{"value": __version__}],
    }


def _resource(fact: Fact, patient_url: str) -> dict[str, Any] | None:
    subject = {"reference": patient_url}
    if fact.kind in ("diagnosis", "comorbidity"):
        coding = [
            {"system": ICD10_URI, "code": c.code, **({"display": c.display} if c.display else {})}
            for c in fact.codes
            if c.system == "icd10"
        ]
        out: dict[str, Any] = {
            "resourceType": "Condition",
            "code": {"text": fact.name or fact.text, **({"coding": coding} if coding else {})},
            "subject": subject,
        }
        if fact.status in _CONDITION_STATUS:
            out["clinicalStatus"] = {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                        "code": fact.status,
                    }
                ]
            }
        if fact.date is not None:
            out["onsetDateTime"] = fact.date.isoformat()
        return out
    if fact.kind == "medication_current":
        status = fact.status if fact.status in _MED_STATUS else "unknown"
        out = {
            "resourceType": "MedicationStatement",
            "status": status,
            "medicationCodeableConcept": {"text": fact.name or fact.text},
            "subject": subject,
            "dosage": [{"text": fact.text}],
        }
        if fact.date is not None:
            out["effectivePeriod"] = {"start": fact.date.isoformat()}
        return out
    if fact.kind == "lab" and fact.value:
        out = {
            "resourceType": "Observation",
            "status": "final",
            "code": {"text": fact.name or fact.text},
            "subject": subject,
            "valueString": fact.value,
        }
        if fact.date is not None:
            out["effectiveDateTime"] = fact.date.isoformat()
        return out
    if fact.kind == "allergy" and fact.certainty != "negative" and fact.name:
        return {"resourceType": "AllergyIntolerance", "patient": subject, "code": {"text": fact.name}}
    return None


def _provenance(
    draft: Draft, target: str, device: str, sources: Mapping[str, SourceDocument]
) -> dict[str, Any]:
    cited = {c.document for s in draft.sections for c in s.citations}
    entities = [
        {
            "role": "source",
            "what": {
                "identifier": {"system": f"urn:karte:{src.kind}", "value": src.id},
                "display": src.title or src.type or src.id,
            },
        }
        for src in sources.values()
        if src.id in cited
    ]
    out: dict[str, Any] = {
        "resourceType": "Provenance",
        "target": [{"reference": target}],
        "recorded": _fhir_time(draft.created),
        "agent": [{"who": {"reference": device}}],
    }
    if entities:
        out["entity"] = entities
    return out


def validate_bundle(bundle: dict[str, Any]) -> None:
    """fhir.resources R4B validation plus the document rules; a clear error when one fails."""
    from fhir.resources.R4B.bundle import Bundle
    from pydantic import ValidationError

    try:
        Bundle.model_validate(bundle)
    except ValidationError as exc:
        raise FhirExportError(
            f"FHIR Bundle が不正です (invalid FHIR R4B bundle): {exc}", field="fhir"
        ) from exc
    entries = bundle.get("entry") or []
    if (
        bundle.get("type") != "document"
        or not entries
        or entries[0]["resource"]["resourceType"] != "Composition"
    ):
        raise FhirExportError(
            "文書 Bundle の最初は Composition です (document bundle must start with a Composition)"
        )
    urls = {e["fullUrl"] for e in entries}
    for ref in _references(bundle):
        if ref not in urls:
            raise FhirExportError(f"参照 {ref} が Bundle 内にありません (unresolved reference)", field="fhir")
    for section in entries[0]["resource"].get("section", []):
        if not section.get("text"):
            raise FhirExportError(
                f"セクション {section.get('title')} に本文がありません (section without text)"
            )


def _references(node: Any) -> list[str]:
    out: list[str] = []
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "reference" and isinstance(v, str):
                out.append(v)
            else:
                out.extend(_references(v))
    elif isinstance(node, list):
        for v in node:
            out.extend(_references(v))
    return out
