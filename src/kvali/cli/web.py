"""``kvali serve``: the browser workbench on 127.0.0.1, behind a token like Jupyter's."""

from __future__ import annotations

import secrets
import socket
import threading
import webbrowser

import click

from kvali.cli.base import Ctx, pass_ctx
from kvali.i18n import _

LOOPBACK = "127.0.0.1"


def _free_port(preferred: int, host: str = LOOPBACK) -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, preferred))
            return preferred
        except OSError:
            s.bind((host, 0))
            return s.getsockname()[1]


@click.command()
@click.option("--port", default=8765, show_default=True, help="Port (a free one if taken).")
@click.option("--token", default=None, help="Access token (default: a new random one).")
@click.option("--open", "open_browser", is_flag=True, help="Open the workbench in the browser.")
@click.option("--user", "web_user", default=None, help="Coder name recorded for web changes.")
@click.option(
    "--allowed-host",
    "allowed_hosts",
    multiple=True,
    metavar="NAME[:PORT]",
    help="Also answer for this Host name (a reverse proxy's); repeatable. Other names get 421.",
)
@click.option(
    "--accounts",
    is_flag=True,
    help="Team server: everyone logs in with an account (kvali user add), roles apply.",
)
@click.option(
    "--host",
    default=LOOPBACK,
    show_default=True,
    help="Address to listen on; anything but 127.0.0.1 needs --accounts.",
)
@pass_ctx
def serve(
    obj: Ctx,
    port: int,
    token: str | None,
    open_browser: bool,
    web_user: str | None,
    allowed_hosts: tuple[str, ...],
    accounts: bool,
    host: str,
) -> None:
    """Open the coding workbench in your browser (only this computer can reach it).

    With --accounts it is a team server: people log in at /login with the accounts of
    `kvali user`, and each person's role decides what they may change."""
    try:
        import uvicorn

        from kvali.web import create_app
    except ImportError as exc:  # pragma: no cover - depends on install
        raise click.ClickException(_("the workbench needs: pip install 'kvali[web]'")) from exc
    from kvali.events.service import current_actor
    from kvali.web.security import SecurityPolicy

    if host != LOOPBACK and not accounts:
        raise click.UsageError(
            _("--host {host} would let other computers in: only with --accounts", host=host)
        )
    if accounts and (token or web_user):
        raise click.UsageError(_("--accounts logs people in: --token and --user do not apply"))
    if accounts:
        _check_accounts(obj)
    port = _free_port(port, host)
    extra = list(allowed_hosts)
    if host not in (LOOPBACK, "0.0.0.0", "::"):
        extra.append(f"[{host}]:{port}" if ":" in host else f"{host}:{port}")
    hosts = SecurityPolicy.serving(port, extra).allowed_hosts
    click.echo(_("kvali workbench for {project}", project=obj.project_dir))
    if accounts:
        app = create_app(obj.project, allowed_hosts=hosts, accounts=True)
        shown = LOOPBACK if host in ("0.0.0.0", "::") else host
        url = f"http://{shown}:{port}/login"
        click.echo(_("team server: people log in at") + "\n    " + url)
    else:
        token = token or secrets.token_urlsafe(24)
        app = create_app(
            obj.project, token=token, user=web_user or current_actor(), allowed_hosts=hosts
        )
        url = f"http://127.0.0.1:{port}/?token={token}"
        click.echo(_("open this URL (it holds the access token):") + "\n    " + url)
    click.echo(_("stop with Ctrl+C"))
    if open_browser:
        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    uvicorn.run(app, host=host, port=port, log_level="warning")


def _check_accounts(obj: Ctx) -> None:
    """A team server with no owner account could never be administered from the browser."""
    from kvali.accounts.service import list_users

    with obj.project.begin() as conn:
        if not any(a.role == "owner" for a in list_users(conn)):
            raise click.UsageError(
                _("no owner account yet: kvali user add NAME --role owner --password-stdin")
            )


COMMANDS = [serve]
