"""Is there a notifiable disease in these notes, and of which kind of case?

For each disease named where the extractor found a disease mention:

- a **current, positive** diagnosis → checked against the 届出基準 (``confirm``: combinations of
  criteria). Met → *confirmed*; not documented → *unconfirmed* (still notifiable: the physician has
  made the diagnosis; the draft lists the missing findings);
- **suspected** only → notifiable as 疑似症患者 where the law says so (1類, 結核・SARS・MERS・鳥インフル
  エンザ H5N1/H7N9, 新型インフルエンザ等: ``suspected: true``), unless the criteria are met anyway;
- negated, past history, family history, general statements → not notifiable (listed as considered);
- 定点 diseases (インフルエンザ …) → no individual notification (*sentinel*).

Besides, a laboratory finding that by itself meets the 届出基準 (血液培養から髄膜炎菌を検出) makes a
*lab-confirmed* case even when no diagnosis is written, for combinations marked ``lab_only``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from karte.reporting.diseases.table import CATEGORY_ORDER, Confirmation, Disease, NotifiableTable
from karte.reporting.notify.criteria import CriteriaReader, Finding
from karte.reporting.notify.findings import DiseaseHit, DiseaseIndex, LookalikeHit, Note

STATUS_ORDER = {"confirmed": 0, "lab_confirmed": 1, "unconfirmed": 2, "suspected": 3}


@dataclass
class Candidate:
    disease: Disease
    status: str  # confirmed | lab_confirmed | unconfirmed | suspected | sentinel | not_reportable
    notifiable: bool
    case_type: str | None
    hits: list[DiseaseHit] = field(default_factory=list)
    findings: dict[str, Finding] = field(default_factory=dict)
    confirmation: Confirmation | None = None
    reason: str = ""

    @property
    def met(self) -> list[Finding]:
        """Criteria met: the confirming combination, plus other criteria that confirm on their own;
        without a confirmation, every criterion met (partial evidence for the physician)."""
        if self.confirmation is None:
            return [f for f in self.findings.values() if f.met]
        first = [self.findings[c] for c in self.confirmation.all if c in self.findings]
        alone = {
            conf.all[0] for conf in self.disease.confirmations() if len(conf.all) == 1 and not conf.carrier
        }
        rest = [f for k, f in self.findings.items() if f.met and f not in first and k in alone]
        return [f for f in first if f.met] + rest

    def sort_key(self) -> tuple[int, int, int]:
        return (
            0 if self.notifiable else 1,
            CATEGORY_ORDER.get(self.disease.category, 9),
            STATUS_ORDER.get(self.status, 9),
        )


@dataclass
class Considered:
    """A mention that was looked at and did not lead to a notification, and why."""

    name: str
    reason: str
    spans: list[tuple[Note, int, int]] = field(default_factory=list)


def _satisfied(
    disease: Disease, findings: dict[str, Finding], *, carriers: bool, lab_only: bool
) -> Confirmation | None:
    for conf in disease.confirmations():
        if conf.carrier and not carriers:
            continue
        if lab_only and not (
            conf.lab_only
            and all((c := disease.criterion(cid)) is not None and c.kind == "lab" for cid in conf.all)
        ):
            continue
        if all(cid in findings and findings[cid].met for cid in conf.all):
            return conf
    return None


class Decider:
    def __init__(
        self, table: NotifiableTable, index: DiseaseIndex, reader: CriteriaReader | None = None
    ) -> None:
        self.table = table
        self.index = index
        self.reader = reader or CriteriaReader()

    def decide(self, notes: list[Note]) -> tuple[list[Candidate], list[Considered]]:
        hits: list[DiseaseHit] = []
        lookalikes: list[LookalikeHit] = []
        for note in notes:
            note_hits, note_lookalikes = self.index.find(note)
            hits.extend(note_hits)
            lookalikes.extend(note_lookalikes)
        considered = [Considered(lk.term, f"届出対象外の類似名: {lk.why}") for lk in lookalikes]
        by_disease: dict[str, list[DiseaseHit]] = {}
        for h in hits:
            by_disease.setdefault(h.disease.id, []).append(h)
        candidates: list[Candidate] = []
        for disease_hits in by_disease.values():
            cand = self._from_hits(disease_hits[0].disease, disease_hits, notes, considered)
            if cand is not None:
                candidates.append(cand)
        named = {c.disease.id for c in candidates}
        for disease in self.index.rows:
            if disease.id in named or not disease.notifiable or not disease.lab_only:
                continue
            cand = self._lab_only(disease, notes)
            if cand is not None:
                candidates.append(cand)
        candidates.sort(key=Candidate.sort_key)
        return candidates, considered

    def _from_hits(
        self, disease: Disease, hits: list[DiseaseHit], notes: list[Note], considered: list[Considered]
    ) -> Candidate | None:
        current = [h for h in hits if h.current_positive]
        suspected = [h for h in hits if h.suspected]
        for h in hits:
            if not h.current_positive and not h.suspected:
                considered.append(
                    Considered(h.term, f"{disease.name}: {h.why_not()}", [(h.note, h.start, h.end)])
                )
        if not current and not suspected:
            return None
        used = current or suspected
        if disease.requires_context and not self.reader.context(notes, [disease.requires_context]):
            other = self.table.get(disease.otherwise) if disease.otherwise else None
            reason = f"{disease.name}: 「{disease.requires_context}」の記載がないため全数届出の対象外"
            if other is not None:
                return Candidate(
                    other, "sentinel", False, None, used, reason=reason + f" → {other.name}（定点把握）"
                )
            considered.append(Considered(used[0].term, reason, [(used[0].note, used[0].start, used[0].end)]))
            return None
        if not disease.notifiable:
            return Candidate(
                disease,
                "sentinel",
                False,
                None,
                used,
                reason=(
                    f"{disease.name} は{disease.category}定点把握: 個別の発生届は不要 "
                    "(sentinel surveillance only)"
                ),
            )
        findings = self.reader.evaluate(disease, notes)
        carrier_hit = any(h.carrier for h in used)
        conf = _satisfied(disease, findings, carriers=carrier_hit, lab_only=False)
        if current:
            if conf is not None:
                case = "無症状病原体保有者" if carrier_hit and disease.carriers else conf.case
                return Candidate(
                    disease,
                    "confirmed",
                    True,
                    case,
                    used,
                    findings,
                    conf,
                    "診断の記載と届出基準の所見あり (diagnosis and criteria documented)",
                )
            case = "無症状病原体保有者" if carrier_hit and disease.carriers else "患者（確定例）"
            return Candidate(
                disease,
                "unconfirmed",
                True,
                case,
                used,
                findings,
                None,
                "診断の記載あり。届出基準を満たす所見の記載が見当たらない: 医師の確認が必要 "
                "(criteria not documented)",
            )
        if conf is not None:
            return Candidate(
                disease,
                "confirmed",
                True,
                conf.case,
                used,
                findings,
                conf,
                "疑いの記載だが届出基準の所見あり (suspected in words, criteria met)",
            )
        if disease.suspected:
            return Candidate(
                disease,
                "suspected",
                True,
                "疑似症患者",
                used,
                findings,
                None,
                f"{disease.category}の疑似症患者は届出対象 (法第8条; 令第4条)",
            )
        considered.append(
            Considered(
                used[0].term,
                f"{disease.name}: 疑い例は届出対象外（{disease.category}は疑似症の届出なし）",
                [(h.note, h.start, h.end) for h in used[:1]],
            )
        )
        return Candidate(
            disease,
            "not_reportable",
            False,
            None,
            used,
            findings,
            None,
            f"{disease.name} の疑い: {disease.category}は疑似症患者の届出対象ではない "
            "(suspected cases are not notified)",
        )

    def _lab_only(self, disease: Disease, notes: list[Note]) -> Candidate | None:
        lab = [c for c in disease.criteria if c.kind == "lab"]
        if not lab:
            return None
        findings = self.reader.evaluate(disease, notes)
        conf = _satisfied(disease, findings, carriers=False, lab_only=True)
        if conf is None:
            return None
        return Candidate(
            disease,
            "lab_confirmed",
            True,
            conf.case,
            [],
            findings,
            conf,
            "病名の記載はないが検査所見が届出基準を満たす "
            "(laboratory criteria met without a written diagnosis)",
        )
