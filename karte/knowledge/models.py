"""The disease knowledge base: one validated entry per disease, written for patients."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

# WHO ICD-10 code: a letter, two digits, optionally a dot and one or two characters (U07.1, E11, S72.0).
ICD10_PATTERN = r"^[A-Z][0-9]{2}(\.[0-9A-Z]{1,2})?$"

DiseaseField = Literal["overview", "course_and_treatment", "daily_life", "see_doctor_urgently"]

FIELD_LABELS: dict[DiseaseField, str] = {
    "overview": "どんな病気か",
    "course_and_treatment": "経過と治療",
    "daily_life": "日常生活の注意",
    "see_doctor_urgently": "すぐに受診が必要なとき",
}


class Source(BaseModel):
    """A public reference an entry follows. ``section``: the topic or chapter used within it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1)
    publisher: str = Field(min_length=1)
    section: str | None = None
    url: str | None = Field(default=None, pattern=r"^https://\S+$")


class DiseaseEntry(BaseModel):
    """One disease, in plain Japanese for patients. ``reviewed`` stays False until a clinician checks it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1)
    aliases: list[str] = Field(min_length=1)
    icd10: str = Field(pattern=ICD10_PATTERN)
    category: str = Field(min_length=1)
    overview: str = Field(min_length=20)
    course_and_treatment: str = Field(min_length=20)
    daily_life: list[str] = Field(min_length=3)
    see_doctor_urgently: list[str] = Field(min_length=1)
    sources: list[Source] = Field(min_length=1)
    reviewed: bool

    @field_validator("aliases", "daily_life", "see_doctor_urgently")
    @classmethod
    def _no_blank_items(cls, items: list[str]) -> list[str]:
        if any(not item.strip() for item in items):
            raise ValueError("空の項目があります (blank item)")
        return items
