"""Shared helpers of the store tests: sample records, a real PostgreSQL server, and the ``store`` fixture.

``store_url``/``store`` are parametrised over both backends, so every test that uses them runs
once on SQLite and once on PostgreSQL. The PostgreSQL server is started once per session from the
server binaries (``initdb``/``pg_ctl`` on PATH or in /usr/lib/postgresql/*/bin) in a temporary
directory; without them the PostgreSQL cases are skipped with the reason shown by ``pytest -ra``.
As root the server runs as an unprivileged user (``postgres`` or ``nobody``, else one created
with ``useradd``), since PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import datetime as dt
import glob
import itertools
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from karte.records.models import (
    Allergy,
    Coding,
    Condition,
    Document,
    GoldEntity,
    Medication,
    Observation,
    PatientRecord,
    Section,
)
from karte.records.store import Store, open_store

PG_SKIP_REASON = "PostgreSQL server not installed: apt-get install postgresql"
JST = dt.timezone(dt.timedelta(hours=9))
_TIMEOUT = 120  # seconds for any one server command
_SUPERUSER = "karte"

# ---------------------------------------------------------------------------------------------
# Sample records
# ---------------------------------------------------------------------------------------------

_HEADINGS = (("chief_complaint", "主訴"), ("present_illness", "現病歴"), ("plan", "計画"))


def make_document(doc_id: str, bodies: tuple[str, str, str], **fields: Any) -> Document:
    """A document with the three sections of ``_HEADINGS`` and a gold entity per body."""
    text, sections, gold = "", [], []
    for (name, title), body in zip(_HEADINGS, bodies, strict=True):
        start = len(text)
        text += f"【{title}】\n"
        body_start = len(text)
        text += body + "\n"
        sections.append(
            Section(
                name=name,
                title=title,
                start=start,
                end=len(text),
                body_start=body_start,
                body_end=len(text) - 1,
            )
        )
        word = body.split("、")[0][:4]
        gold.append(
            GoldEntity(
                start=body_start,
                end=body_start + len(word),
                text=word,
                type="d",
                attributes={"certainty": "positive"},
            )
        )
    return Document(id=doc_id, text=text, sections=sections, gold=gold, **fields)


def rich_record(patient_id: str = "P001") -> PatientRecord:
    """A patient with Japanese text, sections, gold entities and every kind of child."""
    return PatientRecord(
        id=patient_id,
        birth_date=dt.date(1948, 2, 29),
        sex="female",
        name="山田 花子",
        name_kana="ヤマダ ハナコ",
        identifiers={"MRN": "00123", "カルテ番号": "K-9"},
        documents=[
            make_document(
                f"{patient_id}-D1",
                ("胸痛、呼吸困難", "3日前から労作時に胸痛が出現した。", "心電図、採血を行う。"),
                type="入院時記録",
                datetime=dt.datetime(2024, 4, 1, 9, 30, 15, 123456, tzinfo=JST),
                title="入院時記録",
                source="import/2024-04.jsonl",
            ),
            make_document(
                f"{patient_id}-D2",
                ("発熱", "昨夜より38.5℃の発熱。咳嗽なし。", "経過観察。"),
                datetime=dt.datetime(2024, 4, 2, 8, 0),  # naive stays naive
            ),
        ],
        observations=[
            Observation(
                id=f"{patient_id}-O1",
                local_name="白血球数",
                local_code="WBC",
                value=12.3,
                unit="10^3/μL",
                reference_low=3.3,
                reference_high=8.6,
                datetime=dt.datetime(2024, 4, 1, 10, 0, tzinfo=JST),
                codes=[Coding(system="JLAC10", code="2A990000001930952", display="白血球数")],
            ),
            Observation(id=f"{patient_id}-O2", local_name="尿蛋白", value_text="(2+)", reference_text="(-)"),
        ],
        medications=[
            Medication(
                id=f"{patient_id}-M1",
                name="アスピリン腸溶錠100mg",
                codes=[Coding(system="YJ", code="3399007H1021"), Coding(system="HOT9", code="1008697")],
                dosage="1回1錠 1日1回 朝食後",
                status="active",
                start=dt.date(2024, 4, 1),
                reason="狭心症",
            )
        ],
        allergies=[
            Allergy(id=f"{patient_id}-A1", substance="ペニシリン", category="medication", reaction="蕁麻疹"),
        ],
        conditions=[
            Condition(
                id=f"{patient_id}-C1",
                name="労作性狭心症",
                codes=[Coding(system="ICD10", code="I20.8", display="その他の型の狭心症")],
                clinical_status="active",
                onset=dt.date(2024, 3, 29),
            )
        ],
    )


def minimal_record(patient_id: str) -> PatientRecord:
    """A patient with nothing but an id: every optional field stays ``None``/empty."""
    return PatientRecord(id=patient_id)


def big_record(patient_id: str = "P-BIG", megabytes: int = 10) -> PatientRecord:
    """A patient with one document of about ``megabytes`` MB of UTF-8 Japanese text."""
    line = "患者は安静時にも胸部圧迫感を訴えた。ニトログリセリン舌下で軽快。\n"  # 33 chars, 97 bytes
    text = line * (megabytes * 1024 * 1024 // len(line.encode()) + 1)
    gold = [
        GoldEntity(start=len(text) - len(line), end=len(text) - len(line) + 2, text="患者", type="person")
    ]
    document = Document(
        id=f"{patient_id}-D1", text=text, gold=gold, datetime=dt.datetime(2024, 5, 1, tzinfo=JST)
    )
    return PatientRecord(id=patient_id, age=70, documents=[document])


class Samples:
    """The sample-record builders, for tests (as the ``samples`` fixture: conftest is not imported)."""

    jst = JST
    document = staticmethod(make_document)
    rich = staticmethod(rich_record)
    minimal = staticmethod(minimal_record)
    big = staticmethod(big_record)


@pytest.fixture
def samples() -> type[Samples]:
    return Samples


# ---------------------------------------------------------------------------------------------
# A real PostgreSQL server
# ---------------------------------------------------------------------------------------------


def find_pg_bindir() -> Path | None:
    """The directory with ``initdb``, ``pg_ctl`` and ``postgres`` (newest version first), if any."""
    candidates: list[Path] = []
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)

    def version(path: str) -> tuple[int, ...]:
        return tuple(int(n) for n in re.findall(r"\d+", Path(path).parent.parent.name))

    for initdb in sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=version, reverse=True):
        candidates.append(Path(initdb).parent)
    for bindir in candidates:
        if all(os.access(bindir / tool, os.X_OK) for tool in ("initdb", "pg_ctl", "postgres")):
            return bindir
    return None


def _text(output: str | bytes | None) -> str:
    return output.decode(errors="replace") if isinstance(output, bytes) else output or ""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server_account() -> pwd.struct_passwd | None:
    """``None`` when not root; else an unprivileged account to run the server as."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    subprocess.run(["useradd", "--system", "--no-create-home", "karte-pg"], check=True, timeout=_TIMEOUT)
    return pwd.getpwnam("karte-pg")


