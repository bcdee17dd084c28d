"""The WSGI entry point: ``gunicorn -k gevent -w 1 wsgi:app`` or ``flask --app wsgi ...``.

Besides the app, two settings of the serving process (measured by bench/live_fanout.py).
"""

import ctypes
import gc

from lms import create_app

# Memory. The join ack of a big live room carries its presence (~100 bytes a person: ~100 KB at
# 1000 people), and python-socketio, Engine.IO and wsproto each copy it on its way out. With glibc's
# default (a dynamic threshold from 128 KB), such buffers come from the heap; each ack is a little
# bigger than the last, and the long-lived allocations of the connections made meanwhile pin the
# freed ones, so a wave of 1000 joins left ~30 MB of free but resident heap. Buffers from
# BIG_BUFFER_BYTES up get their own mapping instead, returned to the system when freed.
BIG_BUFFER_BYTES = 16 * 1024
_M_MMAP_THRESHOLD = -3  # mallopt parameter (glibc malloc.h)


def _map_big_buffers() -> None:
    """Serve allocations of BIG_BUFFER_BYTES or more with their own mapping (glibc only; a no-op elsewhere)."""
    try:
        ctypes.CDLL(None).mallopt(_M_MMAP_THRESHOLD, BIG_BUFFER_BYTES)  # the process's own C library
    except (OSError, AttributeError):  # not glibc
        pass


_map_big_buffers()

app = create_app()
# Latency. What start-up built lives as long as the process: keep it out of the garbage collector's
# full collections, whose pauses grow with every object they scan.
gc.freeze()
