"""Accounts and login sessions: add, list, change role, remove, set a password, authenticate.

Passwords are hashed with argon2id (``argon2-cffi``, the ``server`` extra); the hash is the only
thing stored, and no event payload ever holds a password, a hash or a session token. Every
account is a ``users`` row (the coder of codings, the actor of events) with one ``accounts``
row beside it; removing an account keeps the ``users`` row, so its codings keep their coder.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from kvali.accounts.principal import Principal, require
from kvali.accounts.tables import ROLES, account_sessions, accounts
from kvali.db import schema as t
from kvali.errors import InputError, KvaliError, NotFoundError
from kvali.events.service import delete_logged, insert_logged, log_event, update_logged
from kvali.interviews.service import user_id
from kvali.util import now

MIN_PASSWORD = 8
SESSION_HOURS = 12
ENTITY = "account"


def _hasher():  # type: ignore[no-untyped-def]
    try:
        from argon2 import PasswordHasher
    except ImportError as exc:  # pragma: no cover - depends on install
        raise KvaliError("accounts need: pip install 'kvali[server]'") from exc
    return PasswordHasher()


def _hash(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InputError("a password needs at least {n} characters", n=MIN_PASSWORD)
    return _hasher().hash(password)


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise InputError("unknown role {role!r}: owner, coder or reader", role=role)
    return role


def _check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 200 or any(ch.isspace() and ch != " " for ch in name):
        raise InputError("a user name needs 1–200 characters on one line")
    return name


@dataclass(frozen=True)
class Account:
    id: int
    name: str
    role: str
    created_at: datetime


def _query() -> sa.Select:
    return sa.select(accounts.c.id, t.users.c.name, accounts.c.role, accounts.c.created_at).join(
        t.users, t.users.c.id == accounts.c.user_id
    )


def get_account(conn: sa.Connection, name: str) -> Account:
    row = conn.execute(_query().where(t.users.c.name == name)).first()
    if row is None:
        raise NotFoundError("no account named {name!r}", name=name)
    return Account(*row)


def list_users(conn: sa.Connection) -> list[Account]:
    """Every account, by name."""
    return [Account(*row) for row in conn.execute(_query().order_by(t.users.c.name))]


def add_user(conn: sa.Connection, name: str, *, role: str, password: str) -> Account:
    """An account for ``name`` (a ``users`` row is made or reused: a coder named in codings
    before the server existed gets their codings with their login)."""
    require("owner")
    name, role = _check_name(name), _check_role(role)
    uid = user_id(conn, name)
    if conn.execute(sa.select(accounts.c.id).where(accounts.c.user_id == uid)).first():
        raise InputError("an account named {name!r} exists already", name=name)
    stamp = now()
    insert_logged(
        conn,
        accounts,
        {
            "user_id": uid,
            "role": role,
            "password_hash": _hash(password),
            "created_at": stamp,
            "updated_at": stamp,
        },
        study_id=None,
        entity=ENTITY,
        payload={"name": name, "role": role},
    )
    return get_account(conn, name)


def _owners(conn: sa.Connection) -> int:
    q = sa.select(sa.func.count()).select_from(accounts).where(accounts.c.role == "owner")
    return conn.execute(q).scalar_one()


def set_role(conn: sa.Connection, name: str, role: str) -> Account:
    """Change an account's role; the last owner cannot stop being one."""
    require("owner")
    role = _check_role(role)
    acc = get_account(conn, name)
    if acc.role == role:
        return acc
    if acc.role == "owner" and _owners(conn) == 1:
        raise InputError("{name!r} is the last owner; make another owner first", name=name)
    update_logged(
        conn,
        accounts,
        acc.id,
        {"role": role, "updated_at": now()},
        study_id=None,
        entity=ENTITY,
        action="role",
        payload={"name": name, "role": role},
    )
    return get_account(conn, name)


def set_password(conn: sa.Connection, name: str, password: str) -> None:
    """A new password; every session of the account ends (log in again everywhere)."""
    require("owner")
    acc = get_account(conn, name)
    update_logged(
        conn,
        accounts,
        acc.id,
        {"password_hash": _hash(password), "updated_at": now()},
        study_id=None,
        entity=ENTITY,
        action="password",
        payload={"name": name},
    )
    conn.execute(account_sessions.delete().where(account_sessions.c.account_id == acc.id))


def remove_user(conn: sa.Connection, name: str) -> None:
    """Remove the login (and its sessions); the ``users`` row and its codings stay."""
    require("owner")
    acc = get_account(conn, name)
    if acc.role == "owner" and _owners(conn) == 1:
        raise InputError("{name!r} is the last owner; make another owner first", name=name)
    delete_logged(conn, accounts, acc.id, study_id=None, entity=ENTITY, payload={"name": name})


# A hash to verify against when the name is unknown, so a wrong name costs as long as a wrong
# password and the answer time does not tell which names exist.
_DUMMY: list[str] = []


def authenticate(conn: sa.Connection, name: str, password: str) -> Principal | None:
    """The account's principal when ``password`` is right, else None (unknown name alike)."""
    from argon2.exceptions import InvalidHashError, VerificationError

    ph = _hasher()
    row = conn.execute(
        sa.select(accounts.c.id, accounts.c.role, accounts.c.password_hash)
        .join(t.users, t.users.c.id == accounts.c.user_id)
        .where(t.users.c.name == name)
    ).first()
    if row is None:
        if not _DUMMY:
            _DUMMY.append(ph.hash(secrets.token_urlsafe(16)))
        try:
            ph.verify(_DUMMY[0], password)
        except VerificationError:
            pass
        return None
    try:
        ph.verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if ph.check_needs_rehash(row.password_hash):
        conn.execute(
            accounts.update().where(accounts.c.id == row.id).values(password_hash=ph.hash(password))
        )
    return Principal(name=name, role=row.role)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(conn: sa.Connection, name: str, *, hours: float = SESSION_HOURS) -> str:
    """A new login session for an authenticated account: the cookie value (kept only hashed)."""
    acc = get_account(conn, name)
    token = secrets.token_urlsafe(32)
    stamp = now()
    conn.execute(
        account_sessions.delete().where(account_sessions.c.expires_at < stamp)
    )  # housekeeping: expired sessions of everyone
    insert_logged(
        conn,
        account_sessions,
        {
            "account_id": acc.id,
            "token_hash": _token_hash(token),
            "created_at": stamp,
            "expires_at": stamp + timedelta(hours=hours),
        },
        study_id=None,
        entity="session",
        action="login",
        payload={"name": name},
    )
    return token


def session_principal(conn: sa.Connection, token: str) -> Principal | None:
    """Who this session cookie belongs to, or None (unknown, ended or expired)."""
    row = conn.execute(
        sa.select(t.users.c.name, accounts.c.role, account_sessions.c.expires_at)
        .join(accounts, accounts.c.id == account_sessions.c.account_id)
        .join(t.users, t.users.c.id == accounts.c.user_id)
        .where(account_sessions.c.token_hash == _token_hash(token))
    ).first()
    if row is None:
        return None
    expires = row.expires_at
    if expires.tzinfo is None:  # SQLite gives naive UTC
        expires = expires.replace(tzinfo=now().tzinfo)
    if expires <= now():
        return None
    return Principal(name=row.name, role=row.role)


def end_session(conn: sa.Connection, token: str) -> bool:
    """Log out: the session is deleted (a copied cookie stops working too)."""
    q = account_sessions.delete().where(account_sessions.c.token_hash == _token_hash(token))
    n = conn.execute(q).rowcount
    if n:
        log_event(conn, study_id=None, action="logout", entity="session")
    return bool(n)
