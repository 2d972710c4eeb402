"""
A real IMAP server for the tests and the bench: Debian's Dovecot, run from a
configuration of its own in a temporary folder (its own port, a passwd-file with one
throw-away user, a maildir), started once and stopped after. Nothing of the
machine's own Dovecot (/etc/dovecot, its service) is used or touched.

Mail is delivered with IMAP APPEND, as a mail server's delivery agent would leave it:
real MIME, unread.
"""

from __future__ import annotations

import grp
import imaplib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from tests.helpers import free_port

DOVECOT = "/usr/sbin/dovecot"
USER = "support"
PASSWORD = "throw-away-imap-password"  # a demo value for a server that lives for one test run

CONFIG = """
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
first_valid_uid = 1
mail_location = maildir:{root}/mail/%u
mail_fsync = never
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/passwd
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
"""


def dovecot_available() -> bool:
    return os.access(DOVECOT, os.X_OK)


class Dovecot:
    """One Dovecot instance with one mailbox user; `start()`, then `stop()`."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="candor-dovecot-"))
        self.host = "127.0.0.1"
        self.port = free_port()
        self.user = USER
        self.password = PASSWORD

    def start(self) -> Dovecot:
        # Root runs the mail processes as nobody (Dovecot refuses UID 0 for mail); anyone
        # else as themselves.
        if os.geteuid() == 0:
            uid, gid = pwd.getpwnam("nobody").pw_uid, grp.getgrnam("nogroup").gr_gid
        else:
            uid, gid = os.getuid(), os.getgid()
        user, group = pwd.getpwuid(uid).pw_name, grp.getgrgid(gid).gr_name
        # Its processes (auth, mail) run as that user: they must read the passwd-file.
        self.root.chmod(0o755)
        for folder in ("run", "state", "mail"):
            (self.root / folder).mkdir()
        (self.root / "dovecot.conf").write_text(
            CONFIG.format(root=self.root, port=self.port, user=user, group=group)
        )
        (self.root / "passwd").write_text(
            f"{USER}:{{PLAIN}}{PASSWORD}:{uid}:{gid}::{self.root}/mail/{USER}\n"
        )
        if os.geteuid() == 0:
            os.chown(self.root / "mail", uid, gid)
        # In the foreground: our child, stopped by its own handle, never found by name.
        self.process = subprocess.Popen([DOVECOT, "-F", "-c", str(self.root / "dovecot.conf")])
        deadline = time.monotonic() + 10
        while True:
            try:
                self.connect().logout()
                return self
            except (OSError, imaplib.IMAP4.error):  # not listening yet, or auth not up
                if time.monotonic() > deadline or self.process.poll() is not None:
                    log = self.root / "dovecot.log"
                    message = log.read_text() if log.exists() else "no log"
                    self.stop()  # never leave a server behind
                    raise RuntimeError(message) from None
                time.sleep(0.05)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)

    def connect(self, folder: str = "INBOX") -> imaplib.IMAP4:
        imap = imaplib.IMAP4(self.host, self.port, timeout=10)
        imap.login(self.user, self.password)
        imap.select(folder)
        return imap

    def deliver(self, *messages: bytes) -> None:
        """Put these raw emails in the inbox, unread."""
        imap = self.connect()
        try:
            for raw in messages:
                status, _data = imap.append("INBOX", None, None, raw)
                assert status == "OK", _data
        finally:
            imap.logout()

    def unread(self) -> int:
        imap = self.connect()
        try:
            _status, [found] = imap.search(None, "UNSEEN")
            return len(found.split())
        finally:
            imap.logout()

    def mark_all_unread(self) -> None:
        """As if whoever read the inbox had stopped before marking anything read."""
        imap = self.connect()
        try:
            imap.store("1:*", "-FLAGS", r"(\Seen)")
        finally:
            imap.logout()

    def empty(self) -> None:
        """Delete every message in the inbox."""
        imap = self.connect()
        try:
            imap.store("1:*", "+FLAGS", r"(\Deleted)")
            imap.expunge()
        except imaplib.IMAP4.error:
            pass  # an empty inbox has no 1:*
        finally:
            imap.logout()

    def settings(self) -> dict:
        """The Django settings that point the support mailbox at this server."""
        return {
            "SUPPORT_IMAP_HOST": self.host,
            "SUPPORT_IMAP_PORT": self.port,
            "SUPPORT_IMAP_TLS": False,
            "SUPPORT_IMAP_USER": self.user,
            "SUPPORT_IMAP_PASSWORD": self.password,
        }
