"""``karte users``: local users of the web service and their API keys (every change is audited)."""

from __future__ import annotations

import getpass
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from karte.cli.common import cli_settings, fail
from karte.errors import KarteError

if TYPE_CHECKING:
    from sqlalchemy import Engine

users_app = typer.Typer(help="Web の利用者と API キー (users, roles and API keys)", no_args_is_help=True)
PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin", help="パスワードを標準入力の1行目から読む / read the password from stdin"
    ),
]


def _engine() -> Engine:
    from karte.audit.database import open_service_engine

    return open_service_engine(cli_settings().database_url)


def _audit(engine: Engine, action: str, username: str, **detail: Any) -> None:
    from karte.audit import AuditEvent, AuditLog

    actor = f"cli:{getpass.getuser()}"
    AuditLog(engine).append(AuditEvent(actor=actor, action=action, target=f"user:{username}", detail=detail))


def _password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            fail("標準入力にパスワードがありません (no password on stdin)")
        return line.rstrip("\r\n")
    value: str = typer.prompt("パスワード (password)", hide_input=True, confirmation_prompt=True)
    return value


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")


@users_app.command("add")
def add(
    username: Annotated[str, typer.Argument(help="利用者名 / user name")],
    role: Annotated[str, typer.Option(help="admin | physician | coordinator | coder | researcher")],
    display_name: Annotated[str | None, typer.Option(help="表示名 / display name")] = None,
    password_stdin: PasswordStdin = False,
) -> None:
    """利用者を追加 (add a user; the first one is usually --role admin)."""
    from karte.auth import UserStore, role_table

    try:
        role_table().check_role(role)
        engine = _engine()
        user = UserStore(engine).add(username, _password(password_stdin), role, display_name)
        _audit(engine, "user.add", user.username, role=role)
    except KarteError as exc:
        fail(str(exc))
    typer.echo(f"利用者 {user.username} ({role_table().title(role)}) を追加しました")


@users_app.command("list")
def list_users() -> None:
    """利用者の一覧 (list users)."""
    from karte.audit.tables import utcnow
    from karte.auth import UserStore, role_table

    try:
        found = UserStore(_engine()).list()
    except KarteError as exc:
        fail(str(exc))
    now = utcnow()
    for user in found:
        state = "無効" if not user.active else ("ロック中" if user.locked(now) else "有効")
        typer.echo(
            "\t".join(
                [user.username, user.role, role_table().title(user.role), state, user.display_name or ""]
            )
        )


def _change(action: str, username: str, **values: Any) -> None:
    from karte.auth import UserStore

    try:
        engine = _engine()
        store = UserStore(engine)
        if action == "passwd":
            store.set_password(username, values["password"])
            values = {}
        elif action == "role":
            store.set_role(username, values["role"])
        elif action in ("disable", "enable"):
            user = store.set_active(username, action == "enable")
            if action == "disable":
                from karte.auth.sessions import end_sessions

                end_sessions(engine, user.id)
        elif action == "unlock":
            store.unlock(username)
        _audit(engine, f"user.{action}", username, **values)
    except KarteError as exc:
        fail(str(exc))
    typer.echo(f"{username}: {action} OK")


@users_app.command("passwd")
def passwd(username: str, password_stdin: PasswordStdin = False) -> None:
    """パスワードを変更 (set a new password)."""
    _change("passwd", username, password=_password(password_stdin))


@users_app.command("role")
def role(username: str, new_role: Annotated[str, typer.Argument(metavar="ROLE")]) -> None:
    """役割を変更 (change the role)."""
    _change("role", username, role=new_role)


@users_app.command("disable")
def disable(username: str) -> None:
    """利用者を無効化し、セッションを終了 (disable a user and end their sessions)."""
    _change("disable", username)


@users_app.command("enable")
def enable(username: str) -> None:
    """利用者を有効化 (enable a user)."""
    _change("enable", username)


@users_app.command("unlock")
def unlock(username: str) -> None:
    """ロックを解除 (unlock after failed log-ins)."""
    _change("unlock", username)


@users_app.command("key-add")
def key_add(
    username: str, name: Annotated[str, typer.Option(help="キーの名前 (用途) / what the key is for")]
) -> None:
    """API キーを作成して表示 (create an API key; it is shown only once)."""
    from karte.auth import ApiKeyStore

    try:
        engine = _engine()
        key, info = ApiKeyStore(engine).create(username, name)
        _audit(engine, "user.key-add", username, key_id=info.key_id, name=info.name)
    except KarteError as exc:
        fail(str(exc))
    typer.echo(key)
    typer.echo(
        f"API キー {info.key_id} ({info.name}) を作成しました。この表示の後は確認できません。", err=True
    )


@users_app.command("keys")
def keys(username: Annotated[str | None, typer.Argument()] = None) -> None:
    """API キーの一覧 (list API keys)."""
    from karte.auth import ApiKeyStore

    try:
        found = ApiKeyStore(_engine()).list(username)
    except KarteError as exc:
        fail(str(exc))
    for info in found:
        state = "失効" if info.revoked_at else "有効"
        used = info.last_used_at.isoformat(timespec="seconds") if info.last_used_at else "-"
        typer.echo(f"{info.key_id}\t{info.username}\t{info.name}\t{state}\t{used}")


@users_app.command("key-revoke")
def key_revoke(key_id: str) -> None:
    """API キーを失効 (revoke an API key)."""
    from karte.auth import ApiKeyStore

    try:
        engine = _engine()
        info = ApiKeyStore(engine).revoke(key_id)
        _audit(engine, "user.key-revoke", info.username, key_id=key_id)
    except KarteError as exc:
        fail(str(exc))
    typer.echo(f"API キー {key_id} を失効しました")
