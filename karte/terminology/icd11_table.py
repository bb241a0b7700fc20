"""ICD-11 MMS tables: read WHO's SimpleTabulation file and the ICD-10↔ICD-11 maps, or the embedded subset.

The SimpleTabulation file lists chapters, blocks and categories in tree order; the depth of a row
is the number of ``- `` marks before its title. Extension codes (chapter X) get an *axis* from
the blocks above them (laterality, course, severity, anatomy …).

The embedded subset (``resources/ja/icd11_subset.jsonl``, built by
``python -m karte.terminology.tools.build_icd11_subset``) holds the stems that ICD-10 codes map
to, their ancestors, the extension axes the coder writes (laterality, course, onset, generic
severity) and the ICD-10→ICD-11 map for those codes.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from karte.errors import InputError

# Top-level extension blocks (chapter X) → axis; topology and temporality are split one level down.
TOP_AXES = {
    "Severity Scale Value": "severity",
    "Temporality": "temporality",
    "Aetiology": "aetiology",
    "Topology Scale Value": "topology",
    "Anatomy and topography": "anatomy",
    "Histopathology": "histopathology",
    "Dimensions of injury": "injury",
    "Dimensions of external causes": "external_cause",
    "Consciousness": "consciousness",
    "Substances": "substance",
    "Diagnosis code descriptors": "diagnosis_descriptor",
    "Capacity or context": "capacity",
    "Health Devices, Equipment and Supplies": "device",
}
SUB_AXES = {
    "Laterality": "laterality",
    "Relational": "relational",
    "Distribution": "distribution",
    "Regional": "regional",
    "Course of the Condition": "course",
    "Time in Life": "time_in_life",
    "Duration of pregnancy": "pregnancy_duration",
}
SUBSET_RESOURCE = "icd11_subset.jsonl"
SOURCE = (
    "WHO ICD-11 MMS SimpleTabulation and 10To11MapToOneCategory (CC BY-ND 3.0 IGO), "
    "codes and titles as published"
)
VALID_FROM = "2024-01-21"


@dataclass(frozen=True)
class Entry11:
    code: str  # category code, or "block:<BlockId>", or "chapter:<No>"
    title: str
    kind: str  # chapter | block | category | extension
    parent: str | None
    chapter: str
    leaf: bool = True
    axis: str | None = None  # extensions: laterality, course, severity …
    scale: str | None = None  # extensions: the scale block (e.g. "NYHA Functional Classification")


@dataclass
class ICD11Table:
    entries: dict[str, Entry11] = field(default_factory=dict)
    map10to11: dict[str, str] = field(default_factory=dict)
    map11to10: dict[str, str] = field(default_factory=dict)
    version: str = ""
    origin: str = "embedded"

    def to_jsonl(self, with_reverse_map: bool = True) -> Iterator[str]:
        """Compact lines: ``["e", code, title, kind, parent, chapter, leaf, axis, scale]``,
        ``["m", icd10, icd11]`` and ``["r", icd11, icd10]``."""
        yield json.dumps(["meta", self.version, self.origin, SOURCE, VALID_FROM], ensure_ascii=False)
        for e in self.entries.values():
            row = ["e", e.code, e.title, e.kind, e.parent, e.chapter, int(e.leaf), e.axis, e.scale]
            while row[-1] is None:
                row.pop()
            yield json.dumps(row, ensure_ascii=False)
        for k, v in sorted(self.map10to11.items()):
            yield json.dumps(["m", k, v], ensure_ascii=False)
        if with_reverse_map:
            for k, v in sorted(self.map11to10.items()):
                yield json.dumps(["r", k, v], ensure_ascii=False)

    @classmethod
    def from_jsonl(cls, lines: Iterable[str], origin: str) -> ICD11Table:
        table = cls(origin=origin)
        for line in lines:
            if not line.strip():
                continue
            row = json.loads(line)
            tag = row[0]
            if tag == "e":
                row = row + [None] * (9 - len(row))
                _, code, title, kind, parent, chapter, leaf, axis, scale = row
                leaf_flag = True if leaf is None else bool(leaf)
                table.entries[code] = Entry11(
                    code, title, kind, parent, chapter or "", leaf_flag, axis, scale
                )
            elif tag == "m":
                table.map10to11[row[1]] = row[2]
            elif tag == "r":
                table.map11to10[row[1]] = row[2]
            elif tag == "meta":
                table.version = row[1]
        if not table.map11to10:
            for k, v in table.map10to11.items():
                table.map11to10.setdefault(v.split("&")[0].split("/")[0], k)
        return table


def _depth(title: str) -> tuple[int, str]:
    depth = 0
    while title.startswith("- "):
        depth += 1
        title = title[2:]
    return depth, title.strip()


def read_simple_tabulation(path: Path) -> ICD11Table:
    """Parse WHO's ``SimpleTabulation-ICD-11-MMS-en.tsv`` (tab-separated, UTF-8)."""
    try:
        fh = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise InputError(f"{path} を開けません: {exc} (cannot open file)", field="file") from exc
    table = ICD11Table(origin=str(path))
    with fh:
        reader = csv.DictReader(fh, delimiter="\t")
        needed = {"Code", "BlockId", "Title", "ClassKind", "ChapterNo", "isLeaf"}
        if not reader.fieldnames or not needed <= set(reader.fieldnames):
            raise InputError(
                f"{path}: ICD-11 SimpleTabulation の列がありません (missing columns {sorted(needed)})",
                field="file",
            )
        version = next((f for f in reader.fieldnames if f.startswith("Version:")), "")
        table.version = version.removeprefix("Version:").strip() or "ICD-11 MMS"
        stack: list[tuple[int, str, str]] = []  # (depth, key, title)
        for row in reader:
            depth, title = _depth(row["Title"])
            chapter = row["ChapterNo"].strip()
            kind = row["ClassKind"].strip()
            if kind == "chapter":
                key = f"chapter:{chapter}"
                stack = [(0, key, title)]
            else:
                key = row["Code"].strip() or f"block:{row['BlockId'].strip()}"
                while stack and stack[-1][0] >= depth:
                    stack.pop()
            parent = stack[-1][1] if stack and kind != "chapter" else None
            axis = scale = None
            if chapter == "X" and kind == "category":
                titles = [t for _, _, t in stack[1:]]
                top = TOP_AXES.get(titles[0]) if titles else None
                sub = SUB_AXES.get(titles[1]) if len(titles) > 1 else None
                axis = sub or top
                scale = titles[2] if len(titles) > 2 and top == "severity" else None
            out_kind = "extension" if chapter == "X" and kind == "category" else kind
            table.entries[key] = Entry11(
                key, title, out_kind, parent, chapter, row["isLeaf"].strip() == "True", axis, scale
            )
            if kind != "chapter":
                stack.append((depth, key, title))
    return table


