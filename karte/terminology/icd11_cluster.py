"""ICD-11 post-coordination: parse and validate code clusters (``STEM&EXT&EXT/STEM&EXT``).

``/`` joins stem codes; ``&`` attaches extension codes (chapter X) to the stem before it. A
cluster is valid when every stem is a category of the loaded table, every extension is an
extension code, each extension's axis fits its stem's chapter (``resources/ja/icd11_axes.yaml``),
a disease-specific severity scale grades only its stems, single-valued axes (laterality, course,
histopathology) appear once per stem, and no code repeats.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from karte.terminology.icd11_table import Entry11, ICD11Table
from karte.terminology.resources import load_table

_TOKEN = re.compile(r"^[0-9A-Z]{4}(?:\.[0-9A-Z]{1,2})?$|^X[A-Z][0-9A-Z]{2,4}$")
# Stem code's first character → chapter number (WHO ICD-11 MMS 2024-01 code ranges).
_CHAPTER_OF_LETTER = {
    "A": "10", "B": "11", "C": "12", "D": "13", "E": "14", "F": "15", "G": "16", "H": "17",
    "J": "18", "K": "19", "L": "20", "M": "21", "N": "22", "P": "23", "Q": "24", "R": "25",
    "S": "26", "V": "V", "X": "X",
}  # fmt: skip


@dataclass(frozen=True)
class AxisRule:
    chapters: frozenset[str] | None
    deny: frozenset[str]
    single: bool


@dataclass(frozen=True)
class ClusterGroup:
    stem: str
    extensions: tuple[str, ...]


@lru_cache(maxsize=1)
def axis_rules() -> tuple[dict[str, AxisRule], dict[str, tuple[str, ...]]]:
    axes: dict[str, AxisRule] = {}
    scales: dict[str, tuple[str, ...]] = {}
    for row in load_table("ja", "icd11_axes.yaml")["rows"]:
        if "axis" in row:
            chapters = frozenset(row["chapters"]) if row.get("chapters") else None
            axes[row["axis"]] = AxisRule(chapters, frozenset(row.get("deny", [])), bool(row.get("single")))
        elif "scale" in row:
            scales[row["scale"]] = tuple(row["stems"])
    return axes, scales


def chapter_of(code: str, entry: Entry11 | None = None) -> str:
    if entry is not None and entry.chapter:
        return entry.chapter.zfill(2) if entry.chapter.isdigit() else entry.chapter
    first = code[:1]
    return first.zfill(2) if first.isdigit() else _CHAPTER_OF_LETTER.get(first, "")


def normalize_cluster(text: str) -> str:
    return re.sub(r"\s+", "", text).upper()


def parse_cluster(text: str) -> list[ClusterGroup]:
    """Split ``A&X/B&Y`` into groups; raises ValueError on empty parts or bad tokens."""
    code = normalize_cluster(text)
    if not code:
        raise ValueError("空のコード (empty code)")
    groups: list[ClusterGroup] = []
    for part in code.split("/"):
        tokens = part.split("&")
        if any(not t for t in tokens):
            raise ValueError(f"「{part}」に空の要素があります (empty element in cluster)")
        for t in tokens:
            if not _TOKEN.match(t):
                raise ValueError(f"「{t}」は ICD-11 コードの形ではありません (not an ICD-11 code shape)")
        groups.append(ClusterGroup(tokens[0], tuple(tokens[1:])))
    return groups


def cluster_problems(text: str, table: ICD11Table) -> list[str]:
    """Why a cluster is invalid (Japanese, then English); empty when it is valid."""
    try:
        groups = parse_cluster(text)
    except ValueError as exc:
        return [str(exc)]
    axes, scales = axis_rules()
    problems: list[str] = []
    seen: set[str] = set()
    for group in groups:
        stem = table.entries.get(group.stem)
        if stem is None or stem.kind not in ("category", "extension"):
            problems.append(f"{group.stem} はコード表にありません (not in the ICD-11 table)")
            continue
        if stem.kind == "extension":
            problems.append(
                f"{group.stem} は拡張コードで、単独では使えません (an extension code cannot stand alone)"
            )
            continue
        chapter = chapter_of(group.stem, stem)
        used_axes: dict[str, str] = {}
        for ext_code in group.extensions:
            if ext_code in seen or ext_code == group.stem:
                problems.append(f"{ext_code} が重複しています (repeated code)")
                continue
            seen.add(ext_code)
            ext = table.entries.get(ext_code)
            if ext is None:
                problems.append(f"{ext_code} はコード表にありません (not in the ICD-11 table)")
                continue
            if ext.kind != "extension":
                problems.append(
                    f"{ext_code} は拡張コードではありません。'/' で結合してください "
                    "(a stem code: join it with '/')"
                )
                continue
            rule = axes.get(ext.axis or "")
            if rule is None:
                problems.append(f"{ext_code} の軸が不明です (extension axis unknown)")
                continue
            if (rule.chapters is not None and chapter not in rule.chapters) or chapter in rule.deny:
                problems.append(
                    f"{ext_code}（{ext.axis}）は第{chapter}章の {group.stem} に付けられません "
                    f"(axis {ext.axis} does not fit chapter {chapter})"
                )
            if ext.scale and ext.scale in scales and not group.stem.startswith(scales[ext.scale]):
                problems.append(
                    f"{ext_code} の尺度「{ext.scale}」は {group.stem} に使えません "
                    "(scale does not fit the stem)"
                )
            if rule.single and ext.axis in used_axes:
                problems.append(
                    f"{ext_code} と {used_axes[ext.axis or '']} は同じ軸（{ext.axis}）です (axis used twice)"
                )
            used_axes[ext.axis or ""] = ext_code
        seen.add(group.stem)
    return problems


def axis_fits(stem_code: str, ext_code: str, table: ICD11Table) -> bool:
    """Whether extension ``ext_code`` may be attached to ``stem_code`` (alone)."""
    return not cluster_problems(f"{stem_code}&{ext_code}", table)
