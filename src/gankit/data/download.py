"""Fetch dataset files from their mirrors; nothing is kept until its SHA-256 matches.

Each file is fetched as f"{mirror}{filename}.gz", trying the mirrors in order with a few
retries (short backoff) per mirror. The download streams into a hidden temporary file next
to the destination, is decompressed and checked against the registry's SHA-256 of the IDX
bytes, and only then atomically renamed into place, so an interrupted or corrupt download
never leaves a partial file and never replaces a good one.

Mirrors, first match wins:
  1. the `mirrors` argument;
  2. $GANKIT_MIRRORS: comma-separated base URLs, for users behind a proxy mirror or with a
     local copy, e.g. ``GANKIT_MIRRORS=https://mirror.example.org/{dataset}/,file:///data/``
     (``{dataset}`` is replaced by the dataset name, e.g. ``mnist``; any scheme urllib opens
     works, ``file://`` included);
  3. the public mirrors in the dataset registry.
urllib honours the usual $https_proxy / $http_proxy / $no_proxy variables.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import os
import sys
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Sequence
from pathlib import Path

from tqdm import tqdm

from gankit.data import idx
from gankit.data.errors import DataError
from gankit.data.locate import ENV_VAR, user_cache_dir
from gankit.data.registry import DatasetSpec, get_spec
from gankit.errors import InputError
from gankit.fileio import temporary_file

MIRRORS_ENV_VAR = "GANKIT_MIRRORS"
BACKOFF_S = 0.5  # doubled after each failed try of the same mirror
_CHUNK = 1 << 20


class _BadDownload(Exception):
    """The transfer ended but its bytes are unusable; `retry` says whether another try may help."""

    def __init__(self, message: str, retry: bool) -> None:
        super().__init__(message)
        self.retry = retry


def mirrors_for(spec: DatasetSpec, mirrors: Sequence[str] | None = None) -> list[str]:
    """Base URLs to try for `spec`, in order, each ending in "/"."""
    if mirrors is None:
        env = os.environ.get(MIRRORS_ENV_VAR, "")
        mirrors = [m.strip() for m in env.split(",") if m.strip()] or list(spec.mirrors)
    bases = [m.replace("{dataset}", spec.name) for m in mirrors]
    return [b if b.endswith("/") else b + "/" for b in bases]


def check_file(spec: DatasetSpec, filename: str, path: Path) -> str | None:
    """None when `path` holds `filename`'s expected decompressed bytes, else what is wrong."""
    try:
        digest = idx.sha256(idx.read_bytes(path))
    except (DataError, OSError) as exc:
        return str(exc)
    expected = spec.sha256[filename]
    if digest != expected:
        return f"SHA-256 of the decompressed bytes is {digest}, expected {expected}"
    return None


def _decompressed_sha256(path: Path) -> str:
    with path.open("rb") as fh:
        if fh.read(2) != b"\x1f\x8b":
            # An HTML error page from a captive portal or proxy lands here.
            raise _BadDownload("not gzip data", retry=False)
    digest = hashlib.sha256()
    try:
        with gzip.open(path, "rb") as fh:
            while chunk := fh.read(_CHUNK):
                digest.update(chunk)
    except (OSError, EOFError, zlib.error) as exc:
        # A cut-off stream is usually a network hiccup, so another try may succeed.
        raise _BadDownload(f"truncated or corrupt gzip stream ({exc})", retry=True) from exc
    return digest.hexdigest()


def _fetch_verified(url: str, tmp: Path, expected_sha256: str, timeout: float) -> None:
    """Stream `url` into `tmp` and check it; network and HTTP errors propagate."""
    with urllib.request.urlopen(url, timeout=timeout) as response, tmp.open("wb") as out:
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        received = 0
        with tqdm(
            total=total,
            unit="B",
            unit_scale=True,
            desc=url.rsplit("/", 1)[-1],
            leave=False,
            disable=not sys.stderr.isatty(),
        ) as bar:
            while chunk := response.read(_CHUNK):
                out.write(chunk)
                received += len(chunk)
                bar.update(len(chunk))
    if total is not None and received != total:
        raise _BadDownload(f"got {received} of {total} bytes", retry=True)
    digest = _decompressed_sha256(tmp)
    if digest != expected_sha256:
        # A complete, well-formed file with other content: this mirror serves something else.
        raise _BadDownload(
            f"SHA-256 mismatch (got {digest}, expected {expected_sha256})", retry=False
        )


