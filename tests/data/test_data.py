"""Data layer on the real IDX files: parsing, subsets, lookup, corruption, download, CLI."""

from __future__ import annotations

import functools
import gzip
import os
import socket
import struct
import threading
from collections.abc import Callable, Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from gankit.cli import main
from gankit.data import DataError, download, get_spec, idx, load_arrays, load_tensors
from gankit.data.download import check_file, download_dataset, download_file, mirrors_for
from gankit.data.locate import find_file, search_dirs

MNIST = get_spec("mnist")
LABELS = "t10k-labels-idx1-ubyte"  # the smallest real file (4.5 kB gzipped)


# ---------------------------------------------------------------- helpers


def _gz(gankit_data: Path, filename: str = LABELS) -> bytes:
    return (gankit_data / "mnist" / f"{filename}.gz").read_bytes()


def _flipped(gz_bytes: bytes) -> bytes:
    """A well-formed gzip whose content has a few bytes inverted: only the checksum notices."""
    data = bytearray(gzip.decompress(gz_bytes))
    for i in range(-50, 0):
        data[i] ^= 0xFF
    return gzip.compress(bytes(data))


def _write(path: Path, content: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


class _Server:
    """A local HTTP mirror serving one folder and recording the paths it was asked for."""

    def __init__(self, root: Path) -> None:
        self.requests: list[str] = []
        requests = self.requests

        class Handler(SimpleHTTPRequestHandler):
            def do_GET(self) -> None:
                requests.append(self.path)
                super().do_GET()

            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

        self.httpd = ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(Handler, directory=str(root))
        )
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


@pytest.fixture
def serve() -> Iterator[Callable[[Path], _Server]]:
    servers: list[_Server] = []

    def start(root: Path) -> _Server:
        servers.append(_Server(root))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def closed_url() -> str:
    """A base URL on a local port nobody listens on: connections are refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the retry backoff instead of waiting for it."""
    calls: list[float] = []
    monkeypatch.setattr(download.time, "sleep", calls.append)
    return calls


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Never read or write the real user cache, and never use mirrors from the caller's shell.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.delenv("GANKIT_MIRRORS", raising=False)


# ---------------------------------------------------------------- IDX parsing and subsets


