"""The *Explore* sliders of the chapters (``widgets.explore``): see :mod:`derivlib.display`.

Kept as the name chapters import (``from derivlib import widgets``); the code lives in
:mod:`derivlib.display`, the one module of chapter display helpers.
"""

from derivlib.display import FRAMES_ENV, MIME, Explorer, explore

__all__ = ["FRAMES_ENV", "MIME", "Explorer", "explore"]
