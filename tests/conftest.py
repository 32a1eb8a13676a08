"""Shared test setup: real data from ../shared/data, and no test ever reaches the internet."""

from __future__ import annotations

import os

# Before torch loads: OpenMP threads that spin while waiting starve each other (and anything
# else running) on a 2-core machine; passive waiting made the metric tests 4x faster there.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
# Under pytest-xdist (-n N) each worker takes its share of the cores, so that N workers with a
# full set of threads each do not oversubscribe them.
if "PYTEST_XDIST_WORKER_COUNT" in os.environ:
    workers = int(os.environ["PYTEST_XDIST_WORKER_COUNT"])
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, (cores or 1) // workers)))

import ipaddress  # noqa: E402
import socket  # noqa: E402
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

SHARED_DATA = (Path(__file__).resolve().parents[1] / ".." / "shared" / "data").resolve()


@pytest.fixture(autouse=True, scope="session")
def gankit_data() -> Iterator[Path]:
    """The data root tests read: $GANKIT_DATA if already set, else ../shared/data."""
    with pytest.MonkeyPatch.context() as mp:
        # Absolute: tests that run commands from another folder must find the data too.
        data = Path(os.environ.get("GANKIT_DATA") or SHARED_DATA).resolve()
        mp.setenv("GANKIT_DATA", str(data))
        yield data


def _xdg_cache(config: pytest.Config) -> Path:
    return config.cache.mkdir("gankit-xdg-cache")


@pytest.fixture(autouse=True, scope="session")
def _private_cache(request: pytest.FixtureRequest) -> Iterator[Path]:
    """Real-data features are cached in pytest's own cache folder, never the user's; the
    files are keyed by classifier checksum, so keeping them between test runs is safe."""
    cache = _xdg_cache(request.config)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(cache))
        yield cache


def pytest_configure(config: pytest.Config) -> None:
    """Before the test workers start, with every core: what most evaluations need of MNIST (the
    classifier's features of both splits, the nearest-neighbour yardstick) and what the
    Fashion-MNIST runs need (its training split's features). Left to the tests, a worker
    computes them on its one thread, and both workers at once."""
    if hasattr(config, "workerinput") or not hasattr(config, "cache"):
        return  # a worker (the controller warmed the cache), or pytest without its cache
    cache = _xdg_cache(config)
    wanted = ("mnist-classifier-*-all-test-nn.json", "fashion-mnist-classifier-*-train.safetensors")
    if all(any(cache.glob(f"gankit/evaluation/v*/{name}")) for name in wanted):
        return  # warm already: no need to load torch here
    data = Path(os.environ.get("GANKIT_DATA") or SHARED_DATA).resolve()
    if any(len(list(data.glob(f"{name}/*"))) < 4 for name in ("mnist", "fashion-mnist")):
        return  # never a download from here: the tests say what is missing
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(cache))
        mp.setenv("GANKIT_DATA", str(data))
        from gankit.evaluation.features import classifier_extractor
        from gankit.evaluation.real import real_embedding, real_nn_median

        real_nn_median("mnist", classifier_extractor("mnist"), None)
        real_embedding("fashion-mnist", "train", classifier_extractor("fashion-mnist"))


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


@pytest.fixture(autouse=True, scope="session")
def _no_internet() -> Iterator[None]:
    """Fail loudly on any connection off this machine; local test servers still work."""
    real_connect = socket.socket.connect

    def connect(self: socket.socket, address: tuple[Any, ...]) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
            # Not an OSError, so no retry or fallback can swallow it.
            raise RuntimeError(f"tests must not reach the internet: connect to {address} blocked")
        real_connect(self, address)

    real_getaddrinfo = socket.getaddrinfo
    this_host = socket.gethostname()

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        # Name lookups go out too (DNS): refuse every name but the local ones and this
        # machine's own (Ray and gloo look that one up).
        if host not in (None, "", this_host) and not _is_loopback(str(host)):
            raise RuntimeError(f"tests must not reach the internet: lookup of {host!r} blocked")
        return real_getaddrinfo(host, *args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", connect)
        mp.setattr(socket, "getaddrinfo", getaddrinfo)
        yield


@pytest.fixture
def register_metric(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    """register_metric(Metric(...), compute=None, probabilities=None): a metric registered for
    one test only, with `compute(generated, real)` as its feature-metric function or
    `probabilities(class probabilities)` as its probability-metric function; the registry and
    the functions are as they were after the test."""
    from gankit.evaluation import metrics, registry

    monkeypatch.setattr(registry, "_METRICS", dict(registry._METRICS))
    monkeypatch.setattr(metrics, "FEATURE_METRICS", dict(metrics.FEATURE_METRICS))
    monkeypatch.setattr(metrics, "PROBABILITY_METRICS", dict(metrics.PROBABILITY_METRICS))

    def register(
        metric: registry.Metric,
        compute: Callable[..., float] | None = None,
        probabilities: Callable[..., float] | None = None,
    ) -> Any:
        registry.register(metric)
        if compute is not None:
            metrics.feature_metric(metric.key)(compute)
        if probabilities is not None:
            metrics.probability_metric(metric.key)(probabilities)
        return metric

    return register
