"""What moves a running simulation forward: the same materialize step, driven three ways.

``in_process`` (a loop in this process: the CLI and embedded mode), ``background`` (that loop in a daemon thread
of the web process, embedded mode), ``dispatcher`` (distributed mode: claims due slots for Celery workers,
sweeps lost claims, detects completion; ``simulations.tasks`` is its thin Celery face).
"""
