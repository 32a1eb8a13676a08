"""Run reports, comparisons and the paper reproduction on tiny real runs."""

from __future__ import annotations

import base64
import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from support import PLAIN_LAYOUT, set_args

from gankit.cli import main
from gankit.report.document import Document, Heading, Image, Paragraph, Table, to_html, to_markdown
from gankit.reproduce import scaled_overrides

TINY = ["--no-eval", "--quiet", "--iterations", "2", "--set", "log.sample_every=1",
        "--set", "train.batch_size=8", "--set", "log.eval_samples=40",
        *set_args(*PLAIN_LAYOUT)]  # fmt: skip


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    root = tmp_path_factory.mktemp("runs")
    runs = [root / "dcgan", root / "xiao"]
    assert invoke("train", "dcgan", "--out", str(runs[0]), *TINY)[0] == 0
    assert invoke("train", "xiao2023-adam", "--out", str(runs[1]), *TINY)[0] == 0
    return runs


def test_document_renders_the_same_content_in_markdown_and_html(tmp_path: Path) -> None:
    png = tmp_path / "a.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\nfake")
    doc = Document("T", [Heading("H"), Paragraph("x < y"), Image("a.png", "cap"),
                         Table(["k", "v"], [["a", "1"]])])  # fmt: skip
    md, page = to_markdown(doc), to_html(doc, tmp_path)
    assert md.startswith("# T") and "## H" in md and "![cap](a.png)" in md and "| a | 1 |" in md
    assert "x &lt; y" in page and "<td>a</td><td>1</td>" in page
    assert base64.b64encode(png.read_bytes()).decode() in page  # the image travels inside


@pytest.mark.integration
def test_train_writes_a_run_report(two_runs: list[Path]) -> None:
    md = (two_runs[0] / "report.md").read_text()
    assert "# gankit run: dcgan" in md and "samples/step_000002.png" in md
    assert "plots/losses.png" in md and "```yaml" in md
    assert (two_runs[0] / "report.html").read_text().count("data:image/png;base64,") >= 2


@pytest.mark.integration
def test_run_report_puts_metrics_beside_reference_and_paper(tmp_path: Path) -> None:
    run = tmp_path / "liu"
    assert invoke("train", "liu2021-dcgan", "--out", str(run), *TINY)[0] == 0
    (run / "metrics.json").write_text(json.dumps({
        "is_mean": 7.5, "is_std": 0.1, "fid": 3.2, "n_samples": 100,
        "reference": {"is_mean": 9.8, "is_std": 0.05, "fid": 0.2},
    }))  # fmt: skip
    from gankit.report.run_report import write_run_report

    md = write_run_report(run)[0].read_text()
    assert "| metric | this run | real test data | paper |" in md
    assert "7.500 +- 0.100 | 9.800 +- 0.050 | ISc (Table 3, group 1): 6.10 |" in md
    assert "Liu, Lv, Fan, Luo, Zou (2021)" in md


@pytest.mark.integration
def test_eval_and_report_build_keep_a_runs_report_true(tmp_path: Path) -> None:
    run = tmp_path / "run"
    assert invoke("train", "dcgan", "--out", str(run), *TINY)[0] == 0
    assert "Not evaluated" in (run / "report.md").read_text()
    code, output = invoke("eval", str(run), "--n-samples", "40")
    assert code == 0, output
    fid = json.loads((run / "metrics.json").read_text())["fid"]
    md = (run / "report.md").read_text()
    assert "Not evaluated" not in md and f"FID {fid:.2f}" in md
    assert f"FID {fid:.2f}" in (run / "report.html").read_text()
    # report build takes one run directory too, and writes that run's own report again
    (run / "report.md").unlink()
    code, output = invoke("report", "build", str(run))
    assert code == 0, output
    assert (run / "report.md").read_text() == md


