"""Input models shared by tasks that read one note."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from karte.errors import KarteError
from karte.records.text_checks import check_text
from karte.tasks.context import TaskContext
from karte.tasks.registry import TaskInput


class NoteInput(TaskInput):
    """One note: its ``text``, or the ``document_id`` of a stored document."""

    text: str | None = Field(default=None, description="The note text (UTF-8)")
    document_id: str | None = Field(default=None, description="Id of a document in the store")

    @field_validator("text")
    @classmethod
    def _text_ok(cls, value: str | None) -> str | None:
        return None if value is None else check_text(value)

    @model_validator(mode="after")
    def _one_source(self) -> NoteInput:
        if self.text is None and self.document_id is None:
            raise ValueError("text か document_id のどちらかが必要です (give text or document_id)")
        if self.text is not None and self.document_id is not None:
            raise ValueError(
                "text と document_id は同時に指定できません (give text or document_id, not both)"
            )
        return self

    def resolve_text(self, ctx: TaskContext) -> str:
        """The note text, loading it from the store when a ``document_id`` was given."""
        if self.text is not None:
            return self.text
        assert self.document_id is not None
        try:
            return ctx.store.get_document(self.document_id).text
        except KarteError as exc:
            exc.field = exc.field or "document_id"
            raise
