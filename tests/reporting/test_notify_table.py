"""The notifiable-disease table: validity, dates, the NIID name list, the two real forms, importing."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
import yaml

from karte.config import get_settings
from karte.errors import InputError
from karte.reporting.diseases.forms import load_forms
from karte.reporting.diseases.importer import import_table, remove_imported
from karte.reporting.diseases.table import load_table, read_table_file
from karte.reporting.diseases.validate import compare_with_name_list, validate_table
from karte.reporting.resources import load_resource


def test_embedded_table_has_no_errors() -> None:
    table = load_table()
    errors = [p.line() for p in validate_table(table) if p.level == "error"]
    assert not errors
    for d in table.diseases:
        assert d.source and d.valid_from


@pytest.mark.parametrize(
    ("category", "count"),
    [("1類", 7), ("2類", 7), ("3類", 5), ("4類", 44)],
)
def test_classes_in_force_today(category: str, count: int) -> None:
    rows = [
        d for d in load_table().on(dt.date(2025, 6, 1)) if d.category == category and d.reporting == "全数"
    ]
    assert len(rows) == count


def test_five_class_notifiable_and_deadlines() -> None:
    rows = [d for d in load_table().on(dt.date(2025, 6, 1)) if d.category == "5類" and d.reporting == "全数"]
    assert len(rows) == 24
    immediate = sorted(d.name for d in rows if d.deadline == "直ちに")
    assert immediate == sorted(["侵襲性髄膜炎菌感染症", "風しん", "麻しん"])


@pytest.mark.parametrize(
    ("day", "row", "category", "reporting"),
    [
        ("2020-06-01", "covid19_designated", "指定感染症", "全数"),
        ("2022-06-01", "covid19_novel", "新型インフルエンザ等感染症", "全数"),
        ("2024-06-01", "covid19_sentinel", "5類", "定点"),
        ("2022-06-01", "monkeypox_2003", "4類", "全数"),
        ("2024-06-01", "mpox", "4類", "全数"),
    ],
)
def test_rows_change_with_the_date(day: str, row: str, category: str, reporting: str) -> None:
    in_force = {d.id: d for d in load_table().on(dt.date.fromisoformat(day))}
    assert row in in_force and in_force[row].category == category and in_force[row].reporting == reporting
    names = [d.name for d in in_force.values()]
    assert len(names) == len(set(names))


def test_niid_list_names_are_all_covered(shared_data: Path) -> None:
    """Every name of the 2023-W16 NIID 全数 list has a row in force on that date."""
    missing, _ = compare_with_name_list(
        load_table(),
        shared_data / "kansensho" / "niid_zensu_diseases_2023w16_order.csv",
        dt.date(2023, 4, 20),
    )
    assert missing == []


@pytest.mark.parametrize(
    ("form", "csv_name"),
    [("ehec", "Q_EHEC_eInfectionReport_items.csv"), ("encephalitis", "Q_IAE_eInfectionReport_items.csv")],
)
def test_form_fields_cover_the_real_questionnaire(shared_data: Path, form: str, csv_name: str) -> None:
    """Every required answerable item of the MHLW form (as a FHIR Questionnaire) maps to a field."""
    with (shared_data / "kansensho" / csv_name).open(encoding="utf-8") as fh:
        items = list(csv.DictReader(fh))
    required = {r["linkId"] for r in items if r["required"] == "true" and r["type"] != "group"}
    forms = load_forms()
    with_identity = form == "ehec"
    linked = {f.link[form] for f in forms.fields(form, with_identity) if form in f.link}
    all_ids = {r["linkId"] for r in items}
    assert required <= linked, sorted(required - linked)
    assert linked <= all_ids, sorted(linked - all_ids)


def test_importer_refuses_an_invalid_table_and_keeps_the_old(tmp_path: Path) -> None:
    data = load_resource("ja", "notifiable_diseases.yaml")
    broken = {**data, "diseases": [dict(data["diseases"][0], deadline="7日以内"), *data["diseases"][1:]]}
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(broken, allow_unicode=True), encoding="utf-8")
    result = import_table(path, get_settings())
    assert result.stored is None and any(
        p.level == "error" and "直ちに" in p.message for p in result.problems
    )
    assert load_table(get_settings()).origin == "embedded"


def test_importer_installs_a_valid_update(tmp_path: Path) -> None:
    data = load_resource("ja", "notifiable_diseases.yaml")
    updated = {**data, "meta": {**data["meta"], "version": "2099-01-01"}}
    path = tmp_path / "update.yaml"
    path.write_text(yaml.safe_dump(updated, allow_unicode=True), encoding="utf-8")
    result = import_table(path, get_settings())
    assert result.stored is not None
    table = load_table(get_settings())
    assert table.version == "2099-01-01" and table.origin == str(result.stored)
    assert remove_imported(get_settings()) and load_table(get_settings()).origin == "embedded"


def test_schema_error_names_the_row(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "diseases:\n  - {id: x, name: X, category: 6類, reporting: 全数, deadline: 直ちに,"
        " terms: [X], source: s, valid_from: '2020-01-01'}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as exc:
        read_table_file(path)
    assert "x" in exc.value.message and "category" in exc.value.message
