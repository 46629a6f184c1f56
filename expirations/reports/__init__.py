"""The expirations app's report source (``source.py``): the ``expirations``
source of the report engine, and its "Expirations report" preset."""
