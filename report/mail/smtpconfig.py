"""Talking SMTP: settings from the environment (never from data.yaml, never printed) -> a
connection -> one transaction per message -> the reply's class (sent, permanent, transient).

`settings_from_env(environ)` checks every variable at once and raises one DataError listing
what is missing or wrong. `open_connection(settings)` returns a logged-in smtplib client: TLS
is verified (SMTP_CA_FILE replaces the system's trust store, e.g. for a private CA), and a
password is never sent over a connection that is not encrypted.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path

from ..errors import DataError, DeliveryError
from .ledger import FAILED_PERMANENT, FAILED_TRANSIENT
from .recipients import address_problem

SECURITY_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
DEFAULT_TIMEOUT = 60.0
DEFAULT_MAX_BYTES = 10_000_000  # the whole message, after base64


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send. The password is left out of repr() so it never gets printed."""

    mail_from: str  # the From header, e.g. "Field Briefings <briefings@example.org>"
    host: str = ""
    port: int = 0
    security: str = "starttls"  # "starttls", "ssl" or "none"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    reply_to: str | None = None
    ca_file: Path | None = None
    timeout: float = DEFAULT_TIMEOUT
    max_bytes: int = DEFAULT_MAX_BYTES

    @property
    def from_address(self) -> str:
        return parseaddr(self.mail_from)[1]

    @property
    def server(self) -> str:
        return f"{self.host}:{self.port}"


class ConnectError(Exception):
    """The server could not be reached or dropped the connection while it was being set up
    (a transient condition: the run carries on later)."""


def settings_from_env(environ, *, need_server: bool = True) -> SmtpSettings:
    """Read MAIL_* and SMTP_* variables; `need_server=False` (a dry run) needs only MAIL_FROM."""
    env = {key: value.strip() for key, value in environ.items()
           if key.startswith(("SMTP_", "MAIL_")) and value.strip()}
    problems = []
    mail_from = _address_setting(env, "MAIL_FROM", problems, required=True)
    reply_to = _address_setting(env, "MAIL_REPLY_TO", problems, required=False)
    max_bytes = _number(env, "MAIL_MAX_BYTES", DEFAULT_MAX_BYTES, int, problems)
    if not need_server:
        _raise_if(problems)
        return SmtpSettings(mail_from=mail_from, reply_to=reply_to, max_bytes=max_bytes)
    security = env.get("SMTP_SECURITY", "starttls").lower()
    if security not in SECURITY_PORTS:
        problems.append(f"environment: SMTP_SECURITY={env['SMTP_SECURITY']!r}: expected one "
                        f"of {', '.join(SECURITY_PORTS)}")
        security = "starttls"
    host = env.get("SMTP_HOST", "")
    if not host:
        problems.append("environment: SMTP_HOST is not set; set it to the mail server's host "
                        "name, e.g. SMTP_HOST=smtp.example.org")
    port = _number(env, "SMTP_PORT", SECURITY_PORTS[security], int, problems)
    if not 0 < port < 65536:
        problems.append(f"environment: SMTP_PORT={port}: expected a port between 1 and 65535")
    username, password = env.get("SMTP_USERNAME"), environ.get("SMTP_PASSWORD") or None
    _check_credentials(username, password, security, problems)
    ca_file = env.get("SMTP_CA_FILE")
    if ca_file and not Path(ca_file).is_file():
        problems.append(f"environment: SMTP_CA_FILE={ca_file}: no such file; point it to a "
                        "PEM file with the certificate authority to trust")
    timeout = _number(env, "SMTP_TIMEOUT", DEFAULT_TIMEOUT, float, problems)
    _raise_if(problems)
    return SmtpSettings(mail_from=mail_from, host=host, port=port, security=security,
                        username=username, password=password, reply_to=reply_to,
                        ca_file=Path(ca_file) if ca_file else None, timeout=timeout,
                        max_bytes=max_bytes)


def _raise_if(problems) -> None:
    if problems:
        raise DataError(problems)


def _address_setting(env, name, problems, *, required):
    value = env.get(name)
    if value is None:
        if required:
            problems.append(f"environment: {name} is not set; set it to the sender, e.g. "
                            f"{name}='Field Briefings <briefings@example.org>'")
        return value
    if "\n" in value or "\r" in value:
        problem = "contains a line break"
    else:
        problem = address_problem(parseaddr(value)[1] or value)
    if problem:
        problems.append(f"environment: {name}: {problem}")
    return value


def _number(env, name, default, kind, problems):
    if name not in env:
        return default
    try:
        value = kind(env[name])
    except ValueError:
        value = -1
    if value <= 0:
        problems.append(f"environment: {name}={env[name]!r}: expected a positive "
                        f"{'whole ' if kind is int else ''}number")
        return default
    return value


def _check_credentials(username, password, security, problems) -> None:
    if bool(username) != bool(password):
        problems.append("environment: set both SMTP_USERNAME and SMTP_PASSWORD, or neither")
    elif username and security == "none":
        problems.append("environment: SMTP_SECURITY=none would send SMTP_PASSWORD in plain "
                        "text; use starttls or ssl, or unset SMTP_USERNAME and SMTP_PASSWORD")


