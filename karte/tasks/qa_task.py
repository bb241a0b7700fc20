"""Task ``qa``: answer a multiple-choice exam question; the LLM picks among the given choices.

Code builds the verified set of allowed answers from the input's choice letters (one letter, or the
N letters of 「N つ選べ」); the output schema (a grammar on the embedded backend) restricts the model to
exactly that set, so it cannot invent a choice. The prompt (``qa_answer`` v2) has the model answer with
the chosen options' words, which code maps back to the letters (v1, letters, is used when two options
read the same). ``method="score"`` generates nothing: the model reads each option's words as its answer
(``qa_score``) and the option with the highest mean token log-probability is chosen (the N highest
for 「N つ選べ」); its probability among the options is the evidence score. ``method="letter"`` reads,
after a prompt that lists the options by letter (``qa_letter``), the probability of each letter as the
model's first answer token (one prompt evaluation per question). ``auto`` scores where the backend can
(embedded) and generates elsewhere. With ``rag``, passages retrieved from the disease knowledge base
are put into the prompt and cited as evidence, but only passages about a disease that the question or
its choices name (by name or alias): on IgakuQA, passages about unrelated diseases pulled the 1.5B
model's choices toward the words they shared. The result is a draft for review, never a judgement of
the system's own.
"""

from __future__ import annotations

import math
import re
from itertools import combinations
from typing import Any, Literal

from pydantic import BaseModel, Field, create_model, field_validator

from karte.errors import KarteError
from karte.evidence import Evidence, Span
from karte.llm import GenerationParams, LLMAudit, LLMClient, PromptSection, make_client
from karte.tasks.context import TaskContext
from karte.tasks.registry import TaskInput, TaskOutput, task

# qa_answer v1 asks for letters, v2 for the chosen options' words (mapped back to letters here).
LETTER_PROMPT_VERSION = 1
TEXT_PROMPT_VERSION = 2
SCORE_PROMPT_VERSION = 1  # qa_score and qa_letter: pinned, so a new template version is deliberate
ANSWER_WITH_TEXT = True
RAG_PASSAGES = 3
RAG_CANDIDATES = 12  # retrieved, then kept only when the question names their disease
PASSAGE_PROMPT_CHARS = 300
# The model's pick is not calibrated (no token probabilities are read): a fixed, documented score.
LLM_CHOICE_SCORE = 0.5
_LETTER = re.compile(r"^[a-z]$")
_COUNT = re.compile(r"([2-9２-９二三四五])\s*つ選べ")
_KANJI_DIGITS = {"二": 2, "三": 3, "四": 4, "五": 5}


class QAInput(TaskInput):
    question: str = Field(min_length=1, description="問題文 (question text)")
    choices: dict[str, str] = Field(description='選択肢 {"a": "…", "b": "…"} (letters a–z)')
    multi: bool = Field(default=False, description="複数選択の問題 (more than one answer)")
    rag: bool = Field(default=False, description="知識ベースを検索して参照する (retrieve passages)")
    method: Literal["auto", "generate", "score", "letter"] = Field(
        default="auto",
        description=(
            "generate: 解答を生成 / score: 選択肢の文の尤度 / letter: 記号の尤度 / auto: 可能なら score"
        ),
    )

    @field_validator("choices")
    @classmethod
    def _choices_ok(cls, value: dict[str, str]) -> dict[str, str]:
        if len(value) < 2:
            raise ValueError("選択肢は2つ以上必要です (need at least two choices)")
        for letter, text in value.items():
            if not _LETTER.match(letter):
                raise ValueError(
                    f"選択肢の記号 {letter!r} は a–z の1文字にしてください (choice keys are a–z)"
                )
            if not text.strip():
                raise ValueError(f"選択肢 {letter} が空です (empty choice text)")
        return dict(sorted(value.items()))


class ChoiceScore(BaseModel):
    letter: str
    logprob: float = Field(description="Sum of the option's token log-probabilities as the answer")
    tokens: int
    probability: float = Field(description="Softmax of the mean token log-probability over the options")


