"""What the benchmark asks of the models it ships, checked on its runs' final evaluations: every
model at its default length keeps every class in every seed with recall at least 0.5, the best
model of a dataset comes within a multiple of the real data's FID in the dataset classifier's
features, and on the Inception network's scale below the best published FID."""

from __future__ import annotations

import math
import statistics

from gankit.benchmark.published import best_published, scored_models
from gankit.benchmark.tables import INCEPTION_FID, ModelRuns, dataset_title, floor_ratio
from gankit.report.document import Block, Heading, Paragraph, Table
from gankit.sweep.aggregate import describe

MIN_RECALL = 0.5
# the best model's FID in the classifier's features, as a multiple of the real images' own
BEST_FID_MULTIPLE = 3.0


def _fid_multiples(model: ModelRuns) -> list[float]:
    """Each seed's FID over the real images' own at its sample count (metrics.json)."""
    return [x for r in model.runs if (x := floor_ratio(r.metrics, "fid")) is not None]


def _smallest_class_share(model: ModelRuns) -> float:
    """The smallest share of the samples the classifier put in one class, lowest over seeds."""
    shares = []
    for run in model.runs:
        counts = run.metrics.get("class_histogram") or []
        if sum(counts):
            shares.append(min(counts) / sum(counts))
    return min(shares) if shares else math.nan


def model_table(group: list[ModelRuns]) -> Table:
    """Per model: the fewest classes present in a seed, the smallest class and the lowest
    recall over its seeds, and whether every seed keeps every class with recall >= 0.5."""
    rows = []
    for model in group:
        present = [(int(r.metrics["modes_covered"]), int(r.metrics["modes_total"]))
                   for r in model.runs if "modes_covered" in r.metrics]  # fmt: skip
        recalls = [v for v in model.values("recall") if math.isfinite(v)]
        if not present or not recalls:
            rows.append([model.label, str(len(model.runs)), "-", "-", "-", "not scored"])
            continue
        fewest, total = min(present, key=lambda p: p[0])
        misses = [why for why, missed in (
            ("a class lost", any(n < of for n, of in present)),
            (f"recall below {MIN_RECALL}", min(recalls) < MIN_RECALL),
        ) if missed]  # fmt: skip
        rows.append([model.label, str(len(model.runs)), f"{fewest} of {total}",
                     f"{_smallest_class_share(model):.1%}", f"{min(recalls):.3f}",
                     "missed: " + ", ".join(misses) if misses else "met"])  # fmt: skip
    header = ["model", "seeds", "classes present, fewest in a seed",
              "smallest class, lowest seed", "recall, lowest seed",
              f"every seed: all classes, recall >= {MIN_RECALL}"]  # fmt: skip
    return Table(header, rows)


def best_model_paragraph(dataset: str, group: list[ModelRuns]) -> Paragraph:
    """The model of lowest mean FID multiple against BEST_FID_MULTIPLE, and the model of lowest
    mean Inception FID against the best published one."""
    multiples = {m.label: x for m in group if (x := _fid_multiples(m))}
    if not multiples:
        return Paragraph("No model has an FID beside its real-data floor to set a best by.")
    best = min(multiples, key=lambda label: statistics.mean(multiples[label]))
    seeds = multiples[best]
    stat = describe(seeds)
    if max(seeds) <= BEST_FID_MULTIPLE:
        met = "met in every seed"
    elif stat.mean <= BEST_FID_MULTIPLE:
        met = "met on the mean, not in every seed"
    else:
        met = "missed"
    spread = (
        "one seed" if len(seeds) == 1
        else f"{min(seeds):.2f}x to {max(seeds):.2f}x over {len(seeds)} seeds"
    )  # fmt: skip
    text = (
        f"Best model by FID in the classifier's features: {best}, {stat.mean:.2f}x the real "
        f"images' own ({spread}), against at most {BEST_FID_MULTIPLE:g}x: {met}."
    )
    published = best_published(dataset)
    scored = scored_models(group)
    if published is None:
        return Paragraph(text)
    if not scored:
        return Paragraph(
            f"{text} On the Inception network's scale no model is scored yet (the best "
            f"published FID is {published.fid}, {published.what})."
        )
    means = [(model, runs, describe([float(run.metrics[INCEPTION_FID]) for run in runs]))
             for model, runs in scored]  # fmt: skip
    lowest, runs, inception = min(means, key=lambda found: found[2].mean)
    twins = sum(map(lowest.is_twin, runs))
    as_twins = f", {'all' if twins == inception.n else twins} as twins" if twins else ""
    below = "below it" if inception.mean < published.value else "not below it"
    return Paragraph(
        f"{text} On the Inception network's scale: {lowest.label}, FID {inception.mean:.2f} "
        f"({inception.n} seed{'s' if inception.n != 1 else ''} scored{as_twins}), against the "
        f"best published {published.fid} ({published.what}): {below}."
    )


def modes_table(group: list[ModelRuns]) -> Table:
    """Per Stacked MNIST model: the fewest modes a seed covers, the highest KL to uniform of a
    seed, and whether every seed covers every mode, Stacked MNIST's 'every class kept'."""
    rows = []
    for model in group:
        covered = [(int(r.metrics["modes_covered"]), int(r.metrics["modes_total"]),
                    float(r.metrics["kl_to_uniform"]))
                   for r in model.runs if "modes_covered" in r.metrics]  # fmt: skip
        if not covered:
            rows.append([model.label, str(len(model.runs)), "-", "-", "not scored"])
            continue
        fewest, total, _ = min(covered)
        lost = total - fewest
        met = "met" if not lost else f"missed: {lost:,} mode{'s' if lost != 1 else ''} lost"
        rows.append([model.label, str(len(model.runs)), f"{fewest:,} of {total:,}",
                     f"{max(kl for *_, kl in covered):.3f}", met])  # fmt: skip
    header = ["model", "seeds", "modes covered, fewest in a seed", "KL to uniform, highest seed",
              "every seed: every mode covered"]  # fmt: skip
    return Table(header, rows)


def target_blocks(groups: dict[str, list[ModelRuns]]) -> list[Block]:
    """The targets section: for the image datasets, classes, recall and the best model's FID;
    for Stacked MNIST, modes."""
    if not groups:
        return []
    blocks: list[Block] = [
        Heading("The targets"),
        Paragraph(
            "Every model at its default length keeps every class in every seed (a class is "
            "present when its share of the samples, as the classifier reads them, is at least "
            "a tenth of its share of the training data) with recall at least "
            f"{MIN_RECALL}; the best model of a dataset comes within {BEST_FID_MULTIPLE:g} "
            "times the real images' own FID in the classifier's features, and on the "
            "Inception network's scale below the best published FID. On Stacked MNIST a "
            "class is one of the 1,000 modes (PacGAN's count: a mode is covered when at least "
            "one of the samples falls in it), and every model covers every mode in every seed; "
            "its KL to uniform is beside, to read against the real images' own in the tables "
            "above."
        ),
    ]
    for dataset, group in groups.items():
        blocks.append(Heading(dataset_title(dataset), 3))
        if group[0].counts_modes:
            blocks.append(modes_table(group))
        else:
            blocks += [model_table(group), best_model_paragraph(dataset, group)]
    return blocks
