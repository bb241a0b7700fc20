"""Build ``resources/ja/icd11_subset.jsonl`` from WHO's ICD-11 files.

    python -m karte.terminology.tools.build_icd11_subset ../shared/data/icd11

The subset: the ICD-11 codes that the ICD-10 codes of the MEDIS standard disease names map to
(WHO 10To11MapToOneCategory), their ancestors, the extension codes those maps use, and the
extension axes Karte's coder writes from phrase modifiers (laterality, course, onset, generic
severity), and the stems of the curated Japanese names (resources/ja/icd11_ja.yaml). Titles are
WHO's (English); the map rows are kept for those ICD-10 codes.
"""

from __future__ import annotations

import sys
from pathlib import Path

from karte.terminology.icd10 import ICD10
from karte.terminology.icd11_cluster import parse_cluster
from karte.terminology.icd11_table import SUBSET_RESOURCE, ICD11Table, import_folder_or_file
from karte.terminology.resources import load_table

CODER_AXES = {"laterality", "course", "severity"}
CODER_SCALES = {None, "Mild Moderate Severe Scale Value"}


def build(folder: Path) -> ICD11Table:
    full = import_folder_or_file(folder)
    icd10 = ICD10()
    wanted10 = {c for c in icd10.codes() if len(c.split(".")[-1]) <= 1 or "." not in c}
    wanted10 |= {c.split(".")[0] for c in wanted10}
    keep: set[str] = set()
    subset = ICD11Table(version=full.version, origin="embedded")
    for code10, code11 in full.map10to11.items():
        if code10 not in wanted10:
            continue
        try:
            groups = parse_cluster(code11)
        except ValueError:
            continue
        if all(g.stem in full.entries for g in groups):
            subset.map10to11[code10] = code11
            for g in groups:
                keep.add(g.stem)
                keep.update(g.extensions)
    keep.update(str(r["code"]) for r in load_table("ja", "icd11_ja.yaml")["rows"])
    for code, e in full.entries.items():
        if (
            e.kind == "extension"
            and e.axis in CODER_AXES
            and (e.axis != "severity" or e.scale in CODER_SCALES)
        ):
            keep.add(code)
    closed: set[str] = set()
    for code in keep:
        cur: str | None = code
        while cur and cur not in closed and cur in full.entries:
            closed.add(cur)
            cur = full.entries[cur].parent
    for code, e in full.entries.items():  # file order
        if code in closed:
            subset.entries[code] = e
    return subset


def main(argv: list[str] | None = None) -> None:
    args = argv if argv is not None else sys.argv[1:]
    folder = Path(args[0] if args else "../shared/data/icd11")
    out = Path(__file__).resolve().parents[1] / "resources" / "ja" / SUBSET_RESOURCE
    table = build(folder)
    out.write_text("\n".join(table.to_jsonl(with_reverse_map=False)) + "\n", encoding="utf-8")
    print(f"{out}: {len(table.entries)} entries, {len(table.map10to11)} map rows")


if __name__ == "__main__":
    main()
