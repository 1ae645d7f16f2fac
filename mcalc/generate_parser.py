"""Writes mcalc/_generated_parser.py, Lark's standalone parser for grammar/mcalc.lark, after
the grammar changes: `python -m mcalc.generate_parser` (needs Lark, as the tests do)."""
from __future__ import annotations

import io
from pathlib import Path

from lark.tools.standalone import gen_standalone

from .parser import build_parser, grammar_digest


def generated_parser_source() -> str:
    """mcalc/_generated_parser.py: Lark's standalone parser for the grammar, with its digest."""
    out = io.StringIO()
    gen_standalone(build_parser(), out=out)
    # Lark's cache and its compressed tables would unpickle; this module uses neither (its
    # tables are a literal), and mcalc unpickles nothing (tests/test_safety.py).
    source = out.getvalue()
    assert _UNUSED_IMPORT in source, "Lark's standalone output changed: check what it imports"
    source = source.replace(_UNUSED_IMPORT, "")
    return (f"# Generated from grammar/mcalc.lark by `python -m mcalc.generate_parser` (Lark's\n"
            f"# standalone tool): do not edit. tests/test_grammar.py checks it against the grammar.\n"
            f"GRAMMAR_DIGEST = {grammar_digest()!r}\n" + source)


_UNUSED_IMPORT = "import pickle, zlib, base64\n"


if __name__ == "__main__":
    (Path(__file__).resolve().parent / "_generated_parser.py").write_text(
        generated_parser_source(), encoding="utf-8")
