"""The loss-level table: D's and G's mean logged loss before each step, over seeds, by hand."""

from __future__ import annotations

from pathlib import Path

from gankit.report.loss_levels import loss_level_table, read_losses, window_means


def _losses(path: Path, rows: list[tuple[int, float, float]]) -> Path:
    lines = ["step,d_loss,g_loss,d_real"] + [f"{s},{d},{g},0.5" for s, d, g in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_window_means_average_the_rows_logged_just_before_the_step(tmp_path: Path) -> None:
    rows = [(s, s / 100, 10 - s / 100) for s in range(10, 1001, 10)]  # logged every 10 steps
    run = read_losses(_losses(tmp_path / "a.csv", rows))
    # (950, 1000]: steps 960..1000, D = 9.6..10.0, G = 0.4..0.0
    d, g = window_means(run, 1000, 50)
    assert abs(d - 9.8) < 1e-9 and abs(g - 0.2) < 1e-9
    assert window_means(run, 5, 3) is None  # nothing logged in (2, 5]
    assert window_means(read_losses(tmp_path / "missing.csv"), 1000, 50) is None


def test_the_table_gives_mean_and_sd_over_seeds(tmp_path: Path) -> None:
    a = _losses(tmp_path / "a.csv", [(100, 0.5, 2.0), (200, 0.7, 1.0)])
    b = _losses(tmp_path / "b.csv", [(100, 0.3, 4.0), (200, 0.9, 3.0)])
    table = loss_level_table([a, b], [100, 200], iterations=200)  # window: 10 iterations
    assert table is not None
    assert table.header[0] == "step (mean of the last 10 iterations)"
    # step 100: D 0.5 and 0.3 -> 0.4 ± 0.141; G 2 and 4 -> 3 ± 1.414
    assert table.rows[0] == ["100", "0.400 ± 0.141", "3.000 ± 1.414", "2"]
    assert table.rows[1] == ["200", "0.800 ± 0.141", "2.000 ± 1.414", "2"]
    assert loss_level_table([a], [50], iterations=200) is None  # no row near step 50
