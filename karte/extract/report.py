"""Text tables of an :class:`EvaluationReport` (for ``karte eval extract`` and the benchmark)."""

from __future__ import annotations

from rich.table import Table

from karte.extract.evaluate import NONE, AttributeScore, EvaluationReport


def type_table(report: EvaluationReport) -> Table:
    table = Table(title=f"抽出の評価 (extraction scores): {report.documents} 文書 (documents)")
    for col in (
        "type",
        "gold",
        "pred",
        "exact P",
        "exact R",
        "exact F1",
        "partial P",
        "partial R",
        "partial F1",
    ):
        table.add_column(col, justify="left" if col == "type" else "right")
    for t in report.types:
        table.add_row(
            t.type,
            str(t.gold),
            str(t.predicted),
            f"{t.exact_precision:.3f}",
            f"{t.exact_recall:.3f}",
            f"{t.exact_f1:.3f}",
            f"{t.partial_precision:.3f}",
            f"{t.partial_recall:.3f}",
            f"{t.partial_f1:.3f}",
        )
    table.add_row(
        "micro", "", "", "", "", f"{report.micro_exact_f1:.3f}", "", "", f"{report.micro_partial_f1:.3f}"
    )
    return table


def attribute_table(score: AttributeScore) -> Table:
    title = (
        f"{score.attribute}: 正解率 (accuracy) {score.accuracy:.3f} = {score.correct}/{score.compared} "
        "(完全一致で見つかったスパン / on spans found exactly)"
    )
    values = sorted({v for row in score.confusion.values() for v in row} | set(score.confusion))
    table = Table(title=title)
    table.add_column("gold \\ pred")
    for v in values:
        table.add_column(v, justify="right")
    for g in values:
        row = score.confusion.get(g, {})
        table.add_row(g, *(str(row.get(p, 0)) for p in values))
    return table


_SHORT = {
    "clinical_context": "cc",
    "medication_value": "med_value",
    "test_value": "t_value",
    "test_key": "t_key",
    "medication": "med",
}


def confusion_table(report: EvaluationReport) -> Table:
    types = [t.type for t in report.types]
    columns = [*types, NONE]
    table = Table(title="種類の混同表 (type confusion, exact spans; (none) = missed / spurious)")
    table.add_column("gold \\ pred")
    for t in columns:
        table.add_column(_SHORT.get(t, t), justify="right")
    for g in [*types, NONE]:
        row = report.type_confusion.get(g, {})
        table.add_row(g, *(str(row.get(p, 0)) if g != NONE or p != NONE else "-" for p in columns))
    return table
