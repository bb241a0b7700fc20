"""Task ``qa``: answers restricted to the given choice letters; IgakuQA loading and scoring."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from karte.cli.main import app
from karte.tasks import run
from karte.tasks.qa_eval import QAItem, load_igakuqa, sample, wilson_interval
from karte.tasks.qa_task import answer_count, answer_options, names_a_disease_of


@pytest.mark.parametrize(
    ("question", "multi", "expected"),
    [
        ("正しいのはどれか。", False, 1),
        ("原因として考えられるのはどれか。2つ選べ。", True, 2),
        ("適切なのはどれか。３つ選べ。", True, 3),
        ("正しいのはどれか。二つ選べ。", True, 2),
        ("正しいのはどれか。すべて選べ。", True, None),
    ],
)
def test_answer_count(question: str, multi: bool, expected: int | None) -> None:
    assert answer_count(question, multi) == expected


@pytest.mark.parametrize(
    ("letters", "count", "expected"),
    [
        ("abc", 1, ["a", "b", "c"]),
        ("abc", 2, ["a,b", "a,c", "b,c"]),
        ("ab", None, ["a", "b", "a,b"]),
    ],
)
def test_answer_options(letters: str, count: int | None, expected: list[str]) -> None:
    assert answer_options(list(letters), count) == expected


@pytest.mark.parametrize(
    ("record", "field"),
    [
        ({"id": 1, "question": "Q", "choices": {"a": "x"}}, "choices"),
        ({"id": 1, "question": "Q", "choices": {"A": "x", "b": "y"}}, "choices"),
        ({"id": 1, "question": "Q", "choices": {"a": "x", "b": " "}}, "choices"),
        ({"id": 1, "question": "", "choices": {"a": "x", "b": "y"}}, "question"),
        ({"id": 1, "question": "Q", "choices": {"a": "x", "b": "y"}, "answer": "a"}, "answer"),
    ],
)
def test_bad_input_names_the_field(record: dict[str, object], field: str) -> None:
    (out,) = run("qa", [record])
    assert out["error"]["type"] == "validation_error"
    assert out["error"]["field"] == field


EXAM = [
    {
        "id": "s1",
        "question": "インスリンを分泌する臓器はどれか。",
        "choices": {"a": "肝臓", "b": "膵臓", "c": "腎臓", "d": "脾臓", "e": "胃"},
    },
    {
        "id": "m1",
        "question": "急性心筋梗塞の合併症はどれか。2つ選べ。",
        "choices": {"a": "心室中隔穿孔", "b": "乳頭筋断裂", "c": "白内障", "d": "痛風", "e": "近視"},
        "multi": True,
    },
]


def test_answers_are_among_the_given_letters_with_evidence(llm_env: Path) -> None:
    single, multi = run("qa", [{**r, "method": "generate"} for r in EXAM])
    assert len(single["answer"]) == 1 and single["answer"][0] in "abcde"
    assert len(multi["answer"]) == 2 and set(multi["answer"]) <= set("abcde")
    for out, record in ((single, EXAM[0]), (multi, EXAM[1])):
        assert out["review_required"] is True
        cited = [e for e in out["evidence"] if e["source"] == "llm"]
        assert [e["spans"][0]["text"] for e in cited] == [record["choices"][c] for c in out["answer"]]
        assert out["llm"]["template"].startswith("qa_answer.v") and len(out["llm"]["prompt_sha256"]) == 64


def test_scoring_prefers_the_right_option_and_reuses_the_prompt(small_backend) -> None:  # type: ignore[no-untyped-def]
    from karte.llm import Message

    messages = [
        Message(role="user", content="日本の首都はどこですか。東京、大阪、札幌のどれかを答えてください。")
    ]
    first = small_backend.score_continuations(messages, ["大阪", "東京", "札幌"])
    assert max(range(3), key=lambda i: first.logprobs[i]) == 1
    assert all(lp < 0 for lp in first.logprobs) and min(first.tokens) >= 1
    small_backend.generate(messages, max_tokens=4)  # generation in between moves the KV cache
    again = small_backend.score_continuations(messages, ["大阪", "東京", "札幌"])
    assert again.logprobs == pytest.approx(first.logprobs, abs=1e-3)


@pytest.mark.parametrize(("method", "template"), [("score", "qa_score.v1"), ("letter", "qa_letter.v1")])
def test_scoring_methods_pick_the_most_likely_options(llm_env: Path, method: str, template: str) -> None:
    single, multi = run("qa", [{**r, "method": method} for r in EXAM])
    for out, n in ((single, 1), (multi, 2)):
        assert "error" not in out, out
        assert out["method"] == method and out["llm"]["template"] == template
        scores = {s["letter"]: s for s in out["choice_scores"]}
        assert sum(s["probability"] for s in scores.values()) == pytest.approx(1.0)
        if method == "letter":  # one token per letter: the letters themselves were scored
            assert all(s["tokens"] == 1 for s in scores.values())
        ranked = sorted(scores, key=lambda c: scores[c]["logprob"] / scores[c]["tokens"], reverse=True)
        assert out["answer"] == sorted(ranked[:n])
        assert [e["score"] for e in out["evidence"]] == [scores[c]["probability"] for c in out["answer"]]


def test_rag_cites_knowledge_passages(llm_env: Path) -> None:
    if importlib.util.find_spec("karte.knowledge") is None:
        pytest.skip("karte.knowledge (disease knowledge base, issue 3 item 5) is not in this tree yet")
    (out,) = run("qa", [{**EXAM[0], "question": "2型糖尿病の治療で最初に行うのはどれか。", "rag": True}])
    assert "error" not in out, out
    passages = [e for e in out["evidence"] if e["source"] == "dictionary"]
    assert passages, "RAG must cite the retrieved passages"
    for e in passages:
        span = e["spans"][0]
        assert span["document_id"] and span["text"] and 0.0 <= e["score"] <= 1.0


def test_rag_keeps_only_passages_about_a_disease_the_question_names() -> None:
    from types import SimpleNamespace

    def hit(names: list[str]) -> SimpleNamespace:
        return SimpleNamespace(passage=SimpleNamespace(metadata={"names": names}))

    assert names_a_disease_of(hit(["2型糖尿病", "糖尿病"]), "糖尿病の治療で最初に行うのはどれか。")
    assert not names_a_disease_of(hit(["気管支喘息", "喘息"]), "急性虫垂炎の所見はどれか。")
    assert not names_a_disease_of(hit(["x", "気"]), "気胸の治療はどれか。")  # one character is no name


def test_rag_without_a_named_disease_is_the_plain_prompt(llm_env: Path) -> None:
    question = {**EXAM[0], "question": "医療面接で最初に行うのはどれか。", "method": "score"}
    plain, with_rag = run("qa", [{**question, "id": "plain"}, {**question, "id": "rag", "rag": True}])
    assert "error" not in plain and "error" not in with_rag, (plain, with_rag)
    assert not [e for e in with_rag["evidence"] if e["source"] == "dictionary"]
    assert with_rag["llm"]["prompt_sha256"] == plain["llm"]["prompt_sha256"]
    assert with_rag["answer"] == plain["answer"]


def _write_exam(folder: Path) -> Path:
    folder.mkdir()
    rows = [
        {"problem_id": "1A1", "problem_text": "インスリンを分泌する臓器はどれか。",
         "choices": ["肝臓", "膵臓", "腎臓", "脾臓", "胃"], "text_only": True, "answer": ["b"]},
        {"problem_id": "1A2", "problem_text": "画像を示す。診断はどれか。",
         "choices": ["a", "b", "c", "d", "e"], "text_only": False, "answer": ["a"]},
        {"problem_id": "1A3", "problem_text": "値を求めよ。解答：①②", "choices": [], "text_only": True,
         "answer": ["12"]},
    ]  # fmt: skip
    lines = [json.dumps(r, ensure_ascii=False) for r in rows]
    (folder / "1-A.jsonl").write_text("\n".join(lines), encoding="utf-8")
    (folder / "1-A_metadata.jsonl").write_text('{"problem_id": "1A1"}\n', encoding="utf-8")
    return folder


def test_loader_skips_image_and_calculation_questions(tmp_path: Path) -> None:
    qa = load_igakuqa(_write_exam(tmp_path / "exam"))
    assert [i.id for i in qa.items] == ["1A1"]
    assert (qa.files, qa.skipped_images, qa.skipped_no_choices) == (1, 1, 1)
    assert qa.items[0].choices["b"] == "膵臓" and qa.items[0].gold == ["b"]


def test_igakuqa_reference_data_counts(shared_data: Path) -> None:
    qa = load_igakuqa(shared_data / "qa")
    assert qa.files == 18
    assert len(qa.items) + qa.skipped_images + qa.skipped_no_choices == 1200  # 3 exams x 400 questions
    assert qa.skipped_images > 0 and qa.skipped_no_choices > 0
    multi = [i for i in qa.items if i.multi]
    assert all(len(i.gold) > 1 for i in multi) and all(len(i.gold) == 1 for i in qa.items if not i.multi)
    twenty = {i.id for i in sample(qa.items, 20, seed=0)}
    assert len(twenty) == 20 and twenty <= {i.id for i in sample(qa.items, 40, seed=0)}


def test_sample_is_stratified_by_exam_and_reproducible(shared_data: Path) -> None:
    items = load_igakuqa(shared_data / "qa").items
    chosen = sample(items, 100, seed=0)
    assert [i.id for i in chosen] == [i.id for i in sample(items, 100, seed=0)]
    assert [i.id for i in chosen] != [i.id for i in sample(items, 100, seed=1)]
    for exam in ("112", "113", "114"):
        share = sum(i.exam == exam for i in items) / len(items)
        assert abs(sum(i.exam == exam for i in chosen) - 100 * share) < 1
        mine = [i for i in chosen if i.exam == exam]
        assert mine == [i for i in items if i in mine]  # each exam's questions in file order
    assert [i.exam for i in chosen[:6]] == ["112", "113", "114"] * 2  # interleaved: any prefix is stratified


@pytest.mark.parametrize(
    ("hits", "n", "low", "high"),
    [(0, 10, 0.0, 0.2775), (5, 10, 0.2366, 0.7634), (10, 10, 0.7225, 1.0)],  # Newcombe 1998, table I
)
def test_wilson_interval(hits: int, n: int, low: float, high: float) -> None:
    assert wilson_interval(hits, n) == pytest.approx((low, high), abs=1e-4)


@pytest.mark.parametrize(
    ("question", "multi", "gold", "chance"),
    [("正しいのはどれか。", False, ["a"], 1 / 5), ("正しいのはどれか。2つ選べ。", True, ["a", "b"], 1 / 10)],
)
def test_chance_level(question: str, multi: bool, gold: list[str], chance: float) -> None:
    choices = dict(zip("abcde", "12345", strict=True))
    item = QAItem(id="112A1", question=question, choices=choices, multi=multi, gold=gold, source="x")
    assert item.chance == pytest.approx(chance)


def test_eval_cli_prints_accuracy_per_backend_and_mode(llm_env: Path, tmp_path: Path) -> None:
    folder = _write_exam(tmp_path / "exam")
    out_file = tmp_path / "results.jsonl"
    result = CliRunner().invoke(app, ["eval", "qa", str(folder), "--rag", "off", "-o", str(out_file)])
    assert result.exit_code == 0, result.output
    assert "accuracy" in result.output and "1 問" in result.output
    assert "画像問題 1 問" in result.output
    (row,) = [json.loads(line) for line in out_file.read_text(encoding="utf-8").splitlines()]
    assert row["id"] == "1A1" and row["correct"] == (row["answer"] == ["b"])
