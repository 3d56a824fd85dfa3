"""kvali's own words in English and Norwegian Bokmål: one gettext catalogue for everything.

Every message the CLI, the services, the workbench and the reports show is an English
sentence in the code (the gettext msgid) and has its Bokmål in ``locale/nb/LC_MESSAGES/kvali.po``.
Python code calls ``_(message, **values)`` (the current language) or ``in_lang(lang, message,
**values)`` (renderers that are given a language); templates call ``_()`` too. Every message
is a ``str.format`` template (a literal brace is written ``{{``); values fill its ``{name}``
placeholders after translation, so a translation may reorder them. Data is never translated,
only kvali's own words.

The language comes from ``--lang`` / the workbench's switch (a ContextVar, so each command or
request has its own), else ``$KVALI_LANG``, else the locale (``nb``, ``nn`` and ``no`` give
Bokmål). Catalogues are the compiled ``.mo`` files next to the ``.po`` files (a test keeps them
in step), read with the standard library on first use: starting the CLI costs nothing.
docs/i18n.md says how to add a message and how to update the Bokmål.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from gettext import GNUTranslations, NullTranslations
from pathlib import Path

LANGUAGES = ("en", "nb")
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "kvali"

_lang: ContextVar[str | None] = ContextVar("kvali_lang", default=None)


def default_language() -> str:
    env = os.environ.get("KVALI_LANG") or os.environ.get("LC_ALL") or os.environ.get("LANG") or ""
    return "nb" if env[:2].lower() in ("nb", "nn", "no") else "en"


def set_language(lang: str | None) -> None:
    """Choose the language of this command or request (None: the environment's)."""
    _lang.set(lang if lang in LANGUAGES else None)


def current_language() -> str:
    return _lang.get() or default_language()


@contextmanager
def language(lang: str | None) -> Iterator[str]:
    """Speak ``lang`` inside the block (a workbench request), then what was spoken before."""
    token = _lang.set(lang if lang in LANGUAGES else None)
    try:
        yield current_language()
    finally:
        _lang.reset(token)


@cache
def _catalogue(lang: str) -> NullTranslations:
    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
    try:
        with path.open("rb") as f:
            return GNUTranslations(f)
    except FileNotFoundError:  # English needs no catalogue: the msgids are English
        if lang == "en":
            return NullTranslations()
        raise


def in_lang(lang: str, message: str, /, **values: object) -> str:
    """``message`` in ``lang``, filled in; InputError for a language kvali does not speak."""
    return _catalogue(check_lang(lang)).gettext(message).format(**values)


def _(message: str, /, **values: object) -> str:
    """``message`` in the current language, with ``{name}`` placeholders filled from values."""
    return in_lang(current_language(), message, **values)


def unfilled(message: str, /) -> str:
    """``message`` in the current language with its ``{name}`` placeholders left in, for a
    script in the page that fills them (the suggestions panel); Python code uses ``_``."""
    return _catalogue(check_lang(current_language())).gettext(message)


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue where it is defined; translate it where it is shown."""
    return message


def check_lang(lang: str) -> str:
    """Return ``lang`` if kvali speaks it; a wrong language is the user's input, not a bug."""
    if lang not in LANGUAGES:
        from kvali.errors import InputError

        raise InputError(
            "unknown language {lang!r}; choose one of {languages}",
            lang=lang,
            languages=", ".join(LANGUAGES),
        )
    return lang
