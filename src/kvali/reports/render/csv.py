"""CSV export: one file per table, UTF-8 with a byte-order mark so Excel shows æ, ø and å right."""

from __future__ import annotations

import csv
from pathlib import Path

from kvali.i18n import check_lang
from kvali.reports.model import StudyReport
from kvali.reports.render.tables import all_tables


def write_csv(report: StudyReport, out_dir: Path, lang: str) -> list[Path]:
    """Write analysis_model.csv, theme_matrix.csv, condensation.csv and code_frequency.csv."""
    check_lang(lang)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, table in all_tables(report, lang):
        path = out_dir / f"{name}.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(table.header)
            writer.writerows(["" if v is None else v for v in row] for row in table.rows)
        paths.append(path)
    return paths
