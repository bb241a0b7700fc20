"""The criteria compiler: rules first (:mod:`.rules`), the LLM for what rules cannot parse (:mod:`.llm`).

A criterion that already carries a ``compiled`` form (edited by a user) keeps it, unless its text has
changed since it was compiled; then it is compiled again and the note says so.
"""

from __future__ import annotations

from karte.screening.compiler.llm import compile_with_llm
from karte.screening.compiler.rules import compile_rules
from karte.screening.lazy_llm import Asker
from karte.screening.models import CompiledCriterion, TextCheck, Trial, TrialCriterion

FALLBACK_NOTE = "規則で解析できる条件がないため、記載を LLM が判定 (no rule applies; judged from the notes)"


def compile_criterion(criterion: TrialCriterion, llm: Asker | None = None) -> CompiledCriterion:
    given = criterion.compiled
    stale = given is not None and given.text is not None and given.text != criterion.text
    if given is not None and not stale:
        return given
    compiled = compile_rules(criterion.text)
    if compiled is None and llm is not None:
        compiled = compile_with_llm(criterion.text, llm)
    if compiled is None:
        compiled = CompiledCriterion(
            checks=[TextCheck(question=criterion.text)],
            source="rule",
            text=criterion.text,
            notes=[FALLBACK_NOTE],
        )
    if stale:
        compiled.notes.insert(0, "基準文が変更されたため再コンパイル (text changed since it was compiled)")
    return compiled


def compile_trial(trial: Trial, llm: Asker | None = None) -> Trial:
    """A copy of ``trial`` with every criterion compiled."""
    criteria = [c.model_copy(update={"compiled": compile_criterion(c, llm)}) for c in trial.criteria]
    return trial.model_copy(update={"criteria": criteria})


__all__ = ["compile_criterion", "compile_rules", "compile_trial", "compile_with_llm"]
