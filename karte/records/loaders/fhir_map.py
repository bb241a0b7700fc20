"""Field mapping from one FHIR R4 resource (plain JSON) to the fields of a Karte model.

:class:`ResourceMapper` reads resources defensively (a field of the wrong shape counts as absent), so
the same code serves resources that validate with ``fhir.resources.R4B`` and those that do not. It
returns a dict of Karte fields for ``model_validate``; what it had to leave out is recorded in
:attr:`ResourceMapper.warnings`, and what makes a resource unusable raises :class:`MapError`.

The ``urn:karte:*`` systems and URLs below are written by :mod:`karte.records.export` to carry what
plain FHIR has no place for (an id that is not a valid FHIR id, a local code, a text beside a number).
"""

from __future__ import annotations

import base64
import binascii
import re
from html.parser import HTMLParser
from typing import Any

from karte.errors import InputError
from karte.records.encoding import CP932, decode_bytes, describe_encoding, is_utf8
from karte.records.loaders.text_folder import DOCUMENT_TYPES

JSON = dict[str, Any]
KARTE_ID_SYSTEM = "urn:karte:id"
KARTE_LOCAL_CODE_SYSTEM = "urn:karte:local-code"
KARTE_VALUE_TEXT_URL = "urn:karte:value-text"
NAME_REPRESENTATION_URL = "http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation"
_KANA = re.compile(r"^[\u3040-\u30ff\uff66-\uff9f\s\u3000]+$")
_FULL_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_SHIFT_JIS_NAMES = frozenset(
    {"shift_jis", "sjis", "x_sjis", "windows_31j", "ms_kanji", "csshiftjis", "cp932"}
)
_SEXES = ("male", "female", "other", "unknown")


class MapError(Exception):
    """The resource lacks something Karte needs; ``field`` is the FHIR path."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message, self.field = message, field


def obj(x: Any) -> JSON:
    return x if isinstance(x, dict) else {}


def objs(x: Any) -> list[JSON]:
    return [i for i in x if isinstance(i, dict)] if isinstance(x, list) else []


def text(x: Any) -> str | None:
    return x if isinstance(x, str) and x.strip() else None


def cc_text(cc: JSON) -> str | None:
    """The text of a CodeableConcept, else its first coding display."""
    return text(cc.get("text")) or next(
        (text(c.get("display")) for c in objs(cc.get("coding")) if text(c.get("display"))), None
    )


def codings(cc: JSON, *, skip: str | None = None) -> list[JSON]:
    """Karte :class:`Coding` fields of every coding that has a code (system ``""`` when absent)."""
    return [
        {"system": text(c.get("system")) or "", "code": c["code"], "display": text(c.get("display"))}
        for c in objs(cc.get("coding"))
        if text(c.get("code")) and c.get("system") != skip
    ]


def karte_id(res: JSON) -> str | None:
    """The Karte id: from the ``urn:karte:id`` identifier if there is one, else the FHIR id."""
    ident = res.get("identifier")
    for i in objs(ident) or [obj(ident)]:
        if i.get("system") == KARTE_ID_SYSTEM and text(i.get("value")):
            return str(i["value"])
    return text(res.get("id"))


def reference_target(ref: str) -> tuple[str, str]:
    """``Patient/P1``, ``http://x/fhir/Patient/P1/_history/2`` → ``("Patient", "P1")``."""
    parts = ref.split("/_history/")[0].rstrip("/").split("/")
    return (parts[-2], parts[-1]) if len(parts) >= 2 else ("", ref)


