"""Talking SMTP: settings from the environment (never from data.yaml, never printed) -> a
connection -> one transaction per message -> a neutral `Reply` (accepted, refused, deferred),
which the ledger turns into its states.

`settings_from_env(environ)` checks every variable at once and raises one DataError listing
what is missing or wrong. `open_connection(settings)` returns a logged-in smtplib client: TLS
is verified (SMTP_CA_FILE replaces the system's trust store, e.g. for a private CA), and a
password is never sent over a connection that is not encrypted, nor printed.
"""

from __future__ import annotations

import base64
import enum
import smtplib
import socket
import ssl
from dataclasses import dataclass, field
from email import policy
from email.headerregistry import Address
from pathlib import Path

from ..errors import DataError, DeliveryError
from .recipients import address_problem

SECURITY_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
DEFAULT_TIMEOUT = 60.0
DEFAULT_MAX_BYTES = 10_000_000  # the whole message, after base64


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send. The password is left out of repr() so it never gets printed."""

    mail_from: Address  # the From header, e.g. "Field Briefings <briefings@example.org>"
    host: str = ""
    port: int = 0
    security: str = "starttls"  # "starttls", "ssl" or "none"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    reply_to: Address | None = None
    ca_file: Path | None = None
    timeout: float = DEFAULT_TIMEOUT
    max_bytes: int = DEFAULT_MAX_BYTES

    @property
    def from_address(self) -> str:
        return self.mail_from.addr_spec

    @property
    def server(self) -> str:
        return f"{self.host}:{self.port}"


class Outcome(enum.Enum):
    """What a server made of one message, in SMTP's terms; the ledger maps it to a state."""

    ACCEPTED = "accepted"  # 2xx
    REFUSED = "refused"  # 5xx except 552: sending it again will not help
    DEFERRED = "deferred"  # 4xx, 552, timeouts, dropped connections: try again later


@dataclass(frozen=True)
class Reply:
    """The server's final word on one message (`code` None when none came)."""

    outcome: Outcome
    code: int | None
    text: str


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
    """One mail address, with or without a display name, parsed as a header would be."""
    value = env.get(name)
    if value is None:
        if required:
            problems.append(f"environment: {name} is not set; set it to the sender, e.g. "
                            f"{name}='Field Briefings <briefings@example.org>'")
        return None
    address, problem = parse_address(value)
    if problem:
        problems.append(f"environment: {name}: {problem}")
    return address


def parse_address(value: str):
    """(Address, None) for one `Name <local@domain>` or `local@domain`; (None, why) if not."""
    if any(ch in value for ch in "\r\n"):
        return None, "contains a line break"
    try:
        header = policy.default.header_factory("From", value)
        addresses, defects = header.addresses, header.defects
    except (ValueError, IndexError):  # the parser's way of saying "not an address"
        addresses, defects = (), True
    if len(addresses) == 1 and not defects:
        problem = address_problem(addresses[0].addr_spec)
        return (None, problem) if problem else (addresses[0], None)
    if "," in value or value.count("<") > 1:
        return None, (f"{value!r} is not one address; write one, e.g. 'Field Briefings "
                      "<briefings@example.org>' (a name with a comma goes in double quotes)")
    return None, address_problem(value) or f"{value!r} is not a valid address"


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
            f"{settings.username} ({exc.smtp_code} {_scrub(_text(exc.smtp_error), settings)});"
            " check "
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
    """One line for a network failure. smtplib reports a read that timed out as a closed
    connection (SMTPServerDisconnected raised while handling the TimeoutError): say so."""
    if _timed_out(exc):
        return f"no answer within {timeout:g} s (SMTP_TIMEOUT)"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return "the server closed the connection"
    return str(exc) or type(exc).__name__


def _timed_out(exc) -> bool:
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, TimeoutError):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def _text(reply) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _scrub(text: str, settings: SmtpSettings) -> str:
    """A server's reply to AUTH without the password, should the server echo it back."""
    if not settings.password:
        return text
    user, password = settings.username or "", settings.password
    for secret in (password, _b64(password), _b64(f"\0{user}\0{password}")):
        text = text.replace(secret, "***")
    return text


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode("ascii")


class Transport:
    """One SMTP connection at a time: opened when needed, dropped after any failure."""

    def __init__(self, settings, connect):
        self.settings = settings
        self.connect = connect
        self.conn = None
        self.local_hostname = socket.getfqdn()

    def open(self) -> None:
        """Connect if not connected; ConnectError (try later) or DeliveryError (give up)."""
        if self.conn is None:
            self.conn = self.connect(self.settings, local_hostname=self.local_hostname)

    def deliver(self, to_addr: str, data: bytes) -> Reply:
        """One transaction for one recipient, never raising for what the server says: its
        final reply, classified. The connection is dropped after any failure."""
        try:
            code, reply = self._transaction(to_addr, data)
        except (OSError, smtplib.SMTPException) as exc:
            self.drop()
            return classify(exc, self.settings.timeout)
        return Reply(Outcome.ACCEPTED, code, _text(reply))

    def _transaction(self, to_addr: str, data: bytes):
        """MAIL, RCPT, DATA: the final reply, or raises."""
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


def classify(exc, timeout: float) -> Reply:
    """The Reply for a failed transaction: 5xx except 552 refused, the rest (4xx, 552,
    timeouts, dropped connections) deferred."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, reply = next(iter(exc.recipients.values()))
    elif isinstance(exc, smtplib.SMTPResponseException):
        code, reply = exc.smtp_code, exc.smtp_error
    else:
        return Reply(Outcome.DEFERRED, None, describe_os_error(exc, timeout))
    refused = 500 <= code < 600 and code != 552
    return Reply(Outcome.REFUSED if refused else Outcome.DEFERRED, code,
                 " ".join(_text(reply).split()))
