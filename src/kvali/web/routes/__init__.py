"""Routers, one module per page group; each page has a ``.json`` twin and an ``/api`` for changes."""

from kvali.web.routes import codebook, coding, people, reports, search, study

ROUTERS = [
    study.router,
    people.router,
    coding.router,
    codebook.router,
    search.router,
    reports.router,
]