def test_mnist_train_parses_to_the_documented_shapes() -> None:
    images, labels = load_arrays("mnist", "train", download=False)
    assert images.shape == (60000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (60000,)
    assert set(np.unique(labels)) == set(range(10))
    assert images.min() == 0 and images.max() == 255
    assert not images.flags.writeable  # the per-process cache must not be mutated by callers


def test_fashion_mnist_test_split_parses() -> None:
    images, labels = load_arrays("fashion-mnist", "test", download=False)
    assert images.shape == (10000, 28, 28)
    assert np.bincount(labels).tolist() == [1000] * 10


def test_load_tensors_maps_pixels_to_minus_one_one() -> None:
    x, y = load_tensors("mnist", "test", download=False)
    images, labels = load_arrays("mnist", "test", download=False)
    assert x.shape == (10000, 1, 28, 28) and x.dtype == torch.float32
    assert y.dtype == torch.int64 and torch.equal(y, torch.from_numpy(labels.astype(np.int64)))
    assert x.min().item() == -1.0 and x.max().item() == 1.0
    # 0 -> -1, 255 -> 1, linear in between
    expected = torch.as_tensor(images[:5].astype(np.float32) / 127.5 - 1.0).unsqueeze(1)
    assert torch.allclose(x[:5], expected)


def test_digit_six_subset_holds_only_sixes_and_all_of_them() -> None:
    x, y = load_tensors("mnist", "train", labels=[6], download=False)
    assert len(x) == len(y) == 5918
    assert torch.all(y == 6)
    images, labels = load_arrays("mnist", "train", download=False)
    assert torch.equal(x[:, 0], torch.as_tensor(images[labels == 6]).float() / 127.5 - 1.0)


def test_limit_keeps_the_first_n_after_the_label_filter() -> None:
    all_x, _ = load_tensors("mnist", "test", download=False)
    x, y = load_tensors("mnist", "test", limit=7, download=False)
    assert torch.equal(x, all_x[:7])
    six_x, _ = load_tensors("mnist", "test", labels=[6], download=False)
    x6, y6 = load_tensors("mnist", "test", labels=[6], limit=20, download=False)
    assert len(x6) == 20 and torch.all(y6 == 6) and torch.equal(x6, six_x[:20])


def test_subset_arguments_are_validated() -> None:
    with pytest.raises(DataError, match="out of range"):
        load_tensors("mnist", "test", labels=[10], download=False)
    with pytest.raises(ValueError, match="positive"):
        load_tensors("mnist", "test", limit=0, download=False)


# ---------------------------------------------------------------- lookup order


def test_lookup_order_data_dir_then_env_then_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    roots = {name: tmp_path / name for name in ("cli", "env", "cache")}
    for root in roots.values():
        _write(root / "mnist" / LABELS, b"x")
    # The cache is <XDG_CACHE_HOME>/gankit/<dataset>.
    _write(tmp_path / "xdg" / "gankit" / "mnist" / LABELS, b"x")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("GANKIT_DATA", str(roots["env"]))

    labels = [label for label, _ in search_dirs(MNIST, roots["cli"])]
    assert labels == ["--data-dir", "$GANKIT_DATA", "user cache"]
    assert find_file(MNIST, LABELS, roots["cli"]) == roots["cli"] / "mnist" / LABELS
    assert find_file(MNIST, LABELS, None) == roots["env"] / "mnist" / LABELS
    # A --data-dir without the file falls through to the next place.
    assert find_file(MNIST, LABELS, tmp_path / "empty") == roots["env"] / "mnist" / LABELS
    monkeypatch.delenv("GANKIT_DATA")
    assert find_file(MNIST, LABELS, None) == tmp_path / "xdg" / "gankit" / "mnist" / LABELS


def test_system_dirs_come_last() -> None:
    spec = get_spec("fashion-mnist")
    assert search_dirs(spec)[-1] == ("system", Path("/usr/share/datasets/fashion-mnist"))


# ---------------------------------------------------------------- bad files


def _truncated(gz_bytes: bytes) -> bytes:
    return gz_bytes[: len(gz_bytes) // 2]


def _foreign(gz_bytes: bytes) -> bytes:
    # An IDX header with the magic of a float array (0x0d), which gankit never reads.
    return struct.pack(">II", 0x00000D01, 10000) + bytes(10000)


@pytest.mark.parametrize(
    ("make", "name", "reason"),
    [
        (_truncated, f"{LABELS}.gz", "truncated or corrupt"),
        (_flipped, f"{LABELS}.gz", "SHA-256"),
        (_foreign, LABELS, "SHA-256"),
    ],
    ids=["truncated-gz", "flipped-bytes", "foreign-file"],
)
def test_bad_file_raises_data_error_naming_file_and_fix(
    tmp_path: Path,
    gankit_data: Path,
    monkeypatch: pytest.MonkeyPatch,
    make: Callable[[bytes], bytes],
    name: str,
    reason: str,
) -> None:
    bad = _write(tmp_path / "mnist" / name, make(_gz(gankit_data)))
    for other in MNIST.files["test"]:  # the bad labels file is the only copy of its kind
        if other != LABELS:
            _write(tmp_path / "mnist" / f"{other}.gz", _gz(gankit_data, other))
    monkeypatch.setenv("GANKIT_DATA", str(tmp_path / "nothing"))
    for _ in range(2):  # a failure must not be cached as a result either
        with pytest.raises(DataError) as info:
            load_arrays("mnist", "test", data_dir=tmp_path, download=False)
        message = str(info.value)
        assert str(bad) in message and reason in message
        assert "gankit data download" in message


@pytest.mark.parametrize("make", [_truncated, _flipped], ids=["truncated-gz", "flipped-bytes"])
def test_bad_copy_early_in_the_lookup_is_reported_and_skipped(
    tmp_path: Path,
    gankit_data: Path,
    caplog: pytest.LogCaptureFixture,
    make: Callable[[bytes], bytes],
) -> None:
    bad = _write(tmp_path / "mnist" / f"{LABELS}.gz", make(_gz(gankit_data)))
    good = gankit_data / "mnist" / f"{LABELS}.gz"
    images, labels = load_arrays("mnist", "test", data_dir=tmp_path, download=False)
    expected = load_arrays("mnist", "test", download=False)[1]
    assert np.array_equal(labels, expected) and images.shape == (10000, 28, 28)
    warning = caplog.records[-1]
    assert warning.levelname == "WARNING"
    assert str(bad) in warning.getMessage() and f"using {good}" in warning.getMessage()


def test_foreign_magic_is_named_by_the_parser() -> None:
    with pytest.raises(DataError, match=r"magic number 0x00000d01 .*not a dataset file"):
        idx.parse(_foreign(b""), "some.bin")


def test_missing_file_without_download_names_the_places_searched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GANKIT_DATA", str(tmp_path / "nothing"))
    with pytest.raises(DataError, match=r"t10k-images-idx3-ubyte not found .*gankit data download"):
        load_arrays("mnist", "test", download=False)


# ---------------------------------------------------------------- download


def test_download_lands_verified_file_and_nothing_else(
    tmp_path: Path, gankit_data: Path, serve: Callable[[Path], _Server]
) -> None:
    _write(tmp_path / "www" / f"{LABELS}.gz", _gz(gankit_data))
    server = serve(tmp_path / "www")
    dest = tmp_path / "dest"

    path = download_file(MNIST, LABELS, dest_dir=dest, mirrors=[server.url])

    assert path == dest / f"{LABELS}.gz"
    assert check_file(MNIST, LABELS, path) is None
    assert path.read_bytes() == _gz(gankit_data)  # stored as the .gz that was served
    assert sorted(p.name for p in dest.iterdir()) == [f"{LABELS}.gz"]
    assert server.requests == [f"/{LABELS}.gz"]


def _html_page(gz_bytes: bytes) -> bytes:
    return b"<html><body>Please log in to the network</body></html>"


@pytest.mark.parametrize(
    ("make", "requests", "why"),
    [
        (_flipped, 1, "SHA-256 mismatch"),  # a wrong file: retrying the mirror cannot help
        (_html_page, 1, "not gzip data"),
        (_truncated, 3, "truncated or corrupt gzip"),  # a cut-off transfer: worth retrying
        (None, 1, "HTTP 404"),
    ],
    ids=["flipped", "html", "truncated", "missing"],
)
def test_bad_first_mirror_falls_back_to_the_second(
    tmp_path: Path,
    gankit_data: Path,
    serve: Callable[[Path], _Server],
    sleeps: list[float],
    make: Callable[[bytes], bytes] | None,
    requests: int,
    why: str,
) -> None:
    (tmp_path / "bad").mkdir()
    if make is not None:
        _write(tmp_path / "bad" / f"{LABELS}.gz", make(_gz(gankit_data)))
    _write(tmp_path / "good" / f"{LABELS}.gz", _gz(gankit_data))
    bad, good = serve(tmp_path / "bad"), serve(tmp_path / "good")
    dest = tmp_path / "dest"

    path = download_file(MNIST, LABELS, dest_dir=dest, mirrors=[bad.url, good.url], retries=3)

    assert check_file(MNIST, LABELS, path) is None
    assert len(bad.requests) == requests and len(good.requests) == 1
    assert sleeps == [0.5, 1.0][: requests - 1]
    assert [p.name for p in dest.iterdir()] == [path.name]

    # With the good mirror gone, the failure is reported with its reason.
    with pytest.raises(DataError, match=why):
        download_file(MNIST, LABELS, dest_dir=tmp_path / "dest2", mirrors=[bad.url], retries=3)


def test_unreachable_mirrors_give_data_error_listing_every_url(
    tmp_path: Path, closed_url: str, sleeps: list[float]
) -> None:
    dest = tmp_path / "dest"
    other = closed_url.replace("127.0.0.1", "localhost")
    with pytest.raises(DataError) as info:
        download_file(MNIST, LABELS, dest_dir=dest, mirrors=[closed_url, other], retries=2)
    message = str(info.value)
    assert LABELS in message
    for base in (closed_url, other):
        assert f"{base}{LABELS}.gz: ConnectionRefusedError" in message
    assert message.count("(2 tries)") == 2
    assert str(dest) in message and "--data-dir" in message and "$GANKIT_DATA" in message
    assert sleeps == [0.5, 0.5]  # one backoff per mirror between its two tries
    assert list(dest.iterdir()) == []  # no temporary or partial file left behind


def test_existing_good_file_is_never_replaced_by_a_bad_download(
    tmp_path: Path, gankit_data: Path, serve: Callable[[Path], _Server]
) -> None:
    good = _write(tmp_path / "dest" / f"{LABELS}.gz", _gz(gankit_data))
    _write(tmp_path / "www" / f"{LABELS}.gz", _flipped(_gz(gankit_data)))
    server = serve(tmp_path / "www")

    with pytest.raises(DataError, match="SHA-256 mismatch"):
        download_file(MNIST, LABELS, dest_dir=good.parent, mirrors=[server.url])

    assert good.read_bytes() == _gz(gankit_data)
    assert [p.name for p in good.parent.iterdir()] == [good.name]


def test_mirrors_come_from_argument_then_env_then_registry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert mirrors_for(MNIST) == list(MNIST.mirrors)
    monkeypatch.setenv("GANKIT_MIRRORS", " https://proxy.example/{dataset} , file:///srv/data/ ,")
    assert mirrors_for(MNIST) == ["https://proxy.example/mnist/", "file:///srv/data/"]
    assert mirrors_for(MNIST, ["http://a/"]) == ["http://a/"]


def test_gankit_mirrors_env_is_used_by_download(
    tmp_path: Path,
    gankit_data: Path,
    serve: Callable[[Path], _Server],
    closed_url: str,
    sleeps: list[float],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _write(tmp_path / "www" / "mnist" / f"{LABELS}.gz", _gz(gankit_data))
    server = serve(tmp_path / "www")
    monkeypatch.setenv("GANKIT_MIRRORS", f"{closed_url},{server.url}{{dataset}}")

    path = download_file(MNIST, LABELS, dest_dir=tmp_path / "dest", retries=1)

    assert check_file(MNIST, LABELS, path) is None
    assert server.requests == [f"/mnist/{LABELS}.gz"]


def test_missing_file_is_downloaded_into_the_user_cache_by_load(
    tmp_path: Path,
    gankit_data: Path,
    serve: Callable[[Path], _Server],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in MNIST.files["test"]:
        _write(tmp_path / "www" / f"{name}.gz", _gz(gankit_data, name))
    server = serve(tmp_path / "www")
    monkeypatch.setenv("GANKIT_DATA", str(tmp_path / "empty"))
    monkeypatch.setenv("GANKIT_MIRRORS", server.url)

    images, labels = load_arrays("mnist", "test")

    assert images.shape == (10000, 28, 28) and labels.shape == (10000,)
    cache = tmp_path / "xdg-cache" / "gankit" / "mnist"
    assert sorted(p.name for p in cache.iterdir()) == sorted(f"{n}.gz" for n in MNIST.files["test"])


def test_download_dataset_keeps_valid_files_and_fetches_the_rest(
    tmp_path: Path, gankit_data: Path, serve: Callable[[Path], _Server]
) -> None:
    dest = tmp_path / "dest"
    for name in MNIST.sha256:
        if name != LABELS:
            _write(dest / f"{name}.gz", _gz(gankit_data, name))
    _write(dest / f"{LABELS}.gz", _flipped(_gz(gankit_data)))  # corrupt: must be replaced
    _write(tmp_path / "www" / f"{LABELS}.gz", _gz(gankit_data))
    server = serve(tmp_path / "www")

    paths = download_dataset("mnist", dest, mirrors=[server.url])

    assert paths == [dest / f"{name}.gz" for name in MNIST.sha256]
    assert server.requests == [f"/{LABELS}.gz"]
    assert all(
        check_file(MNIST, name, p) is None for name, p in zip(MNIST.sha256, paths, strict=True)
    )


def test_download_dataset_refuses_to_hide_behind_a_corrupt_raw_file(
    tmp_path: Path, closed_url: str
) -> None:
    raw = _write(tmp_path / "dest" / LABELS, b"junk")
    with pytest.raises(DataError, match="Delete it"):
        download_dataset("mnist", raw.parent, mirrors=[closed_url])


def test_tests_cannot_reach_the_internet() -> None:
    with pytest.raises(RuntimeError, match="must not reach the internet"):
        socket.create_connection(("192.0.2.1", 80), timeout=1)


# ---------------------------------------------------------------- command line


def test_cli_where_shows_each_file_and_the_search_order() -> None:
    result = CliRunner().invoke(main, ["data", "where", "mnist"])
    assert result.exit_code == 0, result.output
    assert "1. $GANKIT_DATA" in result.output and "2. user cache" in result.output
    folder = os.path.abspath(Path(os.environ["GANKIT_DATA"]) / "mnist")
    for name in MNIST.sha256:
        assert f"{folder}/{name}.gz  [$GANKIT_DATA]" in result.output
    assert "fashion-mnist" not in result.output


def test_cli_where_reports_missing_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GANKIT_DATA", str(tmp_path / "nothing"))
    result = CliRunner().invoke(main, ["data", "where", "mnist", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "1. --data-dir" in result.output and "(no such folder)" in result.output
    assert result.output.count("NOT FOUND") == 4
    assert "gankit data download mnist" in result.output


def test_cli_verify_passes_on_the_real_data(gankit_data: Path) -> None:
    result = CliRunner().invoke(main, ["data", "verify", "mnist"])
    assert result.exit_code == 0, result.output
    assert result.output.count("OK ") == 4 and "FAIL" not in result.output


def test_cli_verify_fails_on_a_corrupt_copy(tmp_path: Path, gankit_data: Path) -> None:
    bad = _write(tmp_path / "mnist" / f"{LABELS}.gz", _flipped(_gz(gankit_data)))
    result = CliRunner().invoke(main, ["data", "verify", "mnist", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert f"FAIL  {bad}: SHA-256" in result.output
    assert result.output.count("OK ") == 3  # the other files still come from $GANKIT_DATA
    assert "1 file(s) failed" in result.stderr and "gankit data download mnist" in result.stderr


def test_cli_download_into_dest(
    tmp_path: Path, gankit_data: Path, serve: Callable[[Path], _Server]
) -> None:
    dest = tmp_path / "dest"
    for name in MNIST.sha256:
        if name != LABELS:
            _write(dest / "mnist" / f"{name}.gz", _gz(gankit_data, name))
    _write(tmp_path / "www" / f"{LABELS}.gz", _gz(gankit_data))
    server = serve(tmp_path / "www")

    result = CliRunner().invoke(
        main, ["data", "download", "mnist", "--dest", str(dest)], env={"GANKIT_MIRRORS": server.url}
    )

    assert result.exit_code == 0, result.output
    assert server.requests == [f"/{LABELS}.gz"]
    assert f"OK    {dest / 'mnist' / LABELS}.gz" in result.output
    verify = CliRunner().invoke(main, ["data", "verify", "mnist", "--data-dir", str(dest)])
    assert verify.exit_code == 0 and str(dest) in verify.output


def test_cli_download_failure_exits_non_zero_with_the_urls(
    tmp_path: Path, closed_url: str, sleeps: list[float]
) -> None:
    result = CliRunner().invoke(
        main,
        ["data", "download", "mnist", "--dest", str(tmp_path)],
        env={"GANKIT_MIRRORS": closed_url},
    )
    assert result.exit_code == 2
    assert f"{closed_url}train-images-idx3-ubyte.gz" in result.stderr
    assert "Fix:" in result.stderr
