"""Views of the customers app, one module per area (see customers/urls.py)."""
