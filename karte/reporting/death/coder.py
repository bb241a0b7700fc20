"""Code one death certificate: lines → ICD-10/ICD-11, underlying cause, external cause, evidence.

``DeathCoder(icd10, icd11).code(certificate)``; build it once (it holds the dictionaries) and reuse it.
"""

from __future__ import annotations

from karte.evidence import Evidence, EvidenceSource, Span
from karte.reporting.death.cause_coder import CauseCoder
from karte.reporting.death.certificate import DeathCertificate, WrittenCondition, written_conditions
from karte.reporting.death.code_ranges import chapter_xix, external_cause
from karte.reporting.death.conditions import Condition
from karte.reporting.death.external import ExternalCauseCoder, ExternalCode, SourceText
from karte.reporting.death.manner import Manner, parse_manner
from karte.reporting.death.modification import modify
from karte.reporting.death.result import (
    CodedLine,
    DeathCodeResult,
    ExternalCause,
    MannerOut,
    PlaceOfOccurrence,
    RuleStep,
    UnderlyingCause,
)
from karte.reporting.death.selection import Selection, select
from karte.reporting.death.tables import modification_table
from karte.terminology.icd10 import ICD10
from karte.terminology.icd11 import ICD11

RULE_SCORE = {"GP": 0.95, "Rule 1": 0.9, "Rule 2": 0.85, "Rule 3": 0.85}


