"""Published FIDs on the Inception network's scale, which the benchmark page sets the models
scored with `gankit eval --features inception` beside: Lucic et al. 2018, "Are GANs Created
Equal?", as reprinted in Dai & Wipf 2019, Table 1 (docs/results/metrics.md, section 5)."""

from __future__ import annotations

from dataclasses import dataclass

from gankit.benchmark.tables import ModelRuns, dataset_title
from gankit.report.document import Block, Heading, Paragraph, Table
from gankit.sweep.aggregate import describe
from gankit.sweep.summary import stat_cell

SOURCE = "Lucic et al. 2018, as reprinted in Dai & Wipf 2019, Table 1"
KEY = "fid_inception"


@dataclass(frozen=True)
class PublishedFID:
    dataset: str
    what: str
    fid: str  # as printed: a mean ± sd, or an approximate value
    value: float  # its mean, or the approximate value


LUCIC = (
    PublishedFID("mnist", "WGAN, best of the tuning", "6.7 ± 0.4", 6.7),
    PublishedFID("mnist", "non-saturating GAN, best of the tuning", "6.8 ± 0.5", 6.8),
    PublishedFID("mnist", "the authors' default settings", "about 10", 10.0),
    PublishedFID("fashion-mnist", "WGAN, best of the tuning", "21.5 ± 1.6", 21.5),
    PublishedFID("fashion-mnist", "the authors' default settings", "about 32", 32.0),
)


def best_published(dataset: str) -> PublishedFID | None:
    """The lowest published FID of `dataset`, None where none is published."""
    found = [p for p in LUCIC if p.dataset == dataset]
    return min(found, key=lambda p: p.value) if found else None


def _scored(group: list[ModelRuns]) -> list[tuple[ModelRuns, list[float]]]:
    """Each model with the Inception FIDs of its seeds that have one."""
    found = []
    for model in group:
        values = [float(r.metrics[KEY]) for r in model.runs if r.metrics.get(KEY) is not None]
        if values:
            found.append((model, values))
    return found


def published_table(dataset: str, group: list[ModelRuns]) -> Table | None:
    """The published rows of `dataset`, then each scored model (mean ± sd [95% interval] over
    its scored seeds) and the real test images' own Inception FID, per sample count; None when
    no model of the dataset has an Inception FID."""
    scored = _scored(group)
    if not scored:
        return None
    rows = [[f"{p.what} ({SOURCE})", "", p.fid] for p in LUCIC if p.dataset == dataset]
    floors: dict[int, float] = {}  # the real images' own, by the sample count scored
    for model, values in scored:
        rows.append([f"gankit {model.label}", str(len(values)), stat_cell(describe(values), KEY)])
        for run in model.runs:
            floor = (run.metrics.get("reference") or {}).get(KEY)
            if floor is not None:
                floors.setdefault(int(run.metrics["n_samples"]), float(floor))
    for n, floor in sorted(floors.items()):
        real = f"real test images, scored as {n:,} samples are"
        rows.append([real, "", f"{floor:.2f}"])
    return Table(["", "seeds scored", "FID, Inception pool3"], rows)


def published_blocks(groups: dict[str, list[ModelRuns]]) -> list[Block]:
    """A section beside the published FIDs, for the datasets whose runs have Inception FIDs."""
    tables = {d: published_table(d, g) for d, g in groups.items()}
    tables = {d: t for d, t in tables.items() if t is not None}
    if not tables:
        return []
    blocks: list[Block] = [
        Heading("Beside published FIDs"),
        Paragraph(
            "The Inception network's FID (`gankit eval RUN --features inception`: 2048-d pool "
            "features of the standard FID Inception network, the scale of published MNIST and "
            "Fashion-MNIST FIDs) of the runs scored with it, beside Lucic et al.'s. FID on "
            "this scale falls as the sample count grows (its estimate is biased upward by a "
            "term in 1/n), so the real images' own FID at gankit's count is the floor to read "
            "a model against, and a paper's number compares only at its own count."
        ),
    ]
    for dataset, table in tables.items():
        blocks += [Heading(dataset_title(dataset), 3), table]
    return blocks