def _attempt(url: str, final: Path, expected_sha256: str, timeout: float) -> Exception | None:
    """One download of `url` into `final`; None on success, else why it failed."""
    # The temporary file sits next to `final` so that os.replace stays on one filesystem.
    fd, tmp = temporary_file(final.parent, f".{final.name}.", ".part")
    os.close(fd)
    try:
        _fetch_verified(url, tmp, expected_sha256, timeout)
        os.replace(tmp, final)
        return None
    except (OSError, ValueError, http.client.HTTPException, _BadDownload) as exc:
        return exc
    finally:
        tmp.unlink(missing_ok=True)


def _worth_retrying(exc: Exception) -> bool:
    if isinstance(exc, _BadDownload):
        return exc.retry
    if isinstance(exc, urllib.error.HTTPError):
        return exc.code >= 500 or exc.code == 429
    # Malformed URLs (ValueError) stay broken; connection errors and timeouts may pass.
    return not isinstance(exc, ValueError)


def _describe(exc: Exception) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        reason = exc.reason
        return f"{type(reason).__name__}: {reason}" if isinstance(reason, Exception) else reason
    if isinstance(exc, _BadDownload):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def download_file(
    spec: DatasetSpec,
    filename: str,
    dest_dir: str | Path | None = None,
    mirrors: Sequence[str] | None = None,
    retries: int = 3,
    timeout: float = 30.0,
) -> Path:
    """Download `filename` of `spec` into `dest_dir` as `filename`.gz, verified; return its path.

    `dest_dir` defaults to the user cache (user_cache_dir()/spec.name), the folder the
    lookup searches after --data-dir and $GANKIT_DATA. See the module docstring for mirrors.
    Raises DataError naming every URL tried and its failure when no mirror delivers.
    """
    if filename not in spec.sha256:
        raise DataError(
            f"{spec.name} has no file {filename!r}; its files are: {', '.join(spec.sha256)}"
        )
    if retries < 1:
        raise InputError(f"retries must be at least 1, got {retries}")
    dest = Path(dest_dir).expanduser() if dest_dir is not None else user_cache_dir() / spec.name
    dest.mkdir(parents=True, exist_ok=True)
    final = dest / f"{filename}.gz"
    failures: list[str] = []
    for base in mirrors_for(spec, mirrors):
        url = f"{base}{filename}.gz"
        for attempt in range(1, retries + 1):
            error = _attempt(url, final, spec.sha256[filename], timeout)
            if error is None:
                return final
            if not _worth_retrying(error) or attempt == retries:
                tries = "1 try" if attempt == 1 else f"{attempt} tries"
                failures.append(f"  {url}: {_describe(error)} ({tries})")
                break
            time.sleep(BACKOFF_S * 2 ** (attempt - 1))
    tried = "\n".join(failures) or "  (no mirrors configured)"
    raise DataError(
        f"could not download {spec.name}'s {filename}.gz; tried:\n{tried}\n"
        f"Fix: fetch {filename}.gz (or the decompressed {filename}) by hand and place it in "
        f"{dest}, or put it in DIR/{spec.name}/ and pass --data-dir DIR or set ${ENV_VAR}=DIR; "
        f"behind a proxy mirror, set ${MIRRORS_ENV_VAR} to its base URL(s)."
    )


def download_dataset(
    name: str, dest_dir: str | Path | None = None, mirrors: Sequence[str] | None = None
) -> list[Path]:
    """Download every file of dataset `name` into `dest_dir` (default: the user cache).

    Files already in the destination (raw or .gz) that pass their checksum are kept as they
    are; a corrupt .gz is replaced by a verified download. Returns one path per file.
    """
    spec = get_spec(name)
    dest = Path(dest_dir).expanduser() if dest_dir is not None else user_cache_dir() / spec.name
    kept: dict[str, Path | None] = {}
    # Check everything before the first download, so a blocking problem shows up at once.
    for filename in spec.sha256:
        raw, gz = dest / filename, dest / f"{filename}.gz"
        if raw.is_file():
            problem = check_file(spec, filename, raw)
            if problem is not None:
                # The lookup reads the raw file before the .gz, so a download would be ignored.
                raise DataError(
                    f"{raw}: {problem}; it would hide a fresh download of {filename}.gz. "
                    f"Delete it and run `gankit data download {spec.name}` again"
                )
            kept[filename] = raw
        else:
            kept[filename] = gz if gz.is_file() and check_file(spec, filename, gz) is None else None
    return [path or download_file(spec, name, dest, mirrors) for name, path in kept.items()]
