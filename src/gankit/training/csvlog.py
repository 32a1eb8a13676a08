"""Append-only CSV logs that a resumed run trims back to its checkpoint."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from gankit.fileio import append_text, atomic_write_text


class CSVLog:
    def __init__(self, path: Path, columns: Sequence[str]) -> None:
        self.path = path
        self.columns = list(columns)

    def start(self, resume_step: int | None) -> None:
        """Fresh run: write the header. Resume: drop rows after the checkpoint's step, which a
        killed run may have logged but will now compute again; a log written with other
        columns (an older gankit) keeps its values under the same names, blanks elsewhere."""
        keep: list[list[str]] = []
        if resume_step is not None and self.path.exists():
            with open(self.path, newline="") as f:
                header, *body = list(csv.reader(f)) or [[]]
            if header[:1] == ["step"]:
                keep = [
                    [dict(zip(header, r, strict=True)).get(c, "") for c in self.columns]
                    for r in body
                    if len(r) == len(header) and _step(r) <= resume_step
                ]
        lines = [",".join(self.columns)] + [",".join(r) for r in keep]
        atomic_write_text(self.path, "\n".join(lines) + "\n")

    def append(self, rows: Sequence[Sequence[float | int | None]]) -> None:
        """Rows of values in column order; None leaves a cell blank (not measured that step)."""
        if not rows:
            return
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows([[_fmt(v) for v in row] for row in rows])
        append_text(self.path, buf.getvalue())


def _step(row: list[str]) -> int:
    try:
        return int(row[0])
    except ValueError:
        return -1


def _fmt(value: float | int | None) -> str:
    if value is None:
        return ""
    return str(value) if isinstance(value, int) else f"{value:.6g}"
