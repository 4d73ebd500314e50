"""A real OpenSSH server on a loopback port for the SSH tests: throwaway keys, key-only auth."""

from __future__ import annotations

import contextlib
import getpass
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"


def sshd_available() -> bool:
    return Path(SSHD).exists() and shutil.which("ssh") is not None


@dataclass
class SshServer:
    port: int
    user: str
    client_key: Path
    authorized_keys: Path
    known_hosts: Path

    def ssh_argv(self, *extra: str) -> list[str]:
        return [
            "ssh",
            "-tt",
            "-p",
            str(self.port),
            "-i",
            str(self.client_key),
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "BatchMode=yes",
            "-o",
            f"UserKnownHostsFile={self.known_hosts}",
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "LogLevel=ERROR",
            *extra,
            f"{self.user}@127.0.0.1",
        ]

    def public_key(self) -> str:
        return self.client_key.with_suffix(".pub").read_text().strip()


def _keygen(path: Path, comment: str) -> None:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)], check=True
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def running_sshd(base: Path) -> Iterator[SshServer]:
    base.mkdir(parents=True, exist_ok=True)
    host_key = base / "host_ed25519"
    client_key = base / "client_ed25519"
    _keygen(host_key, "floorapp-test-host")
    _keygen(client_key, "floorapp-test-client")
    auth = base / "authorized_keys"
    auth.write_text("")
    Path("/run/sshd").mkdir(exist_ok=True)  # privilege-separation directory sshd insists on
    port = _free_port()
    config = base / "sshd_config"
    config.write_text(
        f"""Port {port}
ListenAddress 127.0.0.1
HostKey {host_key}
PidFile {base / "sshd.pid"}
AuthorizedKeysFile {auth}
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
PermitUserEnvironment no
ClientAliveInterval 2
ClientAliveCountMax 2
AcceptEnv COLORTERM NO_COLOR LANG LC_*
"""
    )
    proc = subprocess.Popen(
        [SSHD, "-D", "-e", "-f", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=open(base / "sshd.log", "wb"),
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("sshd did not start: " + (base / "sshd.log").read_text())
            time.sleep(0.1)
        yield SshServer(
            port=port,
            user=getpass.getuser(),
            client_key=client_key,
            authorized_keys=auth,
            known_hosts=base / "known_hosts",
        )
    finally:
        proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(5)
