"""A phrase prepared for matching: its key, its content (context words cut), modifiers, variants.

* Context (``resources/ja/phrase_context.yaml``): ``#1``, ``s/o``, ``疑い``, ``の既往`` … are cut
  from the ends; they are not part of any code.
* Modifiers (``resources/ja/modifiers.yaml``): laterality, course and severity words, with their
  spans; a variant without them is tried (``右下腿蜂窩織炎`` → ``下腿蜂窩織炎``).
* Variants: abbreviations expanded (``resources/ja/abbreviations.yaml``, ``2型DM`` →
  ``2型糖尿病``) and spelling rewrites (``resources/ja/variant_rules.yaml``). Each variant keeps
  the offset map, so a match in it still points at the original characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from karte.terminology.keys import Keyed, keyed
from karte.terminology.keys import key as term_key
from karte.terminology.resources import load_table
from karte.text import normalize

_ASCII_WORD = re.compile(r"[a-z][a-z0-9]*")
_BODY_PART_AFTER_RYO = re.compile(r"^両(?:側|眼|耳|肺|下肢|上肢|膝|股|手|足|腎|乳|側性|鼠径|大腿|下腿)")
MAX_VARIANTS = 12


@dataclass(frozen=True)
class Modifier:
    axis: str  # laterality | course | severity
    value: str
    icd11: str
    start: int  # in key characters of the content
    end: int
    text: str


@dataclass(frozen=True)
class Variant:
    keyed: Keyed
    label: str  # original | abbreviation:AMI | no-modifier | …+spelling | form:…
    penalty: float


@dataclass
class Phrase:
    original: str
    keyed: Keyed
    content: Keyed
    modifiers: list[Modifier] = field(default_factory=list)
    variants: list[Variant] = field(default_factory=list)


def replace(kd: Keyed, start: int, end: int, repl: str) -> Keyed:
    """``kd`` with key characters ``[start, end)`` replaced by ``repl`` (mapped to their span)."""
    if end > start:
        o_start, o_end = kd.starts[start], kd.ends[end - 1]
    elif kd.key:
        at = min(start, len(kd.key) - 1)
        o_start, o_end = (
            (kd.ends[at], kd.ends[at]) if start >= len(kd.key) else (kd.starts[at], kd.starts[at])
        )
    else:
        o_start = o_end = 0
    return Keyed(
        kd.original,
        kd.key[:start] + repl + kd.key[end:],
        kd.starts[:start] + (o_start,) * len(repl) + kd.starts[end:],
        kd.ends[:start] + (o_end,) * len(repl) + kd.ends[end:],
    )


def _slice(kd: Keyed, start: int, end: int) -> Keyed:
    return Keyed(kd.original, kd.key[start:end], kd.starts[start:end], kd.ends[start:end])


@dataclass(frozen=True)
class _Rules:
    context: tuple[re.Pattern[str], ...]
    modifiers: tuple[tuple[re.Pattern[str], dict[str, str]], ...]
    spelling: tuple[tuple[re.Pattern[str], str], ...]
    forms: tuple[tuple[re.Pattern[str], str], ...]
    abbreviations: dict[str, tuple[str, ...]]


@lru_cache(maxsize=1)
def rules() -> _Rules:
    context = tuple(re.compile(r["pattern"]) for r in load_table("ja", "phrase_context.yaml")["rows"])
    mods = []
    for row in load_table("ja", "modifiers.yaml")["rows"]:
        pattern = row["pattern"] if row.get("regex") else re.escape(term_key(row["pattern"]))
        mods.append((re.compile(pattern), {k: str(row[k]) for k in ("axis", "value", "icd11")}))
    rows = load_table("ja", "variant_rules.yaml")["rows"]
    spelling = tuple((re.compile(r["from"]), str(r["to"])) for r in rows if r.get("kind") == "spelling")
    forms = tuple((re.compile(r["from"]), str(r["to"])) for r in rows if r.get("kind") != "spelling")
    abbreviations: dict[str, list[str]] = {}
    for row in load_table("ja", "abbreviations.yaml")["rows"]:
        slot = abbreviations.setdefault(term_key(str(row["abbr"])), [])
        slot.extend(t for t in row["to"] if t not in slot)
    return _Rules(context, tuple(mods), spelling, forms, {k: tuple(v) for k, v in abbreviations.items()})


def _strip_context(text: str) -> tuple[int, int]:
    """``[start, end)`` of ``text`` (normalised, with spaces) once context words are cut from both ends."""
    start, end = 0, len(text)
    changed = True
    while changed and end > start:
        changed = False
        for pattern in rules().context:
            m = pattern.search(text, start, end)
            if m is None or m.end() == m.start():
                continue
            if m.start() == start and m.end() < end:
                start, changed = m.end(), True
            elif m.end() == end and m.start() > start:
                end, changed = m.start(), True
    return start, end


def _content(kd: Keyed) -> Keyed:
    """The key characters of ``kd`` that lie inside the phrase once context words are cut."""
    nt = normalize(kd.original)
    n_start, n_end = _strip_context(nt.text)
    o_start, o_end = nt.to_original(n_start, n_end)
    idx = [i for i in range(len(kd.key)) if kd.starts[i] >= o_start and kd.ends[i] <= o_end]
    if not idx:
        return kd
    return _slice(kd, idx[0], idx[-1] + 1)


def find_modifiers(k: str) -> list[Modifier]:
    """Laterality, course and severity words in key ``k`` (longest first, no overlaps)."""
    found: list[Modifier] = []
    taken = [False] * len(k)
    for pattern, info in rules().modifiers:
        for m in pattern.finditer(k):
            if m.end() == m.start() or any(taken[m.start() : m.end()]):
                continue
            if m.group() == "両" and not _BODY_PART_AFTER_RYO.match(k[m.start() :]):
                continue
            found.append(Modifier(info["axis"], info["value"], info["icd11"], m.start(), m.end(), m.group()))
            for i in range(m.start(), m.end()):
                taken[i] = True
    found.sort(key=lambda x: x.start)
    return found


def _abbreviation_variants(kd: Keyed) -> list[Variant]:
    table = rules().abbreviations
    words = [m for m in _ASCII_WORD.finditer(kd.key) if m.group() in table]
    # Only whole words: a letter or digit must not touch the match.
    words = [
        m
        for m in words
        if (m.start() == 0 or not kd.key[m.start() - 1].isascii() or not kd.key[m.start() - 1].isalnum())
        and (m.end() == len(kd.key) or not kd.key[m.end()].isascii() or not kd.key[m.end()].isalpha())
    ]
    out: list[Variant] = []
    if not words:
        return out
    # Expand every abbreviation with each of its readings (the first reading for the others).
    for i, m in enumerate(words):
        for reading in table[m.group()]:
            v = kd
            for j in range(len(words) - 1, -1, -1):
                w = words[j]
                text = reading if j == i else table[w.group()][0]
                v = replace(v, w.start(), w.end(), term_key(text))
            out.append(Variant(v, f"abbreviation:{m.group()}", 0.97))
    return out


def _respell(kd: Keyed) -> Keyed:
    """``kd`` with every spelling rewrite applied (left to right, rule by rule)."""
    for pattern, repl in rules().spelling:
        pos = 0
        while True:
            m = pattern.search(kd.key, pos)
            if m is None:
                break
            new = m.expand(repl)
            kd = replace(kd, m.start(), m.end(), new)
            pos = m.start() + max(1, len(new))
    return kd


def _form_variants(kd: Keyed) -> list[Variant]:
    out: list[Variant] = []
    for pattern, repl in rules().forms:
        m = pattern.search(kd.key)
        if m is None:
            continue
        v = replace(kd, m.start(), m.end(), m.expand(repl))
        if v.key and v.key != kd.key:
            out.append(Variant(v, f"form:{pattern.pattern}", 0.96))
    return out


def is_curated_abbreviation(k: str) -> bool:
    """True if key ``k`` is an abbreviation of the curated table (its readings take precedence)."""
    return k in rules().abbreviations


def prepare(text: str) -> Phrase:
    """Key, content, modifiers and variants of a free-text phrase."""
    kd = keyed(text)
    content = _content(kd)
    phrase = Phrase(text, kd, content, find_modifiers(content.key))
    variants = [Variant(content, "original", 1.0)]
    variants += _abbreviation_variants(content)
    lateral = [m for m in phrase.modifiers if m.axis in ("laterality", "severity")]
    if lateral:
        bare = content
        for m in reversed(lateral):
            bare = replace(bare, m.start, m.end, "")
        if bare.key:
            variants.append(Variant(bare, "no-modifier", 0.99))
    for base in list(variants):
        respelled = _respell(base.keyed)
        if respelled.key != base.keyed.key:
            variants.append(Variant(respelled, f"{base.label}+spelling", base.penalty * 0.98))
    for base in list(variants):
        variants += _form_variants(base.keyed)
    seen: set[str] = set()
    unique: list[Variant] = []
    for v in variants:
        if v.keyed.key and v.keyed.key not in seen:
            seen.add(v.keyed.key)
            unique.append(v)
    phrase.variants = unique[:MAX_VARIANTS]
    return phrase
