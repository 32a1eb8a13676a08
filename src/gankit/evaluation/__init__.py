"""Evaluation: the bundled classifier, metric functions and the orchestration around them."""
