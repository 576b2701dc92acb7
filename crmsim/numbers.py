"""The one test for "a JSON number": every layer that checks user input asks it the same way."""

from __future__ import annotations

import math
from typing import Any


def finite_number(value: Any) -> float | None:
    """``value`` as a float when it is a finite int or float (not a bool); None otherwise.

    An int beyond float's range is None rather than ``inf``.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None
