"""User-facing errors. Each names the file and place where it can, so the CLI can print it and exit ≠ 0."""

from __future__ import annotations

from pathlib import Path


class KvaliError(Exception):
    """An error the researcher can act on; the CLI prints it without a traceback."""

    exit_code = 1


class InputError(KvaliError):
    """Bad input: a malformed file, an unknown code, a wrong offset."""

    exit_code = 2

    def __init__(self, message: str, *, file: str | Path | None = None, line: int | None = None):
        self.message = message
        self.file = str(file) if file is not None else None
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file + (f":{self.line}" if self.line is not None else "") + ": "
        elif self.line is not None:
            where = f"line {self.line}: "
        return where + self.message


class NotFoundError(KvaliError):
    """An id, code name or label that does not exist in this study."""

    exit_code = 3
