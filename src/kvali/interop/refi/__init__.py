"""REFI-QDA exchange (.qdpx projects, .qdc codebooks) with NVivo, ATLAS.ti, MAXQDA, QualCoder …

See docs/refi-qda.md for the mapping between kvali and the standard's elements. The service
functions are imported lazily, so that loading ``tables`` (migrations) stays light.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ExportResult", "ImportResult", "export_qdc", "export_qdpx", "import_qdc", "import_qdpx"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import service

        return getattr(service, name)
    raise AttributeError(name)
