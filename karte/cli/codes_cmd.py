"""``karte codes import|search|show|status`` and ``karte eval code PATH.jsonl``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from karte.cli.common import EVAL_HELP, cli_settings, command_group, fail
from karte.errors import KarteError

codes_app = typer.Typer(
    help="コード表 (code tables: ICD-10, ICD-11, ICF, J-FAGY, JLAC)", no_args_is_help=True
)
_out = Console()


@codes_app.command("import")
def import_command(
    system: Annotated[str, typer.Argument(help="icd11 | icf | jfagy | jlac")],
    file: Annotated[
        Path, typer.Argument(help="公式ファイル (official file; for icd11 the file or its folder)")
    ],
) -> None:
    """公式コード表を取り込み、以後の実行で使う (import an official code table for later runs)."""
    from karte.terminology.importers import import_table

    try:
        result = import_table(system, file, cli_settings())
    except KarteError as exc:
        fail(str(exc))
    _out.print(
        f"{result.system}: {result.rows} 行を取り込みました (imported {result.rows} rows) → {result.path}"
    )
    _out.print(f"version: {result.version}")


@codes_app.command("search")
def search_command(
    system: Annotated[str, typer.Argument(help="icd10 | icd11 | icf | jfagy | jlac")],
    text: Annotated[str, typer.Argument(help="検索語 (phrase)")],
    k: Annotated[int, typer.Option("-k", "--top", help="件数 (how many)")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="JSON で出力 (print JSON)")] = False,
) -> None:
    """語句に合うコードを探す (search codes for a phrase)."""
    from karte.terminology.registry import get_code_system

    try:
        cs = get_code_system(system, cli_settings())
        matches = cs.search(text, k)
    except KarteError as exc:
        fail(str(exc))
    if as_json:
        rows = [
            {
                "code": m.code,
                "display": m.display,
                "score": m.score,
                "kind": m.kind,
                "spans": [[s.start, s.end, text[s.start : s.end]] for s in m.spans],
                "rationale": m.rationale,
            }
            for m in matches
        ]
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"{cs.title} — 「{text}」")
    for col in ("code", "表示名 / display", "score", "根拠 / evidence"):
        table.add_column(col)
    for m in matches:
        spans = ", ".join(text[s.start : s.end] for s in m.spans)
        table.add_row(m.code, m.display, f"{m.score:.3f}", f"[{spans}] {m.rationale}")
    if not matches:
        _out.print("該当なし (no match)")
        return
    _out.print(table)


@codes_app.command("show")
def show_command(
    system: Annotated[str, typer.Argument(help="icd10 | icd11 | icf | jfagy | jlac")],
    code: Annotated[str, typer.Argument(help="コード (code; ICD-11 clusters and ICF qualifiers allowed)")],
) -> None:
    """コードの内容・階層・妥当性 (show a code: names, hierarchy, validity)."""
    from karte.terminology.registry import get_code_system

    try:
        cs = get_code_system(system, cli_settings())
    except KarteError as exc:
        fail(str(exc))
    check = cs.validate(code)
    concept = cs.lookup(code)
    _out.print(f"{cs.title} ({cs.version}; {cs.origin})")
    _out.print(
        f"code: {check.code}  valid: {'yes' if check.ok else 'no'}"
        + (f"  ({check.reason})" if check.reason else "")
    )
    if system.lower().startswith("icd11") and check.ok:
        _out.print(f"日本語: {cs.display(code, 'ja')}")
        _out.print(f"English: {cs.display(code, 'en')}")
    if concept is None:
        if not check.ok:
            raise typer.Exit(code=1)
        return
    _out.print(f"日本語: {concept.display_ja or '-'}")
    _out.print(f"English: {concept.display_en or '-'}")
    if concept.synonyms:
        _out.print(f"同義語 (synonyms): {', '.join(concept.synonyms)}")
    parents = cs.parents(concept.code)
    if parents:
        _out.print("上位 (parents): " + " < ".join(parents))
    children = cs.children(concept.code)
    if children:
        more = f" … (+{len(children) - 20})" if len(children) > 20 else ""
        _out.print("下位 (children): " + ", ".join(children[:20]) + more)


@codes_app.command("status")
def status_command() -> None:
    """使用中のコード表 (which code tables are in use: embedded or imported)."""
    from karte.terminology.installed import table_status

    for st in table_status(cli_settings()):
        _out.print(st.line())


def eval_code_command(
    path: Annotated[Path, typer.Argument(help="dev セット JSONL ({id, text, system, gold[, level]})")],
    misses: Annotated[int, typer.Option("--misses", help="表示する誤り数 (errors to list)")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="JSON で出力 (print JSON)")] = False,
) -> None:
    """コード化の精度 top-1/top-5（3桁・完全コード）(coding accuracy: top-1/top-5, category and full)."""
    from karte.terminology.evaluate import devset_predictor, evaluate, read_devset, subset_tags

    try:
        rows = read_devset(path)
        settings = cli_settings()
        predict = devset_predictor(settings)
        by_system: dict[str, list[dict[str, object]]] = {}
        for row in rows:
            by_system.setdefault(str(row["system"]), []).append(row)
        reports = []
        for system_rows in by_system.values():
            predict(system_rows[0])  # load tables before timing
            reports.append(evaluate(system_rows, predict, subset_tags, keep_misses=misses))
    except KarteError as exc:
        fail(str(exc))
    if as_json:
        typer.echo(json.dumps([r.as_dict() for r in reports], ensure_ascii=False, indent=2))
        return
    for r in reports:
        d = r.as_dict()
        table = Table(title=f"{path.name} — {d['system']} (n={d['n']}, {d['phrases_per_second']} phrases/s)")
        for col in ("level", "n", "top-1", "top-5"):
            table.add_column(col)
        level = "3-character" if d["system"] == "icd10" else "category"
        table.add_row(
            level, str(d["category"]["n"]), f"{d['category']['top1']:.3f}", f"{d['category']['top5']:.3f}"
        )
        table.add_row(
            "full code",
            str(d["full_code"]["n"]),
            f"{d['full_code']['top1']:.3f}",
            f"{d['full_code']['top5']:.3f}",
        )
        for name, t in d["subsets_category"].items():
            table.add_row(f"  {name}", str(t["n"]), f"{t['top1']:.3f}", f"{t['top5']:.3f}")
        _out.print(table)
        for m in r.misses[:misses]:
            _out.print(f"  ✗ {m['id']} 「{m['text']}」 gold={m['gold']} predicted={m['predicted']}")


def register(app: typer.Typer) -> None:
    app.add_typer(codes_app, name="codes")
    command_group(app, "eval", EVAL_HELP).command("code")(eval_code_command)
