"""The grammar itself: conflict-free under Lark's strict mode, every alias has a node, and the
parser mcalc runs (generated from it by Lark's standalone tool) is current and agrees with Lark."""
import functools
import re

import pytest
from lark import Token as LarkToken, Tree as LarkTree
from lark.exceptions import UnexpectedInput as LarkUnexpectedInput

from mcalc import _generated_parser as generated
from mcalc.parser import _Builder, _grammar_path, _lark, build_parser, grammar_digest
from tests.corpus.identities import IDENTITIES


def test_grammar_builds_in_strict_mode():
    # strict=True makes shift/reduce conflicts and terminal collisions errors (needs interegular)
    parser = build_parser(strict=True)
    assert parser.parse("**x**^T A **x**", start="start") is not None


def test_every_alias_and_rule_has_a_tree_builder_method():
    grammar = _grammar_path().read_text(encoding="utf-8")
    aliases = set(re.findall(r"->\s*(\w+)", grammar))
    rules = set(re.findall(r"^\??(\w+):", grammar, flags=re.M))
    inlined = {r for r in rules if re.search(rf"^\?{r}:", grammar, flags=re.M)}
    needed = aliases | (rules - inlined - {r for r in rules if r.isupper() or r.startswith("_")})
    missing = sorted(n for n in needed if not hasattr(_Builder, n))
    assert not missing, missing


# ---- the generated parser (mcalc/_generated_parser.py) is the grammar's ------------------------

def test_the_generated_parser_was_made_from_this_grammar():
    assert generated.GRAMMAR_DIGEST == grammar_digest(), "run python -m mcalc.generate_parser"


def _shape(tree):
    """A tree as plain data: rule names, token types, values and positions."""
    if isinstance(tree, (LarkTree, generated.Tree)):
        return (tree.data, tuple(_shape(c) for c in tree.children))
    assert isinstance(tree, (LarkToken, generated.Token))
    return (tree.type, str(tree), tree.start_pos, tree.end_pos)


INPUTS = sorted({i.expr for i in IDENTITIES}) + [
    "u^2 where u = sin(x), x: n", "[x, 2x; 3, x^2]", "‖A **x** - **b**‖_1", "x_{12}^T", "A^-1 B'",
    "\\mathbf{x}^\\top \\boldsymbol{\\theta}", "sin(", "x + + y", "**x** **", "[1, 2; 3]", "x ⊙",
    "max(0, **w**·**x** + b)", "1e400 x", "ℝ", "x where", "f(x)", "A ∈ ℝ^{n×n}", "((x)",
]


@pytest.mark.parametrize("text", INPUTS)
def test_the_generated_parser_agrees_with_lark(text):
    """The same tree (rules, tokens, positions) or an error at the same place, expecting the
    same tokens, as Lark's own parser built from grammar/mcalc.lark."""
    def outcome(parser, errors):
        try:
            return _shape(parser.parse(text, start="start"))
        except errors as err:
            return ("error", type(err).__name__, getattr(err, "pos_in_stream", None),
                    getattr(err, "column", None), sorted(getattr(err, "expected", None) or ()))
    assert outcome(_lark(), generated.UnexpectedInput) == outcome(lark_parser(), LarkUnexpectedInput)


@functools.cache
def lark_parser():
    return build_parser()
