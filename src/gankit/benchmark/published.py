"""Published FIDs on the Inception network's scale, which the benchmark page sets the models
scored with `gankit eval --features inception` beside: Lucic et al. 2018, "Are GANs Created
Equal?", as reprinted in Dai & Wipf 2019, Table 1 (docs/results/metrics.md, section 5)."""

from __future__ import annotations

from dataclasses import dataclass

from gankit.benchmark.tables import INCEPTION_FID, ModelRuns, dataset_title
from gankit.paper_report import ReportRun, machine_of, made_by
from gankit.report.document import Block, Heading, Paragraph, Table
from gankit.sweep.aggregate import describe
from gankit.sweep.summary import stat_cell

SOURCE = "Lucic et al. 2018, as reprinted in Dai & Wipf 2019, Table 1"
TWINS_TEXT = (
    "Twins: a trial whose checkpoint went with the machine that trained it was trained again "
    "from its collected config.yaml (the same settings and seed, fp32 as the trial) and the "
    "twin was scored (docs/results/benchmark-inception.sh). A twin is the same recipe, not the "
    "same run: another CPU sums in another order. Its FID in the classifier's features beside "
    "the trial's says how far apart the two ended; the tables above hold the trials' own scores "
    "and only this section the twins'."
)


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


def scored_models(group: list[ModelRuns]) -> list[tuple[ModelRuns, list[ReportRun]]]:
    """Each model with the runs the Inception network scored for its seeds (its own, or
    their twins)."""
    return [(model, runs) for model in group if (runs := model.scored_by_inception())]


def _seeds_cell(model: ModelRuns, runs: list[ReportRun]) -> str:
    twins = sum(map(model.is_twin, runs))
    if not twins:
        return str(len(runs))
    return f"{len(runs)} ({'twins' if twins == len(runs) else f'{twins} of them twins'})"


def published_table(dataset: str, group: list[ModelRuns]) -> Table | None:
    """The published rows of `dataset`, then each scored model (mean ± sd [95% interval] over
    its scored seeds, twins counted and said) and the real test images' own Inception FID, per
    sample count; None when no model of the dataset has an Inception FID."""
    scored = scored_models(group)
    if not scored:
        return None
    # Lucic et al. trained unconditional GANs
    rows = [[f"{p.what} ({SOURCE})", "no", "", p.fid] for p in LUCIC if p.dataset == dataset]
    floors: dict[int, float] = {}  # the real images' own, by the sample count scored
    for model, runs in scored:
        values = [float(run.metrics[INCEPTION_FID]) for run in runs]
        cell = stat_cell(describe(values), INCEPTION_FID)
        given = "yes" if model.runs[0].config.model.conditional else "no"
        rows.append([f"gankit {model.label}", given, _seeds_cell(model, runs), cell])
        for run in runs:
            floor = (run.metrics.get("reference") or {}).get(INCEPTION_FID)
            if floor is not None:
                floors.setdefault(int(run.metrics["n_samples"]), float(floor))
    for n, floor in sorted(floors.items()):
        real = f"real test images, scored as {n:,} samples are"
        rows.append([real, "", "", f"{floor:.2f}"])
    return Table(["", "given the class", "seeds scored", "FID, Inception pool3"], rows)


def _fid_cell(run: ReportRun, key: str) -> str:
    value = run.metrics.get(key)
    return "-" if value is None else f"{float(value):.2f}"


def twins_table(group: list[ModelRuns]) -> Table | None:
    """Each twin beside its trial: where it trained, both runs' FID in the classifier's
    features, and the twin's Inception FID; None where the dataset has no twin."""
    rows = [
        [run.name, machine_of(twin), made_by(twin), _fid_cell(run, "fid"), _fid_cell(twin, "fid"),
         _fid_cell(twin, INCEPTION_FID)]
        for model in group for run in model.runs if (twin := model.twins.get(run.name))
    ]  # fmt: skip
    if not rows:
        return None
    header = ["trial", "twin trained on", "twin's code, torch, precision",
              "FID (classifier), trial", "FID (classifier), twin",
              "FID (Inception), twin"]  # fmt: skip
    return Table(header, rows)


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
            "a model against, and a paper's number compares only at its own count. Lucic et "
            "al.'s GANs are unconditional: a class-conditional model ('given the class') had "
            "the labels to help it, so beside their rows it is the same measure on the same "
            "data, not the same task."
        ),
    ]
    for dataset, table in tables.items():
        blocks += [Heading(dataset_title(dataset), 3), table]
        twins = twins_table(groups[dataset])
        if twins is not None:
            blocks += [Paragraph(TWINS_TEXT), twins]
    return blocks
