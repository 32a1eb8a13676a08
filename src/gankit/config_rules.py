"""The rules between config keys, in one place (Config's one cross-field validator).

No setting is ignored: a key that the chosen model, optimizer, loss or D update does not use
is an error naming the key and the fix. Only keys given explicitly (in a preset, a config
file or --set) with a value other than the default count, so the defaults and a saved run's
config.yaml, which lists every key, always pass.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from gankit import choices
from gankit.data.catalog import dataset_info

if TYPE_CHECKING:
    from gankit.config import Config


class Rules:
    """Collects every broken rule, so one message lists them all."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def require(self, ok: bool, message: str) -> None:
        if not ok:
            self.problems.append(message)


def show(value: Any) -> str:
    """A value as it is written in YAML or --set (true, [0.5, 0.9], batch)."""
    return value if isinstance(value, str) else json.dumps(value)


def changed(section: BaseModel, key: str) -> bool:
    """Whether `key` was given explicitly with a value other than its default."""
    field = type(section).model_fields[key]
    return key in section.model_fields_set and getattr(section, key) != field.get_default(
        call_default_factory=True
    )


def check(config: Config) -> list[str]:
    """Every broken rule of `config`, each naming the key and the fix; [] when it is sound."""
    rules = Rules()
    _model_keys_are_read(config, rules)
    _optimizer_keys_are_read(config, rules)
    _loss_keys_are_read(config, rules)
    _switches_apply(config, rules)
    return rules.problems


def _model_keys_are_read(config: Config, rules: Rules) -> None:
    m = config.model
    generator = choices.GENERATORS[m.generator]
    discriminator = choices.DISCRIMINATORS[m.discriminator]
    shared = set(generator.OPTIONS) & set(discriminator.OPTIONS)  # batchnorm: either may read
    for kind, chosen, registry in (
        ("generator", generator, choices.GENERATORS),
        ("discriminator", discriminator, choices.DISCRIMINATORS),
    ):
        for key in (key for key in chosen.OPTIONS if key not in shared):
            rules.require(
                not changed(m, key) or key in chosen.reads,
                f"model.{key}={show(getattr(m, key))}: {kind} {chosen.name!r} does not use it; "
                f"remove it, or choose a {kind} that does ({', '.join(registry.readers(key))})",
            )
    for key in sorted(shared):
        rules.require(
            not changed(m, key) or key in (*generator.reads, *discriminator.reads),
            f"model.{key}={show(getattr(m, key))}: neither generator {m.generator!r} nor "
            f"discriminator {m.discriminator!r} uses it; remove it, or choose models that do "
            f"(generators {', '.join(choices.GENERATORS.readers(key))}; discriminators "
            f"{', '.join(choices.DISCRIMINATORS.readers(key))})",
        )
    if m.d_conditioning == "projection":
        rules.require(
            m.conditional,
            "model.d_conditioning=projection needs conditional labels: set "
            "model.conditional=true, or model.d_conditioning=concat",
        )
        projecting = choices.DISCRIMINATORS.having(lambda spec: spec.projection)
        rules.require(
            discriminator.projection,
            f"model.d_conditioning=projection needs a discriminator with a feature trunk "
            f"({', '.join(projecting)}), not {m.discriminator!r}",
        )


def _optimizer_keys_are_read(config: Config, rules: Rules) -> None:
    for side, opt in (("g", config.optim.g), ("d", config.optim.d)):
        _chosen_reads(rules, opt, f"optim.{side}", "name", opt.name, choices.OPTIMIZERS)


def _loss_keys_are_read(config: Config, rules: Rules) -> None:
    t = config.train
    _chosen_reads(rules, t, "train", "loss", f"train.loss={t.loss}", choices.LOSSES)


def _chosen_reads(
    rules: Rules,
    section: BaseModel,
    prefix: str,
    field: str,
    chosen_as: str,
    declared: choices.Declared[Any],
) -> None:
    """Each optional key of the choice that `section.field` names (its kind's OPTIONS) is set
    only where the chosen declaration reads it; `chosen_as`: how the message names the choice."""
    chosen = declared[getattr(section, field)]
    for key in chosen.OPTIONS:
        rules.require(
            not changed(section, key) or key in chosen.reads,
            f"{prefix}.{key}={show(getattr(section, key))}: {chosen_as} does not use it; "
            f"remove it, or set {prefix}.{field} to {' or '.join(declared.readers(key))}",
        )


def _switches_apply(config: Config, rules: Rules) -> None:
    t, m = config.train, config.model
    loss = choices.LOSSES[t.loss]
    rules.require(
        not changed(t, "d_same_batch") or t.d_steps > 1,
        "train.d_same_batch=true reuses one batch over several D steps, but train.d_steps=1: "
        "raise train.d_steps, or remove it",
    )
    rules.require(
        t.g_noise == "fresh" or t.g_batch_size in (None, t.batch_size),
        f"train.g_noise=d-step feeds G the D step's noise, a batch of train.batch_size "
        f"{t.batch_size}, but train.g_batch_size is {t.g_batch_size}: remove "
        "train.g_batch_size, or set train.g_noise=fresh",
    )
    rules.require(
        t.g_step_d == "frozen" or t.g_step_d_bn == "batch",
        "train.g_step_d=trained needs train.g_step_d_bn=batch (a D trained in the G step "
        "normalises by batch statistics, as in any training step), not running: set "
        "train.g_step_d_bn=batch, or remove train.g_step_d=trained",
    )
    if t.d_update == "real-then-fake":
        halves = choices.LOSSES.having(lambda spec: spec.separate_halves)
        rules.require(
            loss.separate_halves,
            f"train.d_update=real-then-fake needs a loss with separate halves "
            f"({', '.join(halves)}), not train.loss={t.loss}",
        )
        for key in ("d_forward", "r1_gamma"):
            rules.require(
                not changed(t, key),
                f"train.{key}={show(getattr(t, key))} does not apply to "
                "train.d_update=real-then-fake (D sees each half on its own, and no penalty is "
                "added); remove one of them",
            )
    if t.accumulate > 1:
        unit = t.accumulate * t.packing  # a micro-batch holds whole packs
        parts = f"whole packs of {t.packing}" if t.packing > 1 else "equal size"
        for key in ("batch_size", "g_batch_size"):
            size = getattr(t, key)
            rules.require(
                size is None or size % unit == 0,
                f"train.{key} {size} does not split into train.accumulate={t.accumulate} "
                f"micro-batches of {parts}: make it a multiple of {unit}, or change "
                "train.accumulate",
            )
    if t.packing > 1:
        rules.require(
            not loss.needs_gradient_penalty,
            f"train.packing > 1 does not apply to train.loss={t.loss} (its gradient penalty is "
            "per image): set train.packing=1, or another train.loss",
        )
        rules.require(
            t.batch_size % t.packing == 0,
            f"train.batch_size {t.batch_size} must be a multiple of packing {t.packing}",
        )
        rules.require(
            not m.conditional,
            "train.packing > 1 needs an unconditional model (a pack has no label): set "
            "model.conditional=false",
        )
    if dataset_info(config.data.dataset).counts_modes:
        name = config.data.dataset
        rules.require(
            not m.conditional,
            f"{name} counts the modes an unconditional generator covers: set "
            "model.conditional=false",
        )
        rules.require(
            not (config.log.eval_every and config.log.keep_best),
            f"{name}'s periodic evaluation counts modes, with no FID to keep a best.pt by: "
            "set log.keep_best=false, or log.eval_every=0",
        )
