"""The automation module's forms, one module per area (runs: the runs list's
filters, the card's "add to funnel", the bulk actions of Needs attention)."""
