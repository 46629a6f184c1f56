"""Server-side page timings: named cases, measured with Django's test client.

Run with ``manage.py bench``; see ``bench/README.md``. Apps add their own cases in a
``bench_cases.py`` module with :func:`bench.cases.register`.
"""
