"""When a score cannot be trusted as it stands: an evaluator classifier that classifies its own
test images badly, or a real-data side too small for FID and KID to be stable. An evaluation
records these as `warnings` in metrics.json, and every table and report of it repeats them."""

from __future__ import annotations

from gankit.data import folder

# Below this test accuracy a classifier's class probabilities (IS, class statistics) and
# features (FID, KID, precision / recall) say more about the classifier than the samples; the
# bundled MNIST and Fashion-MNIST classifiers are far above it.
MIN_ACCURACY = 0.90
# Fewer real images than this: the FID's covariance and the KID's subsets rest on too few to be
# stable, and the real-data floor is itself noisy.
MIN_REAL = 500


def classifier_warning(dataset: str) -> str | None:
    """A warning when the classifier trained on imported dataset `dataset` fell short of
    MIN_ACCURACY on its test split (the bundled ones do not)."""
    record = folder.classifier_record(dataset)
    if record is None or record.get("test_accuracy", 1.0) >= MIN_ACCURACY:
        return None
    return (
        f"the {dataset} classifier classifies only {record['test_accuracy']:.1%} of its test "
        f"images correctly, below the {MIN_ACCURACY:.0%} an evaluator needs: the metrics "
        "computed with it are unreliable. Give it more images per class and train it again "
        f"(`gankit classifier train {dataset}`)"
    )


def size_warning(what: str, n: int) -> str | None:
    """A warning when `what` (the real images a score compares with) numbers under MIN_REAL."""
    if n >= MIN_REAL:
        return None
    return (
        f"{what} holds {n:,} images, under the {MIN_REAL:,} FID and KID need to be stable: "
        "these scores and the real-data floor are noisy. Import more images (the test split is "
        "a tenth of an imported folder), or score more samples"
    )
