"""Printers: one module per output format, sharing the precedence table in precedence.py."""
from .latex import to_latex
from .text import to_ascii, to_text

__all__ = ["to_text", "to_ascii", "to_latex"]
