"""Process-wide memory settings that make training steps fast on the CPU."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

# glibc mallopt parameters (malloc.h).
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3


@functools.cache  # once per process: finding the C library runs a subprocess
def keep_freed_memory() -> bool:
    """Ask glibc's malloc to keep freed memory for reuse. By default it returns every block over
    its mmap threshold to the kernel on free, so each training step's large short-lived tensors
    (weight casts, activations, patches) come back as fresh pages, one page fault per 4 KiB
    (docs/results/performance.md counts them and their cost). Blocks up to 32 MiB (glibc's
    limit) now come from the heap, and up to 1 GiB of freed heap is kept. Returns False where
    the C library has no mallopt (not glibc), which changes nothing."""
    name = ctypes.util.find_library("c")
    libc = ctypes.CDLL(name) if name else None
    if libc is None or not hasattr(libc, "mallopt"):
        return False
    return bool(libc.mallopt(_M_MMAP_THRESHOLD, 32 << 20)) and bool(
        libc.mallopt(_M_TRIM_THRESHOLD, 1 << 30)
    )
