"""Learned certainty classifier: a maximum-entropy model over the ConText triggers and the words around.

It is a CRFsuite model trained on one-item sequences (which makes the CRF a multinomial logistic
regression): no extra dependency, deterministic training. Features: the rule decision and every
applicable trigger, up to ten tokens after the finding and four before it within its sentence, the
finding's own text, the nearest heading (【考察】 …) and whether the note is written in the polite
style of radiology reports. Trained by ``karte train ner`` on the MedTxt train split.
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_left
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pycrfsuite

from karte.extract.context import NoteTriggers
from karte.extract.features import SudachiToken

DEFAULT_CERTAINTY_MODEL = "certainty_ja.crfsuite"
CERTAINTY_CATEGORIES = frozenset({"negative", "suspicious", "general"})
_SUBJECT_CATEGORIES = frozenset({"family", "historical"})
_SENTENCE_END = re.compile(r"[。\n]")
_HEADING = re.compile(
    r"【([^】\n]{1,12})】|^[ \t]*(考察|結語|結論|目的|背景|方法|結果|緒言|はじめに)[:：\s]", re.M
)
_RIGHT = 10
_LEFT = 4


@dataclass(slots=True)
class NoteView:
    """What the classifier needs of one note, computed once per note."""

    norm: str
    tokens: list[SudachiToken]
    token_starts: list[int]
    triggers: NoteTriggers
    polite: bool
    headings: list[tuple[int, str]]  # (normalised offset, heading text)

    @classmethod
    def of(cls, norm: str, tokens: list[SudachiToken], triggers: NoteTriggers) -> NoteView:
        headings = [(m.start(), m.group(1) or m.group(2)) for m in _HEADING.finditer(norm)]
        return cls(norm, tokens, [t.start for t in tokens], triggers, "ます" in norm, headings)


def certainty_features(view: NoteView, start: int, end: int) -> list[str]:
    norm = view.norm
    feats = ["bias"]
    applicable = view.triggers.applicable(start, end, CERTAINTY_CATEGORIES)
    nearest = min(applicable.items(), key=lambda kv: (kv[1][0], -kv[1][1].start), default=None)
    feats.append("rule=" + (nearest[0] if nearest else "positive"))
    for category in view.triggers.applicable(start, end, _SUBJECT_CATEGORIES):
        feats.append("subject=" + category)
    for category, (distance, trigger) in applicable.items():
        feats.append("has=" + category)
        feats.append(f"{category}|{trigger.rule.phrase}")
        feats.append(f"{category}|d={min(distance, 10) // 3}")
    sentence_start = 0
    for m in _SENTENCE_END.finditer(norm, 0, start):
        sentence_start = m.end()
    m_end = _SENTENCE_END.search(norm, end)
    sentence_end = m_end.start() if m_end else len(norm)
    k = bisect_left(view.token_starts, end)
    right = [norm[t.start : t.end] for t in view.tokens[k : k + _RIGHT] if t.start < sentence_end]
    for i, w in enumerate(right):
        if i < 3:
            feats.append(f"r{i}={w}")
        feats.append("R=" + w)
    if not right:
        feats.append("r0=</s>")
    j = bisect_left(view.token_starts, start)
    left = [norm[t.start : t.end] for t in view.tokens[max(0, j - _LEFT) : j] if t.start >= sentence_start]
    for i, w in enumerate(reversed(left)):
        if i < 2:
            feats.append(f"l{i}={w}")
        feats.append("L=" + w)
    if not left:
        feats.append("l0=<s>")
    k0 = bisect_left(view.token_starts, sentence_start)
    sentence_tokens = []
    for t in view.tokens[k0:]:
        if t.start >= sentence_end:
            break
        if not t.pos.startswith(("補助記号", "空白")):
            sentence_tokens.append(t)
        if (t.end <= start or t.start >= end) and t.pos.startswith(("名詞", "動詞", "形容", "副詞")):
            feats.append("S=" + norm[t.start : t.end])
    # How the sentence ends (た: an event of this patient; である, いる, 多い: a general statement).
    tail = [norm[t.start : t.end] for t in sentence_tokens[-2:] if t.start >= end]
    feats.append("send=" + "|".join(tail))
    feats.append(f"where={4 * start // max(1, len(norm))}")
    text = norm[start:end]
    feats.append("e=" + (text if len(text) <= 8 else "<long>"))
    feats.append("elast=" + text[-1:])
    heading = next((h for pos, h in reversed(view.headings) if pos <= start), None)
    if heading is not None:
        feats.append("hd=" + heading)
    feats.append("polite" if view.polite else "plain")
    return feats


class CertaintyModel:
    """Predicts positive | negative | suspicious | general for a finding; one tagger per thread."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or Path(
            str(resources.files("karte.extract.models").joinpath(DEFAULT_CERTAINTY_MODEL))
        )
        self._local = threading.local()

    @property
    def available(self) -> bool:
        return self.path.is_file()

    def _tagger(self) -> pycrfsuite.Tagger:
        tagger = getattr(self._local, "tagger", None)
        if tagger is None:
            tagger = pycrfsuite.Tagger()
            tagger.open(str(self.path))
            self._local.tagger = tagger
        return tagger

    def predict(self, features: list[str]) -> tuple[str, float]:
        tagger = self._tagger()
        tagger.set([features])
        label = str(tagger.tag()[0])
        return label, round(float(tagger.marginal(label, 0)), 4)
