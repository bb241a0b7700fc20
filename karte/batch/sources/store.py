"""The documents of the record store: each becomes ``{"id": doc.id, "document_id": doc.id}``.

The planner reads the documents in id order to size batches by their text; the task loads the text
again through its own store connection (``NoteInput.resolve_text``), so only ids travel.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from karte.batch.plans import BatchPlan, RawRecord
from karte.batch.sources.base import InputSource, Unit


@dataclass
class StoreSource(InputSource):
    database_url: str
    kind = "store"

    def describe(self) -> str:
        from sqlalchemy.engine import make_url

        return make_url(self.database_url).render_as_string(hide_password=True)

    def fingerprint(self) -> dict[str, Any]:
        from karte.records.store import open_store

        h = hashlib.sha256()
        documents = 0
        with open_store(self.database_url) as store:
            for doc in store.iter_documents(batch_size=500):
                h.update(f"{doc.id}\0{len(doc.text)}\n".encode())
                documents += 1
        return {"kind": self.kind, "documents": documents, "listing_sha256": h.hexdigest()}

    def count(self) -> int:
        from karte.records.store import open_store

        with open_store(self.database_url) as store:
            return store.counts()["documents"]

    def units(self) -> Iterator[Unit]:
        from karte.records.store import open_store

        with open_store(self.database_url) as store:
            for doc in store.iter_documents(batch_size=500):
                digest = hashlib.blake2b(doc.text.encode("utf-8"), digest_size=16).digest()
                yield Unit(len(doc.text), doc.id.encode("utf-8") + b"\0" + digest, doc.id)

    def locator(self, parts: list[Any]) -> dict[str, Any]:
        return {"ids": list(parts)}

    def read(self, plan: BatchPlan) -> list[RawRecord]:
        return [
            RawRecord(line=plan.first_record + i + 1, value={"id": doc_id, "document_id": doc_id})
            for i, doc_id in enumerate(plan.locator["ids"])
        ]
