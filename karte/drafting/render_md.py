"""Markdown rendering of a draft: sections, numbered citations quoting the sources, marks for review."""

from __future__ import annotations

from collections.abc import Mapping

from karte.drafting.models import DRAFT_NOTICE_EN, Citation, Draft, DraftSentence, SourceDocument

QUOTE_CHARS = 60


def _marked(sentence: DraftSentence) -> str:
    """The sentence with unsupported words wrapped in ``**［要確認: …］**``."""
    text = sentence.text
    out = []
    at = 0
    for issue in sorted(sentence.issues, key=lambda i: i.start):
        if issue.start < at:
            continue
        out.append(text[at : issue.start])
        out.append(f"**［要確認: {text[issue.start : issue.end]}］**")
        at = issue.end
    out.append(text[at:])
    return "".join(out)


def render_markdown(draft: Draft, sources: Mapping[str, SourceDocument]) -> str:
    numbers: dict[tuple[str, int, int], int] = {}
    order: list[Citation] = []

    def ref(c: Citation) -> str:
        if c.key() not in numbers:
            numbers[c.key()] = len(numbers) + 1
            order.append(c)
        return f"[^{numbers[c.key()]}]"

    lines = [
        f"# {draft.title}（下書き・要確認）",
        "",
        f"> **{draft.notice}** ({DRAFT_NOTICE_EN})",
        "",
        f"患者 {draft.patient_id or '—'} ・ 作成 {draft.created.isoformat(timespec='minutes')}"
        f" ・ 方式 {draft.mode}",
        "",
    ]
    for section in draft.sections:
        lines.append(f"## {section.title}")
        lines.append("")
        for s in section.sentences:
            if s.placeholder:
                lines.append(f"- *［要記入］{s.text}*")
                continue
            refs = "".join(ref(c) for c in s.citations)
            flag = "" if s.supported else " ⚠ 根拠を確認できない記述あり"
            lines.append(f"- {_marked(s)}{refs}{flag}")
        lines.append("")
    if draft.warnings:
        lines += ["## 注意 (warnings)", ""]
        lines += [f"- {w}" for w in draft.warnings]
        lines.append("")
    if order:
        lines += ["## 出典 (sources)", ""]
        for c in order:
            src = sources.get(c.document)
            quote = src.text[c.start : c.end] if src is not None else ""
            quote = " ".join(quote.split())
            if len(quote) > QUOTE_CHARS:
                quote = quote[:QUOTE_CHARS] + "…"
            what = f"{src.title or src.type}" if src is not None else "不明な出典"
            lines.append(f"[^{numbers[c.key()]}]: {c.document} [{c.start}:{c.end}] {what}「{quote}」")
        lines.append("")
    return "\n".join(lines)