@pytest.mark.integration
def test_compare_command(two_runs: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    code, output = invoke("compare", *map(str, two_runs), "--out", str(out))
    assert code == 0, output
    md = (out / "report.md").read_text()
    assert "| dcgan | 2 |" in md and "| xiao2023-adam | 2 |" in md
    assert (out / "losses.png").is_file() and len(list((out / "grids").glob("*.png"))) == 2
    code, output = invoke("compare", str(tmp_path), "--out", str(out))
    assert code == 2 and "not a gankit run directory" in output


def test_scaled_reproduction_keeps_cadence_proportional() -> None:
    assert scaled_overrides("liu2021-dcgan", 0.1) == [
        "train.iterations=1000", "log.sample_every=100",
        "log.checkpoint_every=100", "log.milestones=[100, 500, 1000]", "log.eval_every=100",
    ]  # fmt: skip
    # a preset that evaluates only at the end keeps doing so
    assert "log.eval_every=0" in scaled_overrides("stacked-dcgan", 0.01)
    with pytest.raises(ValueError, match="positive"):
        scaled_overrides("dcgan", 0)


# --- the pages in a browser --------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

# Appended to a copy of the page: once it has loaded, record what a reader would see.
PROBE = """<script>
window.addEventListener("load", () => {
  const box = (el) => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
    return {top: r.top, width: r.width, height: r.height, shown: s.display !== "none"
            && s.visibility !== "hidden"}; };
  const probe = document.createElement("pre");
  probe.id = "probe";
  probe.textContent = JSON.stringify({
    viewport: window.innerHeight,
    first_heading: document.querySelector("h2").textContent,
    table: box(document.querySelector("table")),
    images: [...document.images].map((img) => ({loaded: img.complete && img.naturalWidth > 0,
      in_row: img.closest(".row") !== null, ...box(img)})),
  });
  document.body.appendChild(probe);
});
</script>"""


def render(page: Path, tmp_path: Path) -> dict:
    """What headless Chromium sees of `page`: its probe's findings."""
    probed = page.with_name(f"probed-{page.name}")
    probed.write_text(page.read_text().replace("</body>", PROBE + "</body>"))
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--disable-background-networking", "--disable-component-update", "--no-first-run",
         f"--user-data-dir={tmp_path / 'chromium'}", "--window-size=1280,900",
         "--virtual-time-budget=5000", "--dump-dom", probed.as_uri()],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    found = re.search(r'<pre id="probe">(.*?)</pre>', result.stdout, re.S)
    assert found, f"no probe in chromium's DOM dump: {result.stderr[-2000:]}"
    return json.loads(html.unescape(found.group(1)))


@pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (Debian: apt-get install chromium)"
)
@pytest.mark.integration
def test_reports_open_with_the_verdict_and_every_image_loads(
    two_runs: list[Path], tmp_path: Path
) -> None:
    from gankit.report.run_report import write_run_report

    run = two_runs[0]  # conditional dcgan: the per-class table too
    assert invoke("eval", str(run), "--n-samples", "100")[0] == 0
    run_page = write_run_report(run)[1]
    out = tmp_path / "cmp"
    assert invoke("compare", *map(str, two_runs), "--out", str(out))[0] == 0
    for page, grids in ((run_page, 3), (out / "report.html", 2)):
        seen = render(page, tmp_path)
        assert seen["first_heading"] == "Verdict"
        table = seen["table"]
        assert table["shown"] and table["width"] > 0 and table["height"] > 0
        assert table["top"] < seen["viewport"]  # on the first screen, without scrolling
        assert seen["images"] and all(img["loaded"] for img in seen["images"])
        row = [img for img in seen["images"] if img["in_row"]]
        assert len(row) == grids  # the grids: one row of small images
        assert len({img["top"] for img in row}) == 1 and all(img["height"] == 140 for img in row)
        assert all(img["top"] > table["top"] for img in seen["images"])  # samples after verdict


def test_headings_carry_the_anchors_markdown_links_use() -> None:
    from gankit.report.document import Document, Heading, Paragraph, anchor, to_html

    # GitHub's rule: lower case, punctuation dropped, spaces to hyphens
    assert anchor("Liu's indexes (ISs and ISc) and gankit's IS") == (
        "lius-indexes-iss-and-isc-and-gankits-is"
    )
    doc = Document("t", [Heading("Per seed"), Paragraph("see [Per seed](#per-seed) & <b>")])
    page = to_html(doc, Path("."))
    assert "<h2 id='per-seed'>Per seed</h2>" in page
    assert "<p>see <a href='#per-seed'>Per seed</a> &amp; &lt;b&gt;</p>" in page