class QAOutput(TaskOutput):
    answer: list[str] = Field(description="選んだ記号 (chosen letters, sorted)")
    method: Literal["generate", "score", "letter"] = "generate"
    choice_scores: list[ChoiceScore] = Field(default_factory=list, description="score and letter only")
    evidence: list[Evidence]
    llm: LLMAudit
    review_required: bool = Field(default=True, description="要確認の下書き (draft for human review)")


def answer_count(question: str, multi: bool) -> int | None:
    """Letters to choose: 1, the N of 「N つ選べ」, or None (any number) for other multi questions."""
    if not multi:
        return 1
    m = _COUNT.search(question)
    if m is None:
        return None
    digit = m.group(1)
    return _KANJI_DIGITS.get(digit) or int(digit.translate(str.maketrans("２３４５６７８９", "23456789")))


def answer_options(letters: list[str], count: int | None) -> list[str]:
    """Every allowed answer as a sorted, comma-joined string of letters."""
    sizes = [count] if count is not None else list(range(1, len(letters) + 1))
    return [",".join(c) for k in sizes if 1 <= k <= len(letters) for c in combinations(letters, k)]


def option_texts(choices: dict[str, str], options: list[str]) -> dict[str, str] | None:
    """Answer text → option (``"a,c"``) for prompts that answer with the choices' words.

    None when two options would read the same (then the letters are used instead).
    """
    texts = {"、".join(choices[c] for c in option.split(",")): option for option in options}
    return texts if len(texts) == len(options) else None


def answer_model(options: list[str]) -> type[BaseModel]:
    choice_type: Any = Literal[tuple(options)]
    model: type[BaseModel] = create_model("QAAnswer", answer=(choice_type, ...))
    return model


def _retrieve(ctx: TaskContext, query: str) -> list[Any]:
    try:
        from karte.knowledge import disease_index
    except ImportError as exc:
        raise KarteError(
            f"知識ベースを読み込めません ({exc}) (knowledge base unavailable; run without rag)",
            field="rag",
            type="knowledge_unavailable",
        ) from exc

    index = ctx.resource("knowledge.disease_index", disease_index)
    hits = index.search(query, k=RAG_CANDIDATES)
    return [hit for hit in hits if names_a_disease_of(hit, query)][:RAG_PASSAGES]


def names_a_disease_of(hit: Any, text: str) -> bool:
    """Whether ``text`` names the disease the passage is about (its name or an alias, 2+ characters)."""
    meta = hit.passage.metadata or {}
    names = meta.get("names") or [meta.get("disease_name") or ""]
    return any(len(name) >= 2 and name in text for name in names)


def _passage_text(hit: Any) -> str:
    meta = hit.passage.metadata or {}
    title = meta.get("title") or meta.get("name") or hit.passage.id
    text = " ".join(hit.passage.text.split())
    if len(text) > PASSAGE_PROMPT_CHARS:
        text = text[:PASSAGE_PROMPT_CHARS] + "…"
    return f"{title}: {text}"


def _client(ctx: TaskContext) -> LLMClient:
    return ctx.resource("llm.client", lambda: make_client(ctx.settings))


@task(
    "qa",
    input=QAInput,
    output=QAOutput,
    summary="多肢選択問題に選択肢の中から解答 (answer a multiple-choice question among its choices)",
)
def qa_task(inp: QAInput, ctx: TaskContext) -> QAOutput:
    letters = list(inp.choices)
    count = answer_count(inp.question, inp.multi)
    options = answer_options(letters, count)
    by_text = option_texts(inp.choices, options) if ANSWER_WITH_TEXT else None
    hits = _retrieve(ctx, inp.question + " " + " ".join(inp.choices.values())) if inp.rag else []
    client = _client(ctx)
    if inp.method in ("score", "letter") or (inp.method == "auto" and client.can_score and count is not None):
        return _answer_by_scoring(inp, client, count or 1, hits, by_letter=inp.method == "letter")
    allowed = list(by_text) if by_text is not None else options
    result = client.ask(
        "qa_answer",
        {
            "question": inp.question,
            "choices": [{"letter": k, "text": v} for k, v in inp.choices.items()],
            "count": count,
        },
        sections={"passages": PromptSection(items=[_passage_text(h) for h in hits], priority=0)},
        schema=answer_model(allowed),
        params=GenerationParams(max_tokens=16 + 2 * max(len(a) for a in allowed)),
        version=TEXT_PROMPT_VERSION if by_text is not None else LETTER_PROMPT_VERSION,
    )
    assert result.parsed is not None
    picked = str(result.parsed["answer"])
    chosen = (by_text[picked] if by_text is not None else picked).split(",")
    evidence = _choice_evidence(
        inp,
        chosen,
        result.audit,
        f"与えられた選択肢 {', '.join(letters)} から選択",
        "model chose among the given options; score uncalibrated",
        {c: LLM_CHOICE_SCORE for c in chosen},
    )
    evidence += _passage_evidence(hits, result.audit)
    return QAOutput(id=inp.id, answer=chosen, evidence=evidence, llm=result.audit)


