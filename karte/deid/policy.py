"""De-identification policy: which findings count as identifying."""

from __future__ import annotations

from pydantic import BaseModel, Field


class DeidPolicy(BaseModel):
    """Options that change what is reported (not how it is replaced)."""

    age_threshold: int | None = Field(
        default=90,
        description="Ages at or above this are identifying (HIPAA Safe Harbor: 90); None: every age",
    )
    bare_years: bool = Field(default=True, description="Report a year on its own (2015年, H30年) as a DATE")
    threshold: float | None = Field(default=None, description="Score threshold (default from the registry)")
