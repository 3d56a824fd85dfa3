"""Accounts (kvali.accounts.service and `kvali user …`) on SQLite and PostgreSQL: roles, argon2
hashes, sessions, one event per change, and never a password in an event or in the output."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from kvali.accounts import Principal, set_principal
from kvali.accounts import service as acc
from kvali.accounts.tables import account_sessions, accounts
from kvali.cli import cli
from kvali.db import schema as t
from kvali.errors import InputError, NotFoundError, PermissionDenied
from tests.conftest import snapshot

PW = "correct horse battery"


def run(*args, ok=True, input=None):
    result = CliRunner().invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result


def _events(project):
    with project.begin() as conn:
        return [dict(r) for r in conn.execute(sa.select(t.events)).mappings()]


def test_add_authenticate_role_password_remove(project):
    with project.begin() as conn:
        a = acc.add_user(conn, "Ola", role="owner", password=PW)
        acc.add_user(conn, "Kari", role="coder", password=PW + "2")
    assert (a.name, a.role) == ("Ola", "owner")
    with project.begin() as conn:
        stored = conn.execute(sa.select(accounts.c.password_hash)).scalars().all()
        assert all(h.startswith("$argon2id$") for h in stored)
        assert acc.authenticate(conn, "Ola", PW) == Principal("Ola", "owner")
        assert acc.authenticate(conn, "Ola", PW + "x") is None
        assert acc.authenticate(conn, "Nobody", PW) is None
        assert [(u.name, u.role) for u in acc.list_users(conn)] == [
            ("Kari", "coder"),
            ("Ola", "owner"),
        ]
        acc.set_role(conn, "Kari", "reader")
        acc.set_password(conn, "Kari", "a new password")
    with project.begin() as conn:
        assert acc.authenticate(conn, "Kari", PW + "2") is None
        assert acc.authenticate(conn, "Kari", "a new password") == Principal("Kari", "reader")
        acc.remove_user(conn, "Kari")
        assert acc.authenticate(conn, "Kari", "a new password") is None
        # the users row stays: codings keep their coder
        assert "Kari" in conn.execute(sa.select(t.users.c.name)).scalars().all()
    logged = [(e["entity"], e["action"], e["payload"]) for e in _events(project)]
    assert logged == [
        ("account", "create", {"name": "Ola", "role": "owner"}),
        ("account", "create", {"name": "Kari", "role": "coder"}),
        ("account", "role", {"name": "Kari", "role": "reader"}),
        ("account", "password", {"name": "Kari"}),
        ("account", "delete", {"name": "Kari"}),
    ]
    text = json.dumps([{k: str(v) for k, v in e.items()} for e in _events(project)])
    assert PW not in text and "a new password" not in text and "argon2" not in text


def test_refusals_change_nothing(project):
    with project.begin() as conn:
        acc.add_user(conn, "Ola", role="owner", password=PW)
    before = snapshot(project)
    cases = [
        (lambda c: acc.add_user(c, "Ola", role="coder", password=PW), InputError),
        (lambda c: acc.add_user(c, "Per", role="boss", password=PW), InputError),
        (lambda c: acc.add_user(c, "Per", role="coder", password="short"), InputError),
        (lambda c: acc.add_user(c, "  ", role="coder", password=PW), InputError),
        (lambda c: acc.set_role(c, "Ola", "coder"), InputError),  # the last owner
        (lambda c: acc.remove_user(c, "Ola"), InputError),
        (lambda c: acc.set_role(c, "Per", "coder"), NotFoundError),
        (lambda c: acc.remove_user(c, "Per"), NotFoundError),
    ]
    for call, error in cases:
        with pytest.raises(error), project.begin() as conn:
            call(conn)
    assert snapshot(project) == before


def test_only_an_owner_manages_accounts(project):
    with project.begin() as conn:
        acc.add_user(conn, "Ola", role="owner", password=PW)
    before = snapshot(project)
    for role in ("coder", "reader"):
        set_principal(Principal("Kari", role))
        try:
            with pytest.raises(PermissionDenied), project.begin() as conn:
                acc.add_user(conn, "Per", role="owner", password=PW)
            with pytest.raises(PermissionDenied), project.begin() as conn:
                acc.set_role(conn, "Ola", "reader")
        finally:
            set_principal(None)
    assert snapshot(project) == before


def test_sessions_expire_and_end(project):
    with project.begin() as conn:
        acc.add_user(conn, "Ola", role="coder", password=PW)
        token = acc.start_session(conn, "Ola")
        old = acc.start_session(conn, "Ola", hours=-1)  # already expired
    with project.begin() as conn:
        assert acc.session_principal(conn, token) == Principal("Ola", "coder")
        assert acc.session_principal(conn, old) is None
        assert acc.session_principal(conn, token + "x") is None
        hashes = conn.execute(sa.select(account_sessions.c.token_hash)).scalars().all()
        assert token not in hashes  # stored hashed only
    with project.begin() as conn:  # a new login clears expired sessions
        acc.start_session(conn, "Ola")
        n = conn.execute(sa.select(sa.func.count()).select_from(account_sessions)).scalar()
        assert n == 2
    with project.begin() as conn:
        assert acc.end_session(conn, token)
        assert acc.session_principal(conn, token) is None
        later = acc.start_session(conn, "Ola")
        acc.set_password(conn, "Ola", "another password")  # ends every session
        assert acc.session_principal(conn, later) is None
    with project.begin() as conn:  # a role change is seen by a running session
        s = acc.start_session(conn, "Ola")
        acc.add_user(conn, "Boss", role="owner", password=PW)
        acc.set_role(conn, "Ola", "reader")
        assert acc.session_principal(conn, s) == Principal("Ola", "reader")
        expires = conn.execute(
            sa.select(account_sessions.c.expires_at, account_sessions.c.created_at)
        ).first()
        assert expires[0] - expires[1] == timedelta(hours=acc.SESSION_HOURS)
    text = json.dumps([{k: str(v) for k, v in e.items()} for e in _events(project)])
    assert token not in text and later not in text


def test_cli_user_commands(project):
    p = project.path
    out = run("-p", p, "user", "add", "Ola", "--role", "owner", "--password-stdin", input=PW + "\n")
    assert "Ola" in out.output and PW not in out.output
    run("-p", p, "user", "add", "Kari", "--role", "coder", "--password-stdin", input=PW + "\n")
    listed = json.loads(run("-p", p, "user", "list", "--json").output)
    assert [(u["name"], u["role"]) for u in listed] == [("Kari", "coder"), ("Ola", "owner")]
    assert "Kari" in run("-p", p, "user", "list").output
    run("-p", p, "user", "role", "Kari", "reader")
    run("-p", p, "user", "password", "Kari", "--password-stdin", input="brand new pass\n")
    with project.begin() as conn:
        assert acc.authenticate(conn, "Kari", "brand new pass") == Principal("Kari", "reader")
    run("-p", p, "user", "remove", "Kari")
    assert [u["name"] for u in json.loads(run("-p", p, "user", "list", "--json").output)] == ["Ola"]
    # refusals: exit ≠ 0 with one line, nothing changed
    before = snapshot(project)
    bad = run("-p", p, "user", "add", "Per", "--role", "coder", ok=False)  # no --password-stdin
    assert bad.exit_code != 0
    bad = run("-p", p, "user", "role", "Ola", "coder", ok=False)
    assert bad.exit_code == 2 and "last owner" in bad.output
    bad = run("-p", p, "user", "remove", "Nobody", ok=False)
    assert bad.exit_code == 3
    bad = run("-p", p, "user", "role", "Ola", "boss", ok=False)
    assert bad.exit_code == 2
    assert snapshot(project) == before
