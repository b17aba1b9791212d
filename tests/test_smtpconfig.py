"""SMTP settings come from the environment only; every problem is listed at once."""

import pytest

from report.errors import DataError
from report.mail.smtpconfig import DEFAULT_MAX_BYTES, settings_from_env

BASE = {"SMTP_HOST": "smtp.example.org", "MAIL_FROM": "Briefings <briefings@example.org>"}


@pytest.mark.parametrize(("security", "port"), [(None, 587), ("starttls", 587), ("SSL", 465),
                                                ("none", 25)])
def test_port_defaults_to_the_security_mode(security, port):
    env = {**BASE, **({"SMTP_SECURITY": security} if security else {})}
    settings = settings_from_env(env)
    assert (settings.security, settings.port) == ((security or "starttls").lower(), port)
    assert settings.max_bytes == DEFAULT_MAX_BYTES
    assert settings.from_address == "briefings@example.org"


def test_password_is_never_in_the_repr():
    settings = settings_from_env({**BASE, "SMTP_USERNAME": "u", "SMTP_PASSWORD": "hunter2 "})
    assert settings.password == "hunter2 "
    assert "hunter2" not in repr(settings)


def test_a_dry_run_needs_only_the_sender():
    settings = settings_from_env({"MAIL_FROM": "briefings@example.org"}, need_server=False)
    assert str(settings.mail_from) == "briefings@example.org"


@pytest.mark.parametrize(("value", "name", "address"), [
    ("Field Briefings <briefings@example.org>", "Field Briefings", "briefings@example.org"),
    ('"Zoë, Desk" <desk@example.org>', "Zoë, Desk", "desk@example.org"),
    ("desk@example.org", "", "desk@example.org"),
])
def test_the_sender_is_parsed_as_one_address(value, name, address):
    sender = settings_from_env({**BASE, "MAIL_FROM": value}).mail_from
    assert (sender.display_name, sender.addr_spec) == (name, address)


@pytest.mark.parametrize(("env", "problems"), [
    ({}, ["environment: MAIL_FROM is not set; set it to the sender, e.g. MAIL_FROM="
          "'Field Briefings <briefings@example.org>'",
          "environment: SMTP_HOST is not set; set it to the mail server's host name, e.g. "
          "SMTP_HOST=smtp.example.org"]),
    ({**BASE, "SMTP_SECURITY": "tls", "SMTP_PORT": "smtp"},
     ["environment: SMTP_SECURITY='tls': expected one of starttls, ssl, none",
      "environment: SMTP_PORT='smtp': expected a positive whole number"]),
    ({**BASE, "SMTP_PORT": "70000"},
     ["environment: SMTP_PORT=70000: expected a port between 1 and 65535"]),
    ({**BASE, "SMTP_USERNAME": "u"},
     ["environment: set both SMTP_USERNAME and SMTP_PASSWORD, or neither"]),
    ({**BASE, "SMTP_SECURITY": "none", "SMTP_USERNAME": "u", "SMTP_PASSWORD": "p"},
     ["environment: SMTP_SECURITY=none would send SMTP_PASSWORD in plain text; use starttls "
      "or ssl, or unset SMTP_USERNAME and SMTP_PASSWORD"]),
    ({**BASE, "SMTP_CA_FILE": "/nonexistent/ca.pem"},
     ["environment: SMTP_CA_FILE=/nonexistent/ca.pem: no such file; point it to a PEM file "
      "with the certificate authority to trust"]),
    ({**BASE, "MAIL_FROM": "briefings@", "MAIL_REPLY_TO": "desk@example.org\nBcc: x@example.org"},
     ["environment: MAIL_FROM: 'briefings@' is not a valid address",
      "environment: MAIL_REPLY_TO: contains a line break"]),
    ({**BASE, "MAIL_FROM": "desk@example.org, all@example.org",
      "MAIL_REPLY_TO": "Zoë, Desk <desk@example.org>"},
     ["environment: MAIL_FROM: 'desk@example.org, all@example.org' is not one address; write "
      "one, e.g. 'Field Briefings <briefings@example.org>' (a name with a comma goes in "
      "double quotes)",
      "environment: MAIL_REPLY_TO: 'Zoë, Desk <desk@example.org>' is not one address; write "
      "one, e.g. 'Field Briefings <briefings@example.org>' (a name with a comma goes in "
      "double quotes)"]),
    ({**BASE, "MAIL_FROM": "Desk <desk@example.org> <all@example.org>"},
     ["environment: MAIL_FROM: 'Desk <desk@example.org> <all@example.org>' is not one "
      "address; write one, e.g. 'Field Briefings <briefings@example.org>' (a name with a "
      "comma goes in double quotes)"]),
    ({**BASE, "SMTP_TIMEOUT": "0", "MAIL_MAX_BYTES": "10MB"},
     ["environment: MAIL_MAX_BYTES='10MB': expected a positive whole number",
      "environment: SMTP_TIMEOUT='0': expected a positive number"]),
])
def test_bad_settings_list_every_problem(env, problems):
    with pytest.raises(DataError) as caught:
        settings_from_env(env)
    assert caught.value.problems == problems


SECRET = "Pa55-w0rd;Секрет"


@pytest.mark.parametrize("env", [
    {**BASE, "SMTP_SECURITY": "none", "SMTP_USERNAME": "u", "SMTP_PASSWORD": SECRET},
    {**BASE, "SMTP_PASSWORD": SECRET},
    {"SMTP_USERNAME": "u", "SMTP_PASSWORD": SECRET, "SMTP_PORT": "0", "SMTP_TIMEOUT": "x"},
    {**BASE, "SMTP_USERNAME": "u", "SMTP_PASSWORD": f" {SECRET} ", "MAIL_FROM": "x@"},
])
def test_the_password_never_appears_in_a_problem(env):
    with pytest.raises(DataError) as caught:
        settings_from_env(env)
    assert caught.value.problems
    for problem in caught.value.problems:
        assert SECRET not in problem
        assert "Pa55" not in problem
