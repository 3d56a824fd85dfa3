"""``kvali serve``: the browser workbench on 127.0.0.1, behind a token like Jupyter's."""

from __future__ import annotations

import secrets
import socket
import threading
import webbrowser

import click

from kvali.cli.base import Ctx, pass_ctx
from kvali.i18n import _


def _free_port(preferred: int) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", preferred))
            return preferred
        except OSError:
            s.bind(("127.0.0.1", 0))
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
@pass_ctx
def serve(
    obj: Ctx,
    port: int,
    token: str | None,
    open_browser: bool,
    web_user: str | None,
    allowed_hosts: tuple[str, ...],
) -> None:
    """Open the coding workbench in your browser (only this computer can reach it)."""
    try:
        import uvicorn

        from kvali.web import create_app
    except ImportError as exc:  # pragma: no cover - depends on install
        raise click.ClickException(_("the workbench needs: pip install 'kvali[web]'")) from exc
    from kvali.events.service import current_actor
    from kvali.web.security import SecurityPolicy

    token = token or secrets.token_urlsafe(24)
    port = _free_port(port)
    hosts = SecurityPolicy.serving(port, allowed_hosts).allowed_hosts
    app = create_app(
        obj.project, token=token, user=web_user or current_actor(), allowed_hosts=hosts
    )
    url = f"http://127.0.0.1:{port}/?token={token}"
    click.echo(_("kvali workbench for {project}", project=obj.project_dir))
    click.echo(_("open this URL (it holds the access token):") + "\n    " + url)
    click.echo(_("stop with Ctrl+C"))
    if open_browser:
        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


COMMANDS = [serve]
