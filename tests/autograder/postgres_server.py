"""A throwaway PostgreSQL server on loopback for the gradebook tests (Debian's ``postgresql`` package).

``start_server(folder)`` runs ``initdb`` and ``pg_ctl start`` in ``folder`` as the unprivileged ``postgres`` user
when the tests run as root (PostgreSQL refuses to run as root), listening on 127.0.0.1 at a free port and on a
socket inside ``folder``; it returns a :class:`Server` whose ``url(db)`` creates the database and gives the
SQLAlchemy URL. Locally a missing server skips the tests; in CI it fails them (``optional_tools``).
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

from optional_tools import missing, require

INSTALL_HINT = "apt-get install postgresql; pip install psycopg2-binary"


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[4]))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    bin: Path
    data: Path
    port: int
    as_user: list[str]

    def run(self, *argv: str, check=True) -> subprocess.CompletedProcess:
        return subprocess.run([*self.as_user, *argv], capture_output=True, text=True, check=check, timeout=120)

    def url(self, database: str) -> str:
        self.run(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", database)
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        self.run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)


def start_server(folder: Path) -> Server:
    require("psycopg2", "the PostgreSQL gradebook tests")
    bin_dir = _bin_dir()
    if bin_dir is None:
        missing(f"no PostgreSQL server under /usr/lib/postgresql ({INSTALL_HINT}), needed for the PostgreSQL "
                "gradebook tests")
    as_user = []
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            missing("runuser is not installed, needed to start PostgreSQL as the postgres user")
        as_user = ["runuser", "-u", "postgres", "--"]
        os.chmod(folder, 0o777)
    data, port = folder / "data", _free_port()
    server = Server(bin_dir, data, port, as_user)
    server.run(str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
               "--no-sync")
    server.run(str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log"), "-w", "-t", "60",
               "-o", f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c fsync=off", "start")
    return server
