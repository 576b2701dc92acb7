"""What moves a running simulation forward: the same materialize step, driven three ways.

``in_process`` (a loop in this process: ``start_simulation`` and ``make demo``), ``runner`` (embedded mode: one
supervised process per database that plans submitted simulations and drives every running one round-robin; the
web side only makes sure it is alive), ``dispatcher`` (distributed mode: claims due slots for Celery workers,
sweeps lost claims, detects completion; ``simulations.tasks`` is its thin Celery face). ``submission`` hands a
web request's work to the runner or to Celery after the request's transaction commits.
"""