def make_ssl_context(settings: SmtpSettings) -> ssl.SSLContext:
    """Verify the server's certificate and name, against SMTP_CA_FILE if set."""
    return ssl.create_default_context(cafile=str(settings.ca_file) if settings.ca_file else None)


def open_connection(settings: SmtpSettings, *, local_hostname: str | None = None):
    """A connected (and, with credentials, logged-in) smtplib client.

    Raises ConnectError when the server cannot be reached (try again later) and DeliveryError
    when the settings cannot work (no STARTTLS, untrusted certificate, login refused).
    """
    context = make_ssl_context(settings) if settings.security != "none" else None
    try:
        if settings.security == "ssl":
            conn = smtplib.SMTP_SSL(settings.host, settings.port, local_hostname,
                                    timeout=settings.timeout, context=context)
        else:
            conn = smtplib.SMTP(settings.host, settings.port, local_hostname,
                                timeout=settings.timeout)
        try:
            _secure_and_login(conn, settings, context)
        except BaseException:
            conn.close()
            raise
    except ssl.SSLCertVerificationError as exc:
        raise DeliveryError(
            f"{settings.server}: the server's certificate is not trusted "
            f"({exc.verify_message}); if it uses a private certificate authority, set "
            "SMTP_CA_FILE to that authority's certificate (PEM)") from None
    except ssl.SSLError as exc:
        raise DeliveryError(
            f"{settings.server}: TLS failed ({exc.reason or exc}); check that SMTP_SECURITY "
            f"({settings.security}) and SMTP_PORT match the server") from None
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(
            f"{settings.server}: the server refused the login of SMTP_USERNAME="
            f"{settings.username} ({exc.smtp_code} {_text(exc.smtp_error)}); check "
            "SMTP_USERNAME and SMTP_PASSWORD") from None
    except smtplib.SMTPNotSupportedError as exc:
        raise DeliveryError(f"{settings.server}: {exc}") from None
    except smtplib.SMTPConnectError as exc:
        if exc.smtp_code >= 500:
            raise DeliveryError(f"{settings.server}: the server refuses connections: "
                                f"{exc.smtp_code} {_text(exc.smtp_error)}") from None
        raise ConnectError(f"cannot connect to {settings.server}: {exc.smtp_code} "
                           f"{_text(exc.smtp_error)}") from None
    except (OSError, smtplib.SMTPException) as exc:
        raise ConnectError(f"cannot connect to {settings.server}: "
                           f"{describe_os_error(exc, settings.timeout)}") from None
    return conn


def _secure_and_login(conn, settings, context) -> None:
    conn.ehlo()
    if settings.security == "starttls":
        if not conn.has_extn("starttls"):
            raise DeliveryError(
                f"{settings.server} does not offer STARTTLS; refusing to send the password "
                "or the mail in plain text. Use SMTP_SECURITY=ssl if the server expects TLS "
                "from the start (usually port 465)")
        conn.starttls(context=context)
        conn.ehlo()
    if settings.username:
        if not conn.has_extn("auth"):
            raise DeliveryError(f"{settings.server} does not offer AUTH; unset SMTP_USERNAME "
                                "and SMTP_PASSWORD if it accepts mail without a login")
        conn.login(settings.username, settings.password)


def describe_os_error(exc, timeout: float) -> str:
    """One line for a network failure."""
    if isinstance(exc, TimeoutError):
        return f"no answer within {timeout:g} s (SMTP_TIMEOUT)"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return "the server closed the connection"
    return str(exc) or type(exc).__name__


def _text(reply) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


class Transport:
    """One SMTP connection at a time: opened when needed, dropped after any failure."""

    def __init__(self, settings, connect):
        self.settings = settings
        self.connect = connect
        self.conn = None
        self.local_hostname = socket.getfqdn()

    def open(self) -> None:
        if self.conn is None:
            self.conn = self.connect(self.settings, local_hostname=self.local_hostname)

    def send(self, to_addr: str, data: bytes):
        """One transaction, one recipient: MAIL, RCPT, DATA; the final reply, or raises."""
        conn, sender = self.conn, self.settings.from_address
        options = [f"SIZE={len(data)}"] if conn.has_extn("size") else []
        code, reply = conn.mail(sender, options)
        if code != 250:
            raise smtplib.SMTPSenderRefused(code, reply, sender)
        code, reply = conn.rcpt(to_addr)
        if code not in (250, 251):
            raise smtplib.SMTPRecipientsRefused({to_addr: (code, reply)})
        code, reply = conn.data(data)
        if code != 250:
            raise smtplib.SMTPDataError(code, reply)
        return code, reply

    def drop(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self.drop()


def classify(exc, timeout: float) -> tuple:
    """(state, code, reply) for a failed transaction: 5xx except 552 permanent, the rest
    (4xx, 552, timeouts, dropped connections) transient."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, reply = next(iter(exc.recipients.values()))
    elif isinstance(exc, smtplib.SMTPResponseException):
        code, reply = exc.smtp_code, exc.smtp_error
    else:
        return FAILED_TRANSIENT, None, describe_os_error(exc, timeout)
    reply = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    permanent = 500 <= code < 600 and code != 552
    return (FAILED_PERMANENT if permanent else FAILED_TRANSIENT), code, " ".join(reply.split())
