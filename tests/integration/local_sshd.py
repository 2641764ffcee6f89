"""A real ssh target on 127.0.0.1 for tests: OpenSSH's sshd with a throwaway host key and client key.

``LocalSshd(folder)`` writes a host key, a client key, an authorized_keys file and an sshd_config into
folder, starts ``sshd -D`` on a free port of 127.0.0.1 (as the current user, key login only, for that user
only) and stops it, by its pid, on exit. ``ensure_sshd()`` installs Debian's openssh-server when sshd is
missing and the tests run as root with apt-get (CI runs on a clean machine as root); otherwise it says why not.
"""

import fcntl
import getpass
import os
import pathlib
import shutil
import socket
import subprocess
import time

SSHD_PATHS = ("/usr/sbin/sshd", "/usr/local/sbin/sshd")
POLICY_RC = pathlib.Path("/usr/sbin/policy-rc.d")  # no service started by the package's install scripts


def find_sshd():
    found = shutil.which("sshd")
    return found or next((p for p in SSHD_PATHS if os.access(p, os.X_OK)), None)


def ensure_sshd(lock_path):
    """(path of sshd, None), or (None, why it cannot be had)."""
    if find_sshd():
        return find_sshd(), None
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return None, "sshd is not installed, and openssh-server can only be installed here as root with apt-get"
    with open(lock_path, "w") as lock:  # pytest-xdist workers: one installs, the others wait for it
        fcntl.flock(lock, fcntl.LOCK_EX)
        if find_sshd():
            return find_sshd(), None
        added_policy = not POLICY_RC.exists()
        if added_policy:  # keep the package from starting a system sshd on port 22
            POLICY_RC.write_text("#!/bin/sh\nexit 101\n")
            POLICY_RC.chmod(0o755)
        try:
            environment = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
            for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "openssh-server"]):
                done = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=600, check=False)
                if done.returncode != 0:
                    return None, f"{' '.join(command)} failed ({done.returncode}): {(done.stderr or done.stdout)[-500:]}"
        finally:
            if added_policy:
                POLICY_RC.unlink()
    return find_sshd(), None if find_sshd() else "openssh-server installed, but no sshd found"


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LocalSshd:
    """sshd on 127.0.0.1; user, port and key_file are what an inventory needs."""

    def __init__(self, folder, sshd):
        self.folder = pathlib.Path(folder)
        self.sshd = sshd
        self.user = getpass.getuser()
        self.key_file = self.folder / "client_key"
        self.port = None
        self.process = None

    def __enter__(self):
        self.folder.mkdir(parents=True, exist_ok=True)
        for key in (self.folder / "host_key", self.key_file):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
        shutil.copy(f"{self.key_file}.pub", self.folder / "authorized_keys")
        pathlib.Path("/run/sshd").mkdir(exist_ok=True)  # Debian's sshd wants its privilege separation folder
        for _attempt in range(5):  # a port found free can be taken before sshd binds it: try another
            self.port = _free_port()
            config = self.folder / "sshd_config"
            config.write_text("\n".join([
                "ListenAddress 127.0.0.1",
                f"Port {self.port}",
                f"HostKey {self.folder / 'host_key'}",
                f"PidFile {self.folder / 'sshd.pid'}",
                f"AuthorizedKeysFile {self.folder / 'authorized_keys'}",
                f"AllowUsers {self.user}",
                "PermitRootLogin prohibit-password",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "UsePAM no",
                "StrictModes no",
                "Subsystem sftp internal-sftp",
                "",
            ]))
            log = open(self.folder / "sshd.log", "ab")
            self.process = subprocess.Popen([self.sshd, "-D", "-e", "-f", str(config)], stdout=log, stderr=log)
            log.close()
            if self._wait_listening():
                return self
            self.stop()
        raise RuntimeError(f"sshd did not start: {(self.folder / 'sshd.log').read_text()[-2000:]}")

    def _wait_listening(self, seconds=20):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    if sock.recv(4).startswith(b"SSH-"):
                        return True
            except OSError:
                time.sleep(0.1)
        return False

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __exit__(self, *exc):
        self.stop()

    def inventory(self, path, name, python):
        """An inventory file with the host name reached over ssh on 127.0.0.1; returns its path."""
        options = " ".join([
            "ansible_connection=ssh",
            "ansible_host=127.0.0.1",
            f"ansible_port={self.port}",
            f"ansible_user={self.user}",
            f"ansible_ssh_private_key_file={self.key_file}",
            "ansible_ssh_common_args='-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes'",
            f"ansible_python_interpreter={python}",
        ])
        pathlib.Path(path).write_text(f"[targets]\n{name} {options}\n")
        return path
