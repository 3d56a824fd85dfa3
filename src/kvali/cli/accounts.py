"""CLI: accounts of a team server (``kvali user add|list|role|remove|password``)."""

from __future__ import annotations

import sys

import click

from kvali.cli.base import Ctx, emit_json, json_option, pass_ctx, table
from kvali.i18n import _

ROLE = click.Choice(["owner", "coder", "reader"])


def _read_password(password_stdin: bool) -> str:
    """The password from standard input (one line; never an argument, which `ps` would show)."""
    if not password_stdin:
        raise click.UsageError(_("give the password on standard input with --password-stdin"))
    return sys.stdin.readline().rstrip("\r\n")


@click.group()
def user() -> None:
    """Accounts for `kvali serve --accounts`: who may log in, with which role."""


@user.command("add")
@click.argument("name")
@click.option("--role", type=ROLE, required=True, help="owner, coder or reader.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@pass_ctx
def user_add(obj: Ctx, name: str, role: str, password_stdin: bool) -> None:
    """Add an account."""
    from kvali.accounts.service import add_user

    password = _read_password(password_stdin)
    with obj.project.begin() as conn:
        acc = add_user(conn, name, role=role, password=password)
    click.echo(_("added {name} ({role})", name=acc.name, role=acc.role))


@user.command("list")
@json_option
@pass_ctx
def user_list(obj: Ctx, as_json: bool) -> None:
    """List the accounts and their roles."""
    from kvali.accounts.service import list_users

    with obj.project.begin() as conn:
        rows = [
            {"name": a.name, "role": a.role, "created_at": a.created_at} for a in list_users(conn)
        ]
    if as_json:
        emit_json(rows)
    elif rows:
        table(rows, ["name", "role", "created_at"])
    else:
        click.echo(_("no accounts yet: kvali user add NAME --role owner --password-stdin"))


@user.command("role")
@click.argument("name")
@click.argument("role", type=ROLE)
@pass_ctx
def user_role(obj: Ctx, name: str, role: str) -> None:
    """Change an account's role."""
    from kvali.accounts.service import set_role

    with obj.project.begin() as conn:
        acc = set_role(conn, name, role)
    click.echo(_("{name} is now {role}", name=acc.name, role=acc.role))


@user.command("remove")
@click.argument("name")
@pass_ctx
def user_remove(obj: Ctx, name: str) -> None:
    """Remove an account (its codings keep their coder)."""
    from kvali.accounts.service import remove_user

    with obj.project.begin() as conn:
        remove_user(conn, name)
    click.echo(_("removed the account {name}", name=name))


@user.command("password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@pass_ctx
def user_password(obj: Ctx, name: str, password_stdin: bool) -> None:
    """Set a new password (the account's sessions end)."""
    from kvali.accounts.service import set_password

    password = _read_password(password_stdin)
    with obj.project.begin() as conn:
        set_password(conn, name, password)
    click.echo(_("new password set for {name}", name=name))


COMMANDS = [user]
