"""The two sides of a registry: names declared once with what they mean (torch-free, so the config
schema can read them), and implementations registered against a declared name.

A declaration names the optional config keys it reads (`reads`, among its kind's `OPTIONS`) and
its capabilities; the config validates a choice against the declarations and config_rules reads
their capabilities. An implementation (a loss's functions, a model's factory, an optimizer's
builder) is registered under a declared name. Either side refuses a name registered twice, and
tests/choices/test_choices.py checks that every declared name has its implementation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import ClassVar, Generic, TypeVar

from gankit.errors import UnknownNameError


@dataclass(frozen=True)
class Choice:
    """One name a config key chooses: `summary` says what it is (the config's field description
    lists them), `reads` the optional config keys it uses, each among the kind's `OPTIONS`: a
    key it does not read is a config error when set (gankit.config_rules)."""

    OPTIONS: ClassVar[tuple[str, ...]] = ()

    name: str
    summary: str
    reads: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        unknown = sorted(set(self.reads) - set(self.OPTIONS))
        if unknown:
            raise ValueError(f"{self.name}: reads {unknown}, not among {self.OPTIONS}")


C = TypeVar("C", bound=Choice)
T = TypeVar("T")


class Declared(Mapping[str, C], Generic[C]):
    """Every declared choice of one kind by name, in the order they were declared."""

    def __init__(self, kind: str) -> None:
        self.kind = kind  # "loss", "generator", ...: how messages name one
        self._choices: dict[str, C] = {}

    def declare(self, choice: C) -> C:
        if choice.name in self._choices:
            raise ValueError(f"{self.kind} {choice.name!r} is declared twice; declare it once")
        self._choices[choice.name] = choice
        return choice

    def __getitem__(self, name: str) -> C:
        try:
            return self._choices[name]
        except KeyError:
            raise UnknownNameError(self.unknown(name)) from None

    def __contains__(self, name: object) -> bool:
        return name in self._choices

    def __iter__(self) -> Iterator[str]:
        return iter(self._choices)

    def __len__(self) -> int:
        return len(self._choices)

    def unknown(self, name: str) -> str:
        """The message for a name that is not declared: it lists the choices."""
        return f"unknown {self.kind} {name!r}; choose one of: {', '.join(self._choices)}"

    def check(self, name: str) -> str:
        """`name` if it is declared, else a ValueError listing the choices (a pydantic
        validator: the config reports it under the key)."""
        if name not in self._choices:
            raise ValueError(self.unknown(name))
        return name

    def having(self, capability: Callable[[C], bool]) -> list[str]:
        """The choices for which `capability` holds: the alternatives a message lists."""
        return [name for name, choice in self._choices.items() if capability(choice)]

    def readers(self, key: str) -> list[str]:
        """The choices that read config key `key`."""
        return self.having(lambda choice: key in choice.reads)

    def described(self) -> str:
        """Every choice with its summary, for the config field's description."""
        return "; ".join(f"{name}: {choice.summary}" for name, choice in self._choices.items())


class Implemented(Mapping[str, T], Generic[C, T]):
    """The implementations of one kind's declared choices, by name."""

    def __init__(self, declared: Declared[C]) -> None:
        self.declared = declared
        self._implementations: dict[str, T] = {}

    def declaration(self, name: str) -> C:
        """The declaration an implementation of `name` is registered against."""
        if name not in self.declared:
            raise ValueError(
                f"{self.declared.kind} {name!r} is not declared: declare it in gankit/choices/ "
                "before registering its implementation"
            )
        return self.declared[name]

    def register(self, name: str, implementation: T) -> T:
        self.declaration(name)
        if name in self._implementations:
            raise ValueError(f"{self.declared.kind} {name!r} is implemented twice")
        self._implementations[name] = implementation
        return implementation

    def registering(self, name: str) -> Callable[[T], T]:
        """`register` as a decorator."""
        return lambda implementation: self.register(name, implementation)

    def __getitem__(self, name: str) -> T:
        if name not in self.declared:
            raise UnknownNameError(self.declared.unknown(name))
        try:
            return self._implementations[name]
        except KeyError:
            raise KeyError(
                f"{self.declared.kind} {name!r} is declared but has no implementation; import "
                "the module that registers it"
            ) from None

    def __contains__(self, name: object) -> bool:
        return name in self._implementations

    def __iter__(self) -> Iterator[str]:
        return iter(self._implementations)

    def __len__(self) -> int:
        return len(self._implementations)

    def missing(self) -> list[str]:
        """The declared names without an implementation."""
        return [name for name in self.declared if name not in self._implementations]
