"""Helpers for the chapter notebooks (display only; no numerics here)."""

from __future__ import annotations

import inspect

__all__ = ["SourceListing", "show_source"]


class SourceListing:
    """The source code of a derivlib object, displayed as a highlighted code block."""

    def __init__(self, obj):
        self.name = f"{obj.__module__}.{obj.__qualname__}"
        self.source = inspect.getsource(obj).rstrip()

    def _repr_markdown_(self) -> str:
        return f"`{self.name}`\n\n```python\n{self.source}\n```"

    def __repr__(self) -> str:
        return self.source


def show_source(obj) -> SourceListing:
    """Return the source of a function or class, for display in a chapter.

    Parameters
    ----------
    obj : function or class
        Typically a derivlib function, so the chapter shows the very code it tests.
    """
    if not (inspect.isfunction(obj) or inspect.isclass(obj) or inspect.ismethod(obj)):
        raise TypeError(f"obj must be a function or class, got {type(obj).__name__}")
    return SourceListing(obj)