class _XhtmlText(HTMLParser):
    _BREAKS = frozenset(
        {"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def xhtml_to_text(div: str) -> str:
    """Text of an XHTML narrative: tags removed, block elements as line breaks, blank lines dropped."""
    parser = _XhtmlText()
    parser.feed(div)
    parser.close()
    lines = [line.strip() for line in "".join(parser.parts).splitlines()]
    return "\n".join(line for line in lines if line)


def _name(n: JSON) -> tuple[str, bool, str | None]:
    """(text, is kana, use) of a HumanName; kana by its representation (SYL, not IDE), else its characters."""
    given: list[Any] = n["given"] if isinstance(n.get("given"), list) else []
    full = text(n.get("text")) or " ".join(x for x in [n.get("family"), *given] if text(x))
    reps = {e.get("valueCode") for e in objs(n.get("extension")) if e.get("url") == NAME_REPRESENTATION_URL}
    kana = "SYL" in reps or ("IDE" not in reps and bool(_KANA.match(full)))
    return full, bool(full) and kana, text(n.get("use"))


def _is_text(att: JSON) -> bool:
    ctype = str(att.get("contentType") or "text/plain").lower()
    return ctype.startswith("text/") or "json" in ctype or "xml" in ctype


def _charset(content_type: Any) -> str | None:
    """The declared charset; Shift_JIS in any spelling means CP932, which is what Japanese systems write."""
    m = re.search(r"charset\s*=\s*\"?([\w.:-]+)", str(content_type or ""), re.IGNORECASE)
    if not m:
        return None
    return CP932 if m[1].lower().replace("-", "_") in _SHIFT_JIS_NAMES else m[1]


class ResourceMapper:
    """Maps resources of one Bundle; ``conditions`` ("Condition/<id>" → name) resolves medication reasons."""

    def __init__(self, conditions: dict[str, str] | None = None) -> None:
        self.conditions = conditions or {}
        self.warnings: list[tuple[str, str, str]] = []  # (type, message, FHIR field)

    def fields(self, res: JSON) -> JSON:
        """Karte fields of ``res`` (without ``id``/``patient_id``); clears and refills :attr:`warnings`."""
        self.warnings = []
        rt = str(res.get("resourceType"))
        mapper = getattr(self, f"map_{rt.lower()}", None)
        if mapper is None:
            raise MapError(f"未対応のリソース型 {rt} です (unsupported resource type {rt})", "resourceType")
        out: JSON = mapper(res)
        return {k: v for k, v in out.items() if v is not None}

    def date(self, value: Any, field: str, *, with_time: bool = False) -> str | None:
        """A full date (``YYYY-MM-DD``) or dateTime; a partial date (``1972``) is left out with a warning."""
        if value is None:
            return None
        if isinstance(value, str) and _FULL_DATE.match(value):
            return value if with_time else value[:10]
        self.warnings.append(
            (
                "partial_date",
                f"日付 {value!r} は年月日がそろっていないため読み込みません (incomplete date ignored)",
                field,
            )
        )
        return None

    def map_patient(self, res: JSON) -> JSON:
        names = [_name(n) for n in objs(res.get("name"))]
        kana = next((t for t, k, use in names if k and use == "usual"), None) or next(
            (t for t, k, _ in names if k), None
        )
        idents: dict[str, str] = {}
        for i in objs(res.get("identifier")):
            system, value = (
                text(i.get("system")) or cc_text(obj(i.get("type"))) or "identifier",
                text(i.get("value")),
            )
            if value and system != KARTE_ID_SYSTEM:
                idents[system if system not in idents else f"{system}#{len(idents) + 1}"] = value
        gender = res.get("gender")
        if gender is not None and gender not in _SEXES:
            self.warnings.append(
                ("invalid_value", f"性別の値 {gender!r} が不正です (invalid gender)", "gender")
            )
        return {
            "birth_date": self.date(res.get("birthDate"), "birthDate"),
            "sex": gender if gender in _SEXES else None,
            "name": next((t for t, k, _ in names if t and not k), None),
            "name_kana": kana,
            "identifiers": idents,
        }

    def map_documentreference(self, res: JSON) -> JSON:
        contents = [obj(c.get("attachment")) for c in objs(res.get("content"))]
        att = next((a for a in contents if a.get("data") and _is_text(a)), None)
        if att is None:
            why = (
                "URL だけで本文データ (data) がありません"
                if any(a.get("url") for a in contents)
                else "本文がありません"
            )
            raise MapError(
                f"{why}。テキストの attachment.data が必要です (no text attachment data)", "content"
            )
        try:
            raw = base64.b64decode(str(att["data"]), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise MapError(
                "添付データが base64 ではありません (data is not base64)", "content.attachment.data"
            ) from exc
        description, type_text = text(res.get("description")), cc_text(obj(res.get("type")))
        doc_type = description if description in DOCUMENT_TYPES else type_text
        return {
            "type": doc_type,
            "title": description if description and doc_type != description else text(att.get("title")),
            "datetime": self.date(res.get("date"), "date", with_time=True),
            "text": self.decode(raw, _charset(att.get("contentType"))),
        }

    def decode(self, raw: bytes, charset: str | None) -> str:
        """Decode attachment bytes with the declared charset, else by detection (with a warning)."""
        if charset:
            try:
                return raw.decode(charset)
            except (LookupError, UnicodeDecodeError):
                pass
        try:
            decoded, enc = decode_bytes(raw, source="attachment")
        except InputError as exc:
            raise MapError(exc.message, "content.attachment.data") from exc
        if charset or not is_utf8(enc):
            name = describe_encoding(enc)
            self.warnings.append(
                (
                    "converted_encoding",
                    f"本文を {name} として読み込みました (宣言: {charset or 'なし'}) "
                    f"(decoded as {name}; declared charset: {charset or 'none'})",
                    "content.attachment.contentType",
                )
            )
        return decoded

    def map_composition(self, res: JSON) -> JSON:
        parts: list[str] = []

        def walk(sections: list[JSON]) -> None:
            for s in sections:
                body = xhtml_to_text(str(obj(s.get("text")).get("div", "")))
                title = text(s.get("title")) or cc_text(obj(s.get("code")))
                parts.append("\n".join(x for x in (f"【{title}】" if title else None, body) if x))
                walk(objs(s.get("section")))

        walk(objs(res.get("section")))
        return {
            "type": cc_text(obj(res.get("type"))),
            "title": text(res.get("title")),
            "datetime": self.date(res.get("date"), "date", with_time=True),
            "text": "\n".join(p for p in parts if p),
        }

    def map_observation(self, res: JSON) -> JSON:
        code = obj(res.get("code"))
        coding = objs(code.get("coding"))
        local = next((c for c in coding if c.get("system") == KARTE_LOCAL_CODE_SYSTEM), None)
        local = local or next((c for c in coding if "local" in str(c.get("system", "")).lower()), {})
        quantity = obj(res.get("valueQuantity"))
        value_text = text(res.get("valueString")) or cc_text(obj(res.get("valueCodeableConcept")))
        if isinstance(res.get("valueBoolean"), bool):
            value_text = "true" if res["valueBoolean"] else "false"
        for ext in objs(res.get("extension")):
            if ext.get("url") == KARTE_VALUE_TEXT_URL and value_text is None:
                value_text = text(ext.get("valueString"))
        ranges = objs(res.get("referenceRange"))
        rng = ranges[0] if ranges else {}
        when = (
            res.get("effectiveDateTime")
            or res.get("effectiveInstant")
            or obj(res.get("effectivePeriod")).get("start")
        )
        return {
            "local_name": text(code.get("text"))
            or text(local.get("display"))
            or cc_text(code)
            or text(local.get("code")),
            "local_code": text(local.get("code")),
            "value": quantity.get("value", res.get("valueInteger")),
            "value_text": value_text,
            "unit": text(quantity.get("unit")) or text(quantity.get("code")),
            "reference_low": obj(rng.get("low")).get("value"),
            "reference_high": obj(rng.get("high")).get("value"),
            "reference_text": text(rng.get("text")),
            "datetime": self.date(when, "effectiveDateTime", with_time=True),
            "codes": codings(code, skip=KARTE_LOCAL_CODE_SYSTEM),
        }

    def map_medicationstatement(self, res: JSON) -> JSON:
        med = obj(res.get("medicationCodeableConcept"))
        reasons = objs(res.get("reasonReference"))
        reason = next((text(r.get("display")) for r in reasons if text(r.get("display"))), None)
        for r in reasons:
            target = "/".join(reference_target(str(r.get("reference", ""))))
            reason = reason or self.conditions.get(target)
        period = obj(res.get("effectivePeriod"))
        dosage = [t for t in (text(d.get("text")) for d in objs(res.get("dosage"))) if t]
        return {
            "name": cc_text(med) or text(obj(res.get("medicationReference")).get("display")),
            "codes": codings(med),
            "status": text(res.get("status")),
            "dosage": "; ".join(dosage) or None,
            "start": self.date(period.get("start") or res.get("effectiveDateTime"), "effectivePeriod.start"),
            "end": self.date(period.get("end"), "effectivePeriod.end"),
            "reason": reason or next((cc_text(c) for c in objs(res.get("reasonCode")) if cc_text(c)), None),
        }

    def map_allergyintolerance(self, res: JSON) -> JSON:
        code = obj(res.get("code"))
        manifestations = [cc_text(m) for r in objs(res.get("reaction")) for m in objs(r.get("manifestation"))]
        category = [c for c in res.get("category") or [] if isinstance(c, str)]
        return {
            "substance": cc_text(code),
            "codes": codings(code),
            "category": ",".join(category) or None,
            "reaction": "、".join(m for m in manifestations if m) or None,
            "criticality": text(res.get("criticality")),
        }

    def map_condition(self, res: JSON) -> JSON:
        code, status = obj(res.get("code")), obj(res.get("clinicalStatus"))
        onset = res.get("onsetDateTime") or obj(res.get("onsetPeriod")).get("start")
        abatement = res.get("abatementDateTime") or obj(res.get("abatementPeriod")).get("start")
        return {
            "name": cc_text(code),
            "codes": codings(code),
            "clinical_status": next((text(c.get("code")) for c in objs(status.get("coding"))), None)
            or text(status.get("text")),
            "onset": self.date(onset, "onsetDateTime"),
            "abatement": self.date(abatement, "abatementDateTime"),
        }