@dataclass
class PgServer:
    """A PostgreSQL server in a temporary directory, reachable on 127.0.0.1 with trust auth."""

    bindir: Path
    root: Path
    account: pwd.struct_passwd | None
    port: int = 0
    _names: Iterator[int] = field(default_factory=itertools.count)

    @property
    def datadir(self) -> Path:
        return self.root / "data"

    @property
    def logfile(self) -> Path:
        return self.root / "server.log"

    def url(self, database: str = "postgres", scheme: str = "postgresql+psycopg") -> str:
        return f"{scheme}://{_SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def _as_account(self) -> dict[str, Any]:
        if self.account is None:
            return {}
        return {"user": self.account.pw_uid, "group": self.account.pw_gid, "extra_groups": []}

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run a server binary as the server's account; fail the test with its output if it fails."""
        cmd = [str(self.bindir / args[0]), *args[1:]]
        env = {**os.environ, "LC_ALL": "C", "HOME": str(self.root)}
        try:
            done = subprocess.run(
                cmd,
                capture_output=True,
                text=True,
                timeout=_TIMEOUT,
                env=env,
                cwd=self.root,
                **self._as_account(),
            )
        except subprocess.TimeoutExpired as exc:
            output = f"{_text(exc.stdout)}\n{_text(exc.stderr)}\n{self.log_tail()}"
            pytest.fail(f"{' '.join(cmd)} timed out after {_TIMEOUT}s\n{output}")
        if check and done.returncode != 0:
            output = f"{done.stdout}\n{done.stderr}\n{self.log_tail()}"
            pytest.fail(f"{' '.join(cmd)} failed ({done.returncode}):\n{output}")
        return done

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.logfile.read_text(errors="replace").splitlines()[-lines:]
        except OSError:
            return "(no server log)"
        return "--- server.log ---\n" + "\n".join(text)

    def start(self) -> None:
        sockets = self.root / "sockets"
        sockets.mkdir()
        if self.account is not None:
            for path in (self.root, sockets):
                os.chown(path, self.account.pw_uid, self.account.pw_gid)
        data = str(self.datadir)
        self.run(
            "initdb", "-D", data, "-U", _SUPERUSER, "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync"
        )
        for attempt in range(3):  # another process may take the free port before the server binds it
            self.port = _free_port()
            with (self.datadir / "postgresql.conf").open("a") as conf:  # later settings win
                conf.write(
                    f"\nlisten_addresses = '127.0.0.1'\nport = {self.port}\n"
                    f"unix_socket_directories = '{sockets}'\n"
                    "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nmax_connections = 50\n"
                )
            start = ["pg_ctl", "-D", data, "-l", str(self.logfile), "-w", "-t", "60", "start"]
            if self.run(*start, check=attempt == 2).returncode == 0:
                return

    def stop(self) -> None:
        """Stop the server (fast, else immediate, else SIGKILL) and delete its directory."""
        try:
            if (self.datadir / "postmaster.pid").exists() and not self._pg_ctl_stop():
                self._kill()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def _pg_ctl_stop(self) -> bool:
        for mode in ("fast", "immediate"):
            cmd = [str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", mode, "-w", "-t", "30", "stop"]
            try:
                done = subprocess.run(cmd, capture_output=True, timeout=60, **self._as_account())
            except subprocess.TimeoutExpired:
                continue
            if done.returncode == 0:
                return True
        return False

    def _kill(self) -> None:
        try:
            pid = int((self.datadir / "postmaster.pid").read_text().split()[0])
            os.kill(pid, signal.SIGKILL)
            time.sleep(0.5)
        except (OSError, ValueError, IndexError):
            pass

    def create_database(self, extra: str = "") -> str:
        """A new empty database; returns its SQLAlchemy URL."""
        import psycopg

        name = f"karte_test_{next(self._names)}"
        with psycopg.connect(
            self.url().replace("postgresql+psycopg", "postgresql"), autocommit=True, connect_timeout=10
        ) as conn:
            conn.execute(f"CREATE DATABASE {name} {extra}".encode())
        return self.url(name)


def _temp_root() -> Path:
    """A temporary directory the server's account can reach (/tmp as root: pytest's tmp is 0700)."""
    base = "/tmp" if os.geteuid() == 0 and os.path.isdir("/tmp") else None
    return Path(tempfile.mkdtemp(prefix="karte-pg-", dir=base))


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    bindir = find_pg_bindir()
    if bindir is None:
        pytest.skip(PG_SKIP_REASON)
    server = PgServer(bindir=bindir, root=_temp_root(), account=_server_account())
    try:
        server.start()
        yield server
    finally:
        server.stop()


# ---------------------------------------------------------------------------------------------
# The store on each backend
# ---------------------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a new, empty database on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'home' / 'karte.db'}"
    server: PgServer = request.getfixturevalue("pg_server")
    return server.create_database()


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    with open_store(store_url) as opened:
        yield opened
