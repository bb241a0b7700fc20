"""Export patient records as Karte JSONL or as FHIR R4 collection Bundles.

The FHIR form reads back through :func:`karte.records.loaders.fhir.load_fhir` into an equal record
for every field FHIR carries. Not carried: ``Patient.age``, ``Document.sections``/``gold``/``source``.
Choices made so that the round trip holds:

* a Karte id that is not a valid FHIR id (``[A-Za-z0-9-.]{1,64}``, e.g. ``P0001/2024-03-01_入院時記録``)
  becomes ``k-<sha1>`` and the original is kept as an identifier with system ``urn:karte:id``;
* a date-time without a time zone is written as Japan time (+09:00), as FHIR requires a zone;
  it reads back as an aware date-time;
* a local observation code not among the codings is written as a coding of ``urn:karte:local-code``;
  a text value beside a number goes in an extension ``urn:karte:value-text``;
* a medication without a status is written as ``unknown`` (the status is required in FHIR).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable
from typing import Any, TextIO

from karte.records.loaders.fhir_map import (
    KARTE_ID_SYSTEM,
    KARTE_LOCAL_CODE_SYSTEM,
    KARTE_VALUE_TEXT_URL,
    NAME_REPRESENTATION_URL,
)
from karte.records.models import Allergy, Coding, Condition, Document, Medication, Observation, PatientRecord

JSON = dict[str, Any]
JST = dt.timezone(dt.timedelta(hours=9), "JST")
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
_FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")


def to_jsonl(records: Iterable[PatientRecord], out: TextIO) -> int:
    """Write one compact JSON line per patient (UTF-8 characters as they are, no nulls); return the count."""
    n = 0
    for record in records:
        data = record.model_dump(mode="json", exclude_none=True)
        out.write(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n")
        n += 1
    return n


def fhir_id(karte_id: str) -> str:
    """``karte_id`` itself when it is a valid FHIR id, else a stable ``k-<sha1 hex>``."""
    if _FHIR_ID.match(karte_id):
        return karte_id
    return "k-" + hashlib.sha1(karte_id.encode("utf-8")).hexdigest()


def _ids(karte_id: str) -> JSON:
    fid = fhir_id(karte_id)
    out: JSON = {"id": fid}
    if fid != karte_id:
        out["identifier"] = [{"system": KARTE_ID_SYSTEM, "value": karte_id}]
    return out


def _datetime(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return (value if value.tzinfo is not None else value.replace(tzinfo=JST)).isoformat()


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _clean(value: Any) -> Any:
    """Drop ``None``, empty lists and empty dicts, recursively (FHIR forbids empty elements)."""
    if isinstance(value, dict):
        cleaned = {k: _clean(v) for k, v in value.items()}
        return {k: v for k, v in cleaned.items() if v is not None and v != [] and v != {}}
    if isinstance(value, list):
        return [c for c in (_clean(v) for v in value) if c is not None and c != {}]
    return value


def _coding(c: Coding) -> JSON:
    return {"system": c.system or None, "code": c.code, "display": c.display}


def _concept(text: str, codes: list[Coding]) -> JSON:
    return {"coding": [_coding(c) for c in codes], "text": text}


def _patient(record: PatientRecord) -> JSON:
    ids = _ids(record.id)
    identifiers = ids.pop("identifier", []) + [
        {"system": k, "value": v} for k, v in record.identifiers.items()
    ]
    names = []
    if record.name:
        rep = {"url": NAME_REPRESENTATION_URL, "valueCode": "IDE"}
        names.append({"use": "official", "text": record.name, "extension": [rep]})
    if record.name_kana:
        rep = {"url": NAME_REPRESENTATION_URL, "valueCode": "SYL"}
        names.append({"use": "usual", "text": record.name_kana, "extension": [rep]})
    return {
        "resourceType": "Patient",
        **ids,
        "identifier": identifiers,
        "name": names,
        "gender": record.sex,
        "birthDate": _date(record.birth_date),
    }


def _document(doc: Document, subject: JSON) -> JSON:
    data = base64.b64encode(doc.text.encode("utf-8")).decode("ascii")
    attachment = {
        "contentType": "text/plain; charset=utf-8",
        "language": "ja",
        "data": data,
        "title": doc.title,
    }
    return {
        "resourceType": "DocumentReference",
        **_ids(doc.id),
        "status": "current",
        "type": {"text": doc.type},
        "subject": subject,
        "date": _datetime(doc.datetime),
        "content": [{"attachment": attachment}],
    }


def _observation(obs: Observation, subject: JSON) -> JSON:
    codes = [_coding(c) for c in obs.codes]
    carried = any(c.code == obs.local_code and "local" in c.system.lower() for c in obs.codes)
    if obs.local_code is not None and not carried:
        codes.insert(
            0, {"system": KARTE_LOCAL_CODE_SYSTEM, "code": obs.local_code, "display": obs.local_name}
        )
    value: JSON = {}
    if obs.value is not None:
        value["valueQuantity"] = {"value": obs.value, "unit": obs.unit}
        if obs.value_text:
            value["extension"] = [{"url": KARTE_VALUE_TEXT_URL, "valueString": obs.value_text}]
    else:
        value["valueString"] = obs.value_text
    ref_range = {
        "low": {"value": obs.reference_low} if obs.reference_low is not None else None,
        "high": {"value": obs.reference_high} if obs.reference_high is not None else None,
        "text": obs.reference_text,
    }
    return {
        "resourceType": "Observation",
        **_ids(obs.id),
        "status": "final",
        "code": {"coding": codes, "text": obs.local_name},
        "subject": subject,
        "effectiveDateTime": _datetime(obs.datetime),
        **value,
        "referenceRange": [ref_range],
    }


def _medication(med: Medication, subject: JSON) -> JSON:
    return {
        "resourceType": "MedicationStatement",
        **_ids(med.id),
        "status": med.status or "unknown",
        "medicationCodeableConcept": _concept(med.name, med.codes),
        "subject": subject,
        "effectivePeriod": {"start": _date(med.start), "end": _date(med.end)},
        "dosage": [{"text": med.dosage}] if med.dosage else [],
        "reasonCode": [{"text": med.reason}] if med.reason else [],
    }


def _allergy(allergy: Allergy, subject: JSON) -> JSON:
    return {
        "resourceType": "AllergyIntolerance",
        **_ids(allergy.id),
        "category": allergy.category.split(",") if allergy.category else [],
        "criticality": allergy.criticality,
        "code": _concept(allergy.substance, allergy.codes),
        "patient": subject,
        "reaction": [{"manifestation": [{"text": allergy.reaction}]}] if allergy.reaction else [],
    }


def _condition(condition: Condition, subject: JSON) -> JSON:
    status = condition.clinical_status
    return {
        "resourceType": "Condition",
        **_ids(condition.id),
        "clinicalStatus": {"coding": [{"system": CONDITION_CLINICAL, "code": status}]} if status else None,
        "code": _concept(condition.name, condition.codes),
        "subject": subject,
        "onsetDateTime": _date(condition.onset),
        "abatementDateTime": _date(condition.abatement),
    }


def to_fhir_bundle(record: PatientRecord, *, base_url: str | None = None) -> JSON:
    """A FHIR R4 ``collection`` Bundle of the patient and everything recorded about them.

    References are relative (``Patient/<id>``); with ``base_url`` each entry also gets the fullUrl
    ``<base_url>/<type>/<id>``.
    """
    subject = {"reference": f"Patient/{fhir_id(record.id)}"}
    resources = [_patient(record)]
    resources += [_document(d, subject) for d in record.documents]
    resources += [_observation(o, subject) for o in record.observations]
    resources += [_medication(m, subject) for m in record.medications]
    resources += [_allergy(a, subject) for a in record.allergies]
    resources += [_condition(c, subject) for c in record.conditions]
    entries = []
    for res in resources:
        res = _clean(res)
        entry: JSON = {"resource": res}
        if base_url:
            entry = {"fullUrl": f"{base_url.rstrip('/')}/{res['resourceType']}/{res['id']}", **entry}
        entries.append(entry)
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def to_fhir_ndjson(records: Iterable[PatientRecord], out: TextIO, *, base_url: str | None = None) -> int:
    """Write one FHIR Bundle per patient per line (NDJSON); return the count."""
    n = 0
    for record in records:
        bundle = to_fhir_bundle(record, base_url=base_url)
        out.write(json.dumps(bundle, ensure_ascii=False, separators=(",", ":")) + "\n")
        n += 1
    return n
