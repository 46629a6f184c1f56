"""The staff funnel pages' forms: a funnel's settings, upload and pickers
(``funnels``), the steps' own small forms (``steps``), the wrapper that shows an
action's, condition's or trigger's ``form_class`` (``params``), and the runs pages'
(``runs``: the runs list's filters, the card's "add to funnel", the bulk actions of
Needs attention)."""