class DeathCoder:
    def __init__(self, icd10: ICD10, icd11: ICD11) -> None:
        self.icd10 = icd10
        self.icd11 = icd11
        self.external = ExternalCauseCoder(icd10, icd11)
        self.causes = CauseCoder(icd10, self.external.event_of)

    def warm(self) -> None:
        """Build the terminology package's ranked-search index now (else on the first unknown phrase)."""
        self.icd10.search("左下腿のしこり様の腫れ", 1)  # no exact entry: builds the fuzzy index too

    # -- lines -----------------------------------------------------------------------------------
    def _code_written(self, w: WrittenCondition, order: int) -> list[Condition]:
        """One written condition → its coded condition(s); 「AによるB」 gives B, then A (one level lower)."""
        text = w.text
        parts = CauseCoder.due_to_parts(text)
        whole = self.causes.code(text) if len(parts) == 1 else self.causes.code_exact(text)
        if whole is not None:
            parts = [(0, len(text))]
        out: list[Condition] = []
        for depth, (s, e) in enumerate(parts):
            piece = text[s:e]
            coded = whole if (whole is not None and depth == 0) else self.causes.code(piece)
            start = w.start + s + (coded.start if coded else 0)
            end = w.start + s + (coded.end if coded else len(piece))
            shown = w.field_text[start:end].strip() or piece.strip()
            out.append(
                Condition(
                    order=order + depth,
                    line=w.line,
                    level=depth,  # relative; made absolute by the caller
                    text=shown,
                    field=w.field,
                    start=start,
                    end=end,
                    icd10=coded.icd10 if coded else None,
                    display=coded.display if coded else "",
                    method=coded.method if coded else "none",
                    score=coded.score if coded else 0.0,
                    rationale=coded.rationale
                    if coded
                    else "コード表に該当なし (no code in the loaded table fits)",
                    interval_text=w.interval_text if depth == 0 else None,
                    interval_days=w.interval_days if depth == 0 else None,
                    mechanism=coded.mechanism if coded else None,
                    derived=depth > 0,
                )
            )
        return out

    def conditions(self, cert: DeathCertificate) -> list[Condition]:
        out: list[Condition] = []
        base = 0
        current_line: str | None = None
        line_depth = 0
        for w in written_conditions(cert):
            if w.line != current_line:
                if current_line is not None and current_line != "II":
                    base += line_depth + 1
                current_line, line_depth = w.line, 0
            coded = self._code_written(w, len(out))
            for c in coded:
                depth = c.level
                c.level = -1 if w.line == "II" else base + depth
                line_depth = max(line_depth, depth)
            out.extend(coded)
        return out

    # -- the certificate -------------------------------------------------------------------------
    def code(self, cert: DeathCertificate) -> DeathCodeResult:
        manner = parse_manner(cert.manner)
        conditions = self.conditions(cert)
        warnings = [
            f"{c.line}「{c.text}」: コードできません (no ICD-10 code fits; review)"
            for c in conditions
            if not c.coded
        ]
        lines = [self._line(c) for c in conditions]
        selection = select(conditions)
        if selection is not None:
            modify(selection, conditions, self.icd10, select)
        injuries = [
            c.icd10 for c in conditions if c.icd10 and (chapter_xix(c.icd10) or external_cause(c.icd10))
        ]
        ext: ExternalCode | None = None
        sources = self._sources(cert, conditions, manner)
        if (manner is not None and manner.external) or injuries:
            ext = self.external.code(sources, manner, injuries)
        underlying = self._underlying(selection, ext, manner, injuries, warnings)
        if manner is not None and manner.intent == "natural" and injuries:
            warnings.append(
                "死因の種類は病死だが損傷・外因の記載あり (manner natural but injuries reported; review)"
            )
        if manner is not None and manner.external and not injuries and selection is not None:
            warnings.append(
                "死因の種類は外因死だが損傷の記載なし (manner external but no injury on the lines; review)"
            )
        texts = {src.field: src.original for src in sources}
        external_out = self._external_out(ext, texts) if ext is not None else None
        evidence = [line.evidence for line in lines if line.icd10 and line.line == underlying.line][:1]
        if external_out is not None:
            evidence.append(external_out.evidence)
        return DeathCodeResult(
            underlying=underlying,
            external_cause=external_out,
            lines=lines,
            manner=MannerOut(code=manner.code, label=manner.display(), intent=manner.intent)
            if manner
            else None,
            evidence=evidence,
            warnings=warnings,
        )

    def _sources(
        self, cert: DeathCertificate, conditions: list[Condition], manner: Manner | None
    ) -> list[SourceText]:
        sources: list[SourceText] = []
        if cert.external and cert.external.circumstance:
            sources.append(SourceText("external.circumstance", cert.external.circumstance))
        seen: set[str] = set()
        for c in conditions:
            if c.field not in seen:
                seen.add(c.field)
                value = _field_text(cert, c.field)
                if value:
                    sources.append(SourceText(c.field, value))
        if cert.external and cert.external.place:
            sources.append(SourceText("external.place", cert.external.place))
        if manner is not None and manner.text:
            sources.append(SourceText("manner", manner.text))
        return sources

    def _underlying(
        self,
        selection: Selection | None,
        ext: ExternalCode | None,
        manner: Manner | None,
        injuries: list[str],
        warnings: list[str],
    ) -> UnderlyingCause:
        if selection is None:
            if ext is not None:
                return UnderlyingCause(
                    icd10=ext.icd10,
                    icd11=ext.icd11,
                    display=self.icd10.display(ext.icd10, "ja"),
                    rule="external cause",
                    steps=[
                        RuleStep(rule="external cause", icd10=ext.icd10, explanation="; ".join(ext.rationale))
                    ],
                    score=ext.score * 0.8,
                )
            if manner is not None and manner.default_icd10 and self.icd10.validate(manner.default_icd10).ok:
                default_code: str = manner.default_icd10
                return UnderlyingCause(
                    icd10=default_code,
                    icd11=self.icd11.map_icd10(default_code),
                    display=self.icd10.display(default_code, "ja"),
                    rule="manner only",
                    score=0.5,
                    steps=[
                        RuleStep(
                            rule="manner only",
                            icd10=default_code,
                            explanation="傷病名の記載なし: 死因の種類から (no condition coded)",
                        )
                    ],
                )
            warnings.append("原死因を選択できません: コードできる傷病名がありません (no codable condition)")
            return UnderlyingCause(icd10=None, score=0.0)
        sel = selection.condition
        steps = [
            RuleStep(rule=s.rule, icd10=s.condition.icd10, explanation=s.explanation) for s in selection.steps
        ]
        code = sel.icd10
        assert code is not None
        # An external manner with injuries, or with only modes of dying (出血性ショック, 心肺停止) selected,
        # is coded to its external cause.
        vague = code in modification_table().ill_defined or code in modification_table().senility
        external_selected = (
            chapter_xix(code)
            or external_cause(code)
            or (manner is not None and manner.external and (bool(injuries) or vague))
        )
        if ext is not None and external_selected:
            steps.append(
                RuleStep(
                    rule="external cause",
                    icd10=ext.icd10,
                    explanation=(
                        f"損傷・中毒（{code}）の原死因は外因で表す "
                        "(ICD-10 Vol.2 §4.1.2: for injuries the external cause "
                        f"is the underlying cause) → {ext.icd10} {ext.label}; " + "; ".join(ext.rationale)
                    ),
                )
            )
            return UnderlyingCause(
                icd10=ext.icd10,
                icd11=ext.icd11,
                display=self.icd10.display(ext.icd10, "ja"),
                rule="external cause",
                line=sel.line,
                text=sel.text,
                steps=steps,
                score=round(min(sel.score, ext.score), 3),
            )
        icd11 = self.icd11.map_icd10(code)
        if icd11 is None:
            warnings.append(f"ICD-11 への対応がありません ({code}) (no ICD-11 map row)")
        score = round(sel.score * RULE_SCORE.get(selection.rule, 0.85), 3)
        return UnderlyingCause(
            icd10=code,
            icd11=icd11,
            display=sel.display or self.icd10.display(code, "ja"),
            rule=selection.rule,
            line=sel.line,
            text=sel.text,
            steps=steps,
            score=score,
        )

    def _line(self, c: Condition) -> CodedLine:
        icd11 = self.icd11.map_icd10(c.icd10) if c.icd10 and not external_cause(c.icd10) else None
        span = Span(start=c.start, end=c.end, text=c.text, section=c.field)
        return CodedLine(
            line=c.line,
            position=c.order,
            text=c.text,
            icd10=c.icd10,
            icd11=icd11,
            display=c.display or None,
            method=c.method,
            interval=c.interval_text,
            interval_days=c.interval_days,
            derived=c.derived,
            score=c.score,
            evidence=Evidence(spans=[span], rationale=c.rationale, source=_source(c.method), score=c.score),
        )

    def _external_out(self, ext: ExternalCode, texts: dict[str, str]) -> ExternalCause:
        place = None
        if ext.place is not None:
            icd11_place = (
                ext.place.icd11 if ext.place.icd11 and self.icd11.validate(ext.place.icd11).ok else None
            )
            place = PlaceOfOccurrence(
                code=ext.place.code, label=ext.place.label, label_en=ext.place.label_en, icd11=icd11_place
            )
        spans = [Span.of(texts[f], s, e, section=f) for f, s, e in ext.spans if f in texts]
        return ExternalCause(
            icd10=ext.icd10,
            icd11=ext.icd11,
            display=self.icd10.display(ext.icd10, "ja"),
            intent=ext.intent,
            mechanism=ext.mechanism,
            label=ext.label,
            place=place,
            icd11_note=ext.icd11_note or None,
            score=ext.score,
            evidence=Evidence(
                spans=spans, rationale="; ".join(ext.rationale), source="rule", score=ext.score
            ),
        )


def _source(method: str) -> EvidenceSource:
    return "rule" if method in ("none", "external", "rule") else "dictionary"


def _field_text(cert: DeathCertificate, field: str) -> str | None:
    name = field.removeprefix("causes.")
    index = None
    if "[" in name:
        name, _, rest = name.partition("[")
        index = int(rest.rstrip("]"))
    value = cert.causes.value(name)
    if isinstance(value, list):
        return value[index or 0] if value else None
    return value
