"""A folder of plain-text notes (``*.txt``, recursively, in sorted path order).

Each note becomes ``{"id": <path relative to the folder, without .txt>, "text": …}``: the same
document id :func:`karte.records.loaders.load_text_folder` gives it. A note is sized by its file
size in bytes (reading every file twice to count characters would double the I/O). A file that is
not text (binary, unknown encoding) becomes an error line carrying its id; the run goes on.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from karte.batch.plans import BatchPlan, RawRecord
from karte.batch.sources.base import InputSource, Unit
from karte.errors import InputError
from karte.records.encoding import describe_encoding, is_utf8, read_text_file


def _hidden(name: str) -> bool:
    return name.startswith(".")


@dataclass
class FolderSource(InputSource):
    path: str
    kind = "folder"
    _skipped: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    def describe(self) -> str:
        return self.path

    def _walk(self) -> Iterator[tuple[str, os.stat_result]]:
        """(relative posix path, stat) of every note in sorted path order; counts the other files."""
        self._skipped.clear()
        return _walk_dir(Path(self.path), "", self._skipped)

    def fingerprint(self) -> dict[str, Any]:
        h = hashlib.sha256()
        files = 0
        for rel, st in self._walk():
            h.update(f"{rel}\0{st.st_size}\n".encode())
            files += 1
        return {"kind": self.kind, "files": files, "listing_sha256": h.hexdigest()}

    def count(self) -> int:
        return sum(1 for _ in self._walk())

    def units(self) -> Iterator[Unit]:
        for rel, st in self._walk():
            yield Unit(st.st_size, f"{rel}\0{st.st_size}\0{st.st_mtime_ns}".encode(), rel)

    def locator(self, parts: list[Any]) -> dict[str, Any]:
        return {"paths": list(parts)}

    def notices(self) -> list[str]:
        return [
            f"テキスト (.txt) ではないファイル {n} 件 ({suffix}) を読み込みませんでした "
            f"(skipped {n} file(s) that are not .txt notes)"
            for suffix, n in sorted(self._skipped.items())
        ]

    def read(self, plan: BatchPlan) -> list[RawRecord]:
        out = []
        for i, rel in enumerate(plan.locator["paths"]):
            line = plan.first_record + i + 1
            doc_id = rel[: -len(".txt")]
            try:
                text, encoding = read_text_file(Path(self.path) / rel)
            except InputError as exc:
                info = exc.info(line).model_dump(exclude_none=True)
                out.append(RawRecord(line=line, error={**info, "field": "text"}, error_id=doc_id))
                continue
            notices = []
            if not is_utf8(encoding):
                notices.append(
                    f"{rel} を {describe_encoding(encoding)} から変換しました "
                    f"(converted from {describe_encoding(encoding)})"
                )
            out.append(RawRecord(line=line, value={"id": doc_id, "text": text}, notices=notices))
        return out


def _walk_dir(root: Path, rel_dir: str, skipped: dict[str, int]) -> Iterator[tuple[str, os.stat_result]]:
    with os.scandir(root / rel_dir) as it:
        entries = sorted((e for e in it if not _hidden(e.name)), key=lambda e: e.name)
    for entry in entries:
        rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
        if entry.is_dir():
            yield from _walk_dir(root, rel, skipped)
        elif entry.name.lower().endswith(".txt"):
            yield rel, entry.stat()
        else:
            suffix = Path(entry.name).suffix.lower() or "(なし)"
            skipped[suffix] = skipped.get(suffix, 0) + 1
