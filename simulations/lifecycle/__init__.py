"""A simulation's life: validate a request, create and plan it, then start, pause, resume, cancel or delete it.

``requests`` checks what a user asks for (all field paths at once); ``control`` is the state machine and the
only writer of a simulation's status; ``clock`` converts between wall time and simulated time.
"""
