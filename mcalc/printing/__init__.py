"""Printers: one module per output format, sharing the precedence table in precedence.py."""
from .text import to_ascii, to_text

__all__ = ["to_text", "to_ascii", "to_latex"]


def __getattr__(name: str):
    # LaTeX is loaded when first asked for: a plain-text run does not need it.
    if name == "to_latex":
        from .latex import to_latex
        return to_latex
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
