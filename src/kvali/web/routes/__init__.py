"""Routers, one module per page group; each page has a ``.json`` twin and an ``/api`` for changes."""

from kvali.web.routes import (
    agreement,
    blind,
    categories,
    codebook,
    coding,
    editing,
    exchange,
    frameworks,
    people,
    player,
    privacy,
    reports,
    search,
    study,
    suggestions,
    transcribe,
)

ROUTERS = [
    study.router,
    people.router,
    coding.router,
    player.router,
    editing.router,
    codebook.router,
    search.router,
    reports.router,
    transcribe.router,
    blind.router,
    agreement.router,
    frameworks.router,
    suggestions.router,
    categories.router,
    exchange.router,
    privacy.router,
]
