"""User-facing errors. Each names the file and place where it can, so the CLI can print it and exit ≠ 0.

The message is an English catalogue entry with ``{name}`` placeholders and the values beside
it (``NotFoundError("no job {job_id}", job_id=7)``); it is translated when it is shown, so the
same error reads in Bokmål under ``kvali --lang nb`` and in the workbench set to Bokmål. The
``file:line:`` prefix is not translated.
"""

from __future__ import annotations

from pathlib import Path

from kvali.i18n import _, in_lang


class KvaliError(Exception):
    """An error the researcher can act on; the CLI prints it without a traceback."""

    exit_code = 1

    def __init__(self, message: str, /, **values: object):
        self.template = message
        self.values = values
        super().__init__(message)

    @property
    def message(self) -> str:
        """The message (without file and line) in the current language."""
        return _(self.template, **self.values)

    def text(self, lang: str) -> str:
        """The whole error in ``lang`` (the workbench answers in the request's language)."""
        return self._where() + in_lang(lang, self.template, **self.values)

    def _where(self) -> str:
        return ""

    def __str__(self) -> str:
        return self._where() + self.message


class InputError(KvaliError):
    """Bad input: a malformed file, an unknown code, a wrong offset."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        /,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        **values: object,
    ):
        self.file = str(file) if file is not None else None
        self.line = line
        super().__init__(message, **values)

    @classmethod
    def at(
        cls,
        error: KvaliError,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        **values: object,
    ) -> InputError:
        """``error``'s message placed at ``file`` and ``line`` (a row of a CSV, a line of a file),
        with ``values`` replacing some of its values."""
        return cls(error.template, file=file, line=line, **{**error.values, **values})

    def _where(self) -> str:
        if self.file:
            return self.file + (f":{self.line}" if self.line is not None else "") + ": "
        if self.line is not None:
            return f"line {self.line}: "
        return ""


class NotFoundError(KvaliError):
    """An id, code name or label that does not exist in this study."""

    exit_code = 3


class ConflictError(KvaliError):
    """The data changed since the person acting last saw it (another tab, another coder)."""

    exit_code = 4


class PermissionDenied(KvaliError):
    """The logged-in person's role does not allow this (the workbench answers 403)."""

    exit_code = 5


class CheckUnavailable(KvaliError):
    """A check kvali cannot run on this machine (a dictionary or package missing): said, never
    taken for a pass."""
