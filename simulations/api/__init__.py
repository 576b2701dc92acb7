"""The simulations API: one module per resource (``urls`` lists them all under /api/).

``endpoint`` (the base that resolves the URL's simulation), ``vocabulary`` (stages, types, paces, limits),
``inputs`` (distributions, input serializers, preview), ``profile`` (the wizard profile), ``simulations``
(create, list, read, control, delete), ``outputs`` (progress, report, export), ``records`` (CRM rows and a
contact's timeline).
"""
