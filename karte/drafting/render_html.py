"""HTML rendering for review: the draft beside its sources, every citation highlighted in the source.

Each sentence ends with numbered links; each number is a ``<mark>`` in the source text (overlapping
citations are split into segments that carry all their numbers). Unsupported words are struck through
and marked 要確認; gaps to fill are marked 要記入. The page is static and self-contained (no scripts).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from functools import lru_cache

import jinja2
from markupsafe import Markup, escape

from karte.drafting.models import DRAFT_NOTICE_EN, Citation, Draft, DraftSentence, SourceDocument


@lru_cache(maxsize=1)
def _template() -> jinja2.Template:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("karte.drafting", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("draft.html.j2")


def sentence_html(sentence: DraftSentence, numbers: dict[tuple[str, int, int], int]) -> Markup:
    text = sentence.text
    parts: list[Markup] = []
    at = 0
    for issue in sorted(sentence.issues, key=lambda i: i.start):
        if issue.start < at:
            continue
        parts.append(escape(text[at : issue.start]))
        parts.append(
            Markup('<span class="unsupported" title="{}">{}</span>').format(
                issue.reason, text[issue.start : issue.end]
            )
        )
        at = issue.end
    parts.append(escape(text[at:]))
    links = [
        Markup('<a class="ref" href="#c{0}">[{0}]</a>').format(numbers[c.key()]) for c in sentence.citations
    ]
    return Markup("").join(parts) + Markup("").join(links)


def highlighted_source(source: SourceDocument, cites: list[tuple[int, Citation]]) -> Markup:
    """The source text with each cited span wrapped in ``<mark>`` (split where citations overlap)."""
    text = source.text
    points = sorted({0, len(text), *(c.start for _, c in cites), *(c.end for _, c in cites)})
    out: list[Markup] = []
    anchored: set[int] = set()
    for a, b in itertools.pairwise(points):
        if a >= b:
            continue
        covering = [n for n, c in cites if c.start <= a and b <= c.end]
        piece = text[a:b]
        if not covering:
            out.append(escape(piece))
            continue
        starting = [n for n in covering if n not in anchored]
        anchored.update(starting)
        anchor = Markup(' id="c{}"').format(starting[0]) if starting else Markup("")
        extra = Markup("").join(
            Markup('<span class="anchor" id="c{}"></span>').format(n) for n in starting[1:]
        )
        labels = " ".join(f"[{n}]" for n in covering)
        out.append(extra + Markup('<mark{} title="{}">{}</mark>').format(anchor, labels, piece))
    return Markup("").join(out)


def render_html(
    draft: Draft, sources: Mapping[str, SourceDocument], recipient: Mapping[str, str] | None = None
) -> str:
    numbers: dict[tuple[str, int, int], int] = {}
    for section in draft.sections:
        for sentence in section.sentences:
            for c in sentence.citations:
                numbers.setdefault(c.key(), len(numbers) + 1)
    sections = [
        {
            "title": s.title,
            "missing": s.missing,
            "sentences": [
                {
                    "html": sentence_html(x, numbers),
                    "placeholder": x.placeholder,
                    "supported": x.supported,
                    "llm": x.source == "llm",
                }
                for x in s.sentences
            ],
        }
        for s in draft.sections
    ]
    by_doc: dict[str, list[tuple[int, Citation]]] = {}
    for key, n in numbers.items():
        by_doc.setdefault(key[0], []).append((n, Citation(document=key[0], start=key[1], end=key[2])))
    cited_sources = [
        {
            "id": src.id,
            "kind": src.kind,
            "title": src.title or src.type or src.id,
            "date": src.date.isoformat(timespec="minutes") if src.date else "",
            "html": highlighted_source(src, by_doc[src.id]),
        }
        for src in sources.values()
        if src.id in by_doc
    ]
    missing = [c for c in by_doc if c not in sources]
    return _template().render(
        draft=draft,
        notice_en=DRAFT_NOTICE_EN,
        sections=sections,
        sources=cited_sources,
        missing_sources=missing,
        recipient=recipient or {},
    )
