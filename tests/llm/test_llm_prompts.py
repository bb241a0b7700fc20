"""Prompt templates: versioned files, stable hashes, trimming by section priority with warnings."""

from __future__ import annotations

import pytest

from karte.llm import ContextOverflowError, Message, PromptSection
from karte.llm.prompts import available_templates, render, render_fitting, template_id


def _chars(messages: list[Message]) -> int:
    return sum(len(m.content) for m in messages)


def test_every_template_is_versioned_and_has_a_user_block() -> None:
    templates = available_templates("ja")
    assert {"qa_answer", "repair", "chat", "extract_json", "json_instruction"} <= set(templates)
    assert template_id("qa_answer") == f"qa_answer.v{templates['qa_answer'][-1]}"


def test_unknown_template_is_a_clear_error() -> None:
    with pytest.raises(Exception, match="プロンプト"):
        render("no_such_prompt", {})


def test_same_input_same_hash_and_different_input_different_hash() -> None:
    variables = {"question": "Q", "choices": [{"letter": "a", "text": "x"}], "count": 1, "passages": []}
    first, second = render("qa_answer", variables), render("qa_answer", variables)
    other = render("qa_answer", {**variables, "question": "R"})
    assert first.sha256 == second.sha256 != other.sha256
    assert [m.role for m in first.messages] == ["system", "user"]


def test_missing_variable_is_refused_not_rendered_empty() -> None:
    with pytest.raises(Exception, match="question"):
        render("qa_answer", {"choices": [], "count": 1, "passages": []})


QA_VARS = {"question": "高血圧の第一選択薬はどれか。", "choices": [{"letter": "a", "text": "x"}], "count": 1}


def test_fits_without_trimming_when_short() -> None:
    sections = {"passages": PromptSection(items=["資料A", "資料B"], priority=0)}
    prompt = render_fitting("qa_answer", QA_VARS, sections, count_tokens=_chars, limit=10_000)
    assert prompt.warnings == []
    assert "資料B" in prompt.messages[-1].content


def test_lowest_priority_section_is_trimmed_first_with_a_warning() -> None:
    passages = [f"資料{i}:" + "説明" * 40 for i in range(5)]
    base = _chars(render("qa_answer", {**QA_VARS, "passages": []}).messages)
    limit = base + 2 * 120  # room for about two passages
    prompt = render_fitting(
        "qa_answer",
        QA_VARS,
        {"passages": PromptSection(items=passages, priority=0)},
        count_tokens=_chars,
        limit=limit,
    )
    text = prompt.messages[-1].content
    assert _chars(prompt.messages) <= limit
    assert "資料0" in text and "資料4" not in text  # the last items go first
    assert len(prompt.warnings) == 1 and "passages" in prompt.warnings[0]
    assert "/5" in prompt.warnings[0]


def test_single_long_item_is_shortened_with_a_visible_mark() -> None:
    passage = "長い資料。" * 200
    base = _chars(render("qa_answer", {**QA_VARS, "passages": []}).messages)
    prompt = render_fitting(
        "qa_answer",
        QA_VARS,
        {"passages": PromptSection(items=[passage], priority=0)},
        count_tokens=_chars,
        limit=base + 300,
    )
    assert "［以下省略］" in prompt.messages[-1].content
    assert prompt.warnings and "短縮" in prompt.warnings[0]


def test_overflow_of_untrimmable_parts_is_an_error() -> None:
    with pytest.raises(ContextOverflowError, match="収まりません"):
        render_fitting(
            "qa_answer",
            {**QA_VARS, "question": "長い問題文" * 100},
            {"passages": PromptSection(items=["資料"], priority=0)},
            count_tokens=_chars,
            limit=50,
        )
