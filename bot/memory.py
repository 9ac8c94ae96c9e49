"""Give start-up's freed memory back to the operating system once the bot is loaded.

Start-up parses the content YAML, validates it and the settings, and imports a few hundred
modules: much of what that allocates is garbage by the time the bot runs. :func:`release_memory`
collects it (``gc.collect``) and, on glibc, asks ``malloc_trim(0)`` to return the free pages of
the C heap (glibc keeps them otherwise, and they count in the process's resident memory). It
is glibc's documented way to do so, called through :mod:`ctypes`; elsewhere (musl, macOS) it
only collects.

``mle-bot run`` calls it once, after validating settings and content (which it does before
importing discord.py, so their garbage is reused by those imports). Measured on the bot idle
after start-up (``bench/bench_startup.py``), both together: 71.6 -> 69.6 MB resident. The rest
is live: code objects of ~700 modules, pydantic's schemas, shared libraries (README, pydantic).
"""

from __future__ import annotations

import gc
import os


def glibc_version() -> str | None:
    """The running C library's glibc version (``"2.36"``), or None when it is not glibc."""
    try:
        found = os.confstr("CS_GNU_LIBC_VERSION")
    except (ValueError, OSError, AttributeError):  # not glibc, or no confstr (Windows)
        return None
    if not found or not found.startswith("glibc "):
        return None
    return found.removeprefix("glibc ")


def release_memory() -> bool:
    """Collect garbage, then trim glibc's heap; True if ``malloc_trim`` ran (glibc only)."""
    gc.collect()
    if glibc_version() is None:
        return False
    import ctypes  # noqa: PLC0415 (only on glibc; discord.py has imported it by then anyway)

    try:
        libc = ctypes.CDLL(None)  # the process's own symbols: the C library it runs on
        trim = libc.malloc_trim
    except (OSError, AttributeError):  # a static or unusual build without the symbol
        return False
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    trim(0)
    return True


#: The cyclic garbage collector's first-generation threshold once the bot runs (CPython's
#: default is 700). An interaction allocates a few hundred objects that refcounting frees
#: when it is answered; at 700 the collector ran every couple of interactions in a burst and
#: walked the ones still in flight, promoting them to older generations it then walked again.
GC_YOUNG_THRESHOLD = 50_000


def settle_heap() -> None:
    """Once the bot is ready: leave start-up's objects out of the cyclic GC, and run it less often.

    ``gc.freeze()`` moves every object alive now (modules, the content catalog, discord.py's
    caches) to the permanent generation, which collections never walk; the higher first
    threshold (:data:`GC_YOUNG_THRESHOLD`) lets an interaction's objects die by refcount
    before a collection sees them. Measured with ``bench/bench_burst.py`` (1,000/200,
    3 rounds): the collector's CPU went from ~0.5 s to ~0.12 s per run. Garbage made later is
    still collected (cycles at most ~50,000 allocations late); what was frozen is freed by
    reference counting only, so a cycle among start-up objects (none is expected to become
    garbage: a content reload replaces acyclic models) would stay. ``mle-bot run`` calls it;
    tests do not (it changes the whole process).
    """
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, old)
