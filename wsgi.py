"""The WSGI entry point: ``gunicorn -k gevent -w 1 wsgi:app`` or ``flask --app wsgi ...``."""

import gc

from lms import create_app

app = create_app()
# What start-up built lives as long as the process: keep it out of the garbage collector's full
# collections, whose pauses grow with every object they scan (bench/live_fanout.py, p99 latency).
gc.freeze()