def read_map(path: Path, source_col: str, target_col: str) -> dict[str, str]:
    """One of WHO's one-category maps (``10To11MapToOneCategory.txt`` / ``11To10…``)."""
    out: dict[str, str] = {}
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh, delimiter="\t")
        if (
            not reader.fieldnames
            or source_col not in reader.fieldnames
            or target_col not in reader.fieldnames
        ):
            raise InputError(
                f"{path}: 列 {source_col}/{target_col} がありません (not an ICD-10/ICD-11 map)", field="file"
            )
        for row in reader:
            src, dst = row[source_col].strip(), row[target_col].strip()
            if src and dst and src not in out:
                out[src] = dst
    return out


def import_folder_or_file(path: Path) -> ICD11Table:
    """The SimpleTabulation file (and, from the same folder, both maps when present)."""
    tab = path
    if path.is_dir():
        found = sorted(path.glob("SimpleTabulation*.tsv")) + sorted(path.glob("SimpleTabulation*.txt"))
        if not found:
            raise InputError(
                f"{path} に SimpleTabulation がありません (no SimpleTabulation file)", field="file"
            )
        tab = found[0]
    table = read_simple_tabulation(tab)
    m10 = tab.parent / "10To11MapToOneCategory.txt"
    m11 = tab.parent / "11To10MapToOneCategory.txt"
    if m10.is_file():
        table.map10to11 = read_map(m10, "icd10Code", "icd11Code")
    if m11.is_file():
        table.map11to10 = read_map(m11, "icd11Code", "icd10Code")
    return table


def load_embedded() -> ICD11Table:
    ref = resources.files("karte.terminology.resources").joinpath("ja", SUBSET_RESOURCE)
    with ref.open("r", encoding="utf-8") as fh:
        return ICD11Table.from_jsonl(fh, "embedded")


def entry_dict(e: Entry11) -> dict[str, Any]:
    return asdict(e)
