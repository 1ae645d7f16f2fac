"""The grammar itself: conflict-free under Lark's strict mode, and every alias has a node."""
import re

from mcalc.parser import _Builder, _grammar_path, build_parser


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
