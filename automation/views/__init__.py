"""The automation module's pages: one module per area (the unsubscribe link; the
staff funnel pages)."""