def _answer_by_scoring(
    inp: QAInput, client: LLMClient, count: int, hits: list[Any], *, by_letter: bool
) -> QAOutput:
    letters = list(inp.choices)
    result = client.score(
        "qa_letter" if by_letter else "qa_score",
        {
            "question": inp.question,
            "choices": [{"letter": k, "text": v} for k, v in inp.choices.items()],
            "count": count,
        },
        letters if by_letter else [inp.choices[c].strip() for c in letters],
        sections={"passages": PromptSection(items=[_passage_text(h) for h in hits], priority=0)},
        version=SCORE_PROMPT_VERSION,
    )
    means = [lp / max(1, n) for lp, n in zip(result.logprobs, result.tokens, strict=True)]
    peak = max(means)
    weights = [math.exp(m - peak) for m in means]
    total = sum(weights)
    scores = [
        ChoiceScore(letter=c, logprob=lp, tokens=n, probability=w / total)
        for c, lp, n, w in zip(letters, result.logprobs, result.tokens, weights, strict=True)
    ]
    ranked = sorted(range(len(letters)), key=lambda i: means[i], reverse=True)
    chosen = sorted(letters[i] for i in ranked[:count])
    evidence = _choice_evidence(
        inp,
        chosen,
        result.audit,
        f"{'記号' if by_letter else '選択肢の文'}の尤度で選択",
        "option scored most likely as the answer; score = its probability among the options",
        {s.letter: s.probability for s in scores},
    )
    evidence += _passage_evidence(hits, result.audit)
    return QAOutput(
        id=inp.id,
        answer=chosen,
        method="letter" if by_letter else "score",
        choice_scores=scores,
        evidence=evidence,
        llm=result.audit,
    )


def _choice_evidence(
    inp: QAInput, chosen: list[str], audit: LLMAudit, how: str, how_en: str, score: dict[str, float]
) -> list[Evidence]:
    """One evidence item per chosen letter: the choice's text, how the model chose it, its score."""
    return [
        Evidence(
            spans=[Span.of(inp.choices[c], 0, len(inp.choices[c]), document_id=f"{inp.id}#choices.{c}")],
            rationale=(
                f"LLM ({audit.backend}:{audit.model}) が{how}; プロンプト {audit.template} "
                f"sha256 {audit.prompt_sha256[:12]} ({how_en})"
            ),
            source="llm",
            score=score[c],
        )
        for c in chosen
    ]


def _passage_evidence(hits: list[Any], audit: LLMAudit) -> list[Evidence]:
    return [
        Evidence(
            spans=[Span.of(hit.passage.text, 0, len(hit.passage.text), document_id=hit.passage.id)],
            rationale=_citation(hit),
            source="dictionary",
            score=max(0.0, min(1.0, float(hit.score))),
        )
        for hit in hits[: _kept_passages(audit, len(hits))]
    ]


def _citation(hit: Any) -> str:
    meta = hit.passage.metadata or {}
    sources = "; ".join(str(src.get("title") or src) for src in meta.get("sources") or []) or "不明"
    title = meta.get("title") or hit.passage.id
    return (
        f"知識ベース「{title}」を検索しプロンプトに提示 (出典: {sources}) "
        f"(retrieved passage given to the model; bm25={hit.bm25}, dense={hit.dense})"
    )


def _kept_passages(audit: LLMAudit, retrieved: int) -> int:
    """Passages that survived context trimming (read from the trimming warning)."""
    for warning in audit.warnings:
        m = re.search(r"section 'passages' trimmed to (\d+)/", warning)
        if m:
            return int(m.group(1))
    return retrieved
