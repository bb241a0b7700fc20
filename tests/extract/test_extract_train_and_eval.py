"""``karte train ner`` on a few documents (smoke, deterministic) and ``karte eval extract`` end to end."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from karte.cli.main import app
from karte.extract.certainty_model import CertaintyModel
from karte.extract.evaluate import ScoredEntity, evaluate
from karte.extract.ner import NerModel, decode_bio
from karte.extract.pipeline import Extractor
from karte.extract.scoring import evaluate_path
from karte.extract.training.build import train_models

XML = """<?xml version="1.0" encoding="UTF-8"?>
<root><metadata><name>MedTxt-CR</name><language>JA</language></metadata>
<articles>
<article id="t1" title="t1">
<timex3 type="DATE">３日前</timex3>より<d certainty="positive">発熱</d>あり。
<t-test state="executed">胸部ＣＴ</t-test>で<a>右下葉</a>に<d certainty="suspicious">肺炎</d>を疑う。
<d certainty="negative">胸水</d>は認めない。
</article>
<article id="t2" title="t2">
<m-key state="executed">ＰＳＬ</m-key>内服中。
<d certainty="positive">皮疹</d>の<c>出現</c>あり。<d certainty="negative">発熱</d>なし。
</article>
</articles></root>
"""


def test_scorer_counts_exact_and_partial_matches() -> None:
    gold = [ScoredEntity(0, 4, "disease", "positive"), ScoredEntity(10, 12, "anatomy")]
    pred = [
        ScoredEntity(0, 4, "disease", "negative"),
        ScoredEntity(9, 12, "anatomy"),
        ScoredEntity(20, 22, "time"),
    ]
    report = evaluate([(gold, pred)])
    disease, anatomy = report.type_score("disease"), report.type_score("anatomy")
    assert disease.exact_f1 == 1.0
    assert anatomy.exact_f1 == 0.0 and anatomy.partial_f1 == 1.0
    assert report.type_score("time").exact_precision == 0.0
    assert report.certainty.compared == 1 and report.certainty.accuracy == 0.0
    assert report.certainty.confusion == {"positive": {"negative": 1}}
    assert report.type_confusion["(none)"] == {"time": 1, "anatomy": 1}


def test_bio_decoding() -> None:
    labels = ["O", "B-disease", "I-disease", "I-anatomy", "O", "I-time"]
    assert decode_bio(labels) == [(1, 3, "disease"), (3, 4, "anatomy"), (5, 6, "time")]


def test_eval_extract_on_a_small_file(tmp_path: Path) -> None:
    path = tmp_path / "small.xml"
    path.write_text(XML, encoding="utf-8")
    run = evaluate_path(path)
    assert run.report.documents == 2 and "all" in run.note
    assert run.report.type_score("disease").gold == 5
    result = CliRunner().invoke(app, ["eval", "extract", str(path), "--json", str(tmp_path / "r.json")])
    assert result.exit_code == 0, result.output
    assert "disease" in result.output and "certainty" in result.output
    assert (tmp_path / "r.json").is_file()


def test_eval_extract_reports_a_missing_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["eval", "extract", str(tmp_path / "none.xml")])
    assert result.exit_code != 0


def test_smoke_training_is_deterministic_and_usable(shared_data: Path, tmp_path: Path) -> None:
    data = [shared_data / "medtxt" / "MedTxt-RR-JA-training.xml"]
    first = train_models(data, out_dir=tmp_path / "a", limit=5, evaluate=False)
    train_models(data, out_dir=tmp_path / "b", limit=5, evaluate=False)
    assert first.ner.documents == 5
    for name in ("ner_ja.crfsuite", "certainty_ja.crfsuite"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    extractor = Extractor(
        model=NerModel(first.ner.model), certainty_model=CertaintyModel(first.certainty.model)
    )
    text = "右肺下葉に結節を認めます。胸水はありません。"
    for m in extractor.extract(text).mentions:
        assert 0 <= m.start < m.end <= len(text)
