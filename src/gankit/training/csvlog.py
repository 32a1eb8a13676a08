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
        killed run may have logged but will now compute again."""
        keep: list[list[str]] = []
        if resume_step is not None and self.path.exists():
            with open(self.path, newline="") as f:
                rows = list(csv.reader(f))
            if rows and rows[0] == self.columns:
                keep = [
                    r for r in rows[1:] if len(r) == len(self.columns) and _step(r) <= resume_step
                ]
        lines = [",".join(self.columns)] + [",".join(r) for r in keep]
        atomic_write_text(self.path, "\n".join(lines) + "\n")

    def append(self, rows: Sequence[Sequence[float | int]]) -> None:
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


def _fmt(value: float | int) -> str:
    return str(value) if isinstance(value, int) else f"{value:.6g}"
