"""A real SMTP server for the tests: aiosmtpd on 127.0.0.1, recording what it accepts.

Replies are scripted with two async hooks: `on_rcpt(address)` and `on_data(handler, server,
envelope)` return an SMTP reply ("451 4.7.1 try later") to refuse, DROP to cut the
connection, or None to accept (the message is then recorded in `received`).
"""

from __future__ import annotations

import contextlib
import email
import socket
import subprocess
import threading
from dataclasses import dataclass
from email import policy

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

DROP = object()
MAIL_FROM = "Field Briefings <briefings@example.org>"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list
    data: bytes
    message: email.message.EmailMessage
    tls: bool
    authenticated: bool


class Handler:
    """Records accepted messages; `on_rcpt` and `on_data` script the replies."""

    def __init__(self, on_rcpt=None, on_data=None):
        self.on_rcpt = on_rcpt
        self.on_data = on_data
        self.received = []
        self.rcpts = []  # every RCPT address the server was asked for
        self.data_calls = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        self.rcpts.append(address)
        reply = await self.on_rcpt(address) if self.on_rcpt else None
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        with self.lock:
            self.data_calls += 1
        reply = await self.on_data(self, server, envelope) if self.on_data else None
        if reply is DROP:
            server.transport.abort()
            return "421 4.4.2 dropped"
        if reply is not None:
            return reply
        self.record(server, envelope)
        return f"250 2.0.0 Ok: queued as Q{len(self.received)}"

    def record(self, server, envelope) -> None:
        """Keep a message as accepted (`server` is aiosmtpd's SMTP protocol instance)."""
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        tls = server.transport.get_extra_info("ssl_object") is not None
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                          envelope.content, message, tls=tls,
                                          authenticated=bool(server.session.authenticated)))

    def by_recipient(self) -> dict:
        """{rcpt address: [Message-ID, ...]} of the accepted messages."""
        found = {}
        for item in list(self.received):
            for rcpt in item.rcpt_tos:
                found.setdefault(rcpt, []).append(item.message["Message-ID"])
        return found


class Authenticator:
    """Accepts one user name and password; remembers every attempt."""

    def __init__(self, username: str, password: str):
        self.expected = (username.encode(), password.encode())
        self.attempts = []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword):
            self.attempts.append((mechanism, auth_data.login.decode()))
            ok = (auth_data.login, auth_data.password) == self.expected
            return AuthResult(success=ok, handled=False)
        return AuthResult(success=False, handled=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    handler: Handler
    port: int
    security: str = "none"

    def env(self, **extra) -> dict:
        """The SMTP_* / MAIL_* variables that point `send` to this server."""
        return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(self.port),
                "SMTP_SECURITY": self.security, "MAIL_FROM": MAIL_FROM, **extra}


@contextlib.contextmanager
def smtp_server(handler: Handler | None = None, *, security: str = "none", **smtp_options):
    """Run an SMTP server on a free loopback port for the duration of the block."""
    handler = handler or Handler()
    for _try in range(5):  # another process may take the port between the probe and bind
        port = free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port,
                                server_hostname="localhost", **smtp_options)
        try:
            controller.start()
        except (RuntimeError, OSError):
            continue
        break
    else:
        raise RuntimeError("no free port for the test SMTP server")
    try:
        yield Server(handler, port, security)
    finally:
        controller.stop()


def make_certificate(folder) -> tuple:
    """A self-signed certificate for 127.0.0.1 and localhost: (cert.pem, key.pem)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True)
    return cert, key
