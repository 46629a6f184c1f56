"""The staff funnel pages' forms: a funnel's settings, upload and pickers
(``funnels``), the steps' own small forms (``steps``) and the wrapper that shows
an action's, condition's or trigger's ``form_class`` (``params``)."""
