"""The browser workbench: a FastAPI app over the same service functions as the CLI.

``create_app(project, token=...)`` builds it; ``kvali serve`` runs it on 127.0.0.1. Pages are
rendered on the server (Jinja2) with a little plain JavaScript; every page has a JSON twin.
"""

from kvali.web.app import create_app

__all__ = ["create_app"]
