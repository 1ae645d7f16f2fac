"""Shared subexpressions named, not copied: `2𝐱𝛅ᵀ   where 𝐮₁ = tanh(W₁𝐱), 𝐮₂ = …`.

A derivative is a tree in which large pieces recur (an MLP's activations appear in every
layer's factor). Printed as a tree its length grows with the square of the depth; here every
subexpression that occurs more than once and prints longer than `MIN_LENGTH` gets a name
u₁, u₂, … (innermost first), so the printed size stays linear. The result is a chain of `Let`
nodes; the where clause parses back (grammar: `u = expr` in a where clause).
"""
from __future__ import annotations

from dataclasses import replace

from .nodes import Let, Node, Var, children, tree_size, with_children
from .shapes import type_of

MIN_LENGTH = 24


def share(expr: Node, taken: set[str] = frozenset()) -> Node:
    from .printing.text import to_text
    canonical: dict[Node, Node] = {}        # structural twins → one object
    parents: dict[int, int] = {}            # id(canonical node) → references from distinct parents
    order: list[Node] = []                  # canonical nodes, children first

    def visit(n: Node) -> Node:
        c = canonical.get(n)
        if c is not None:
            return c
        kids = tuple(visit(k) for k in children(n))
        c = with_children(n, kids) if kids else n
        canonical[n] = c
        for k in kids:                       # every reference, 𝐮 ⊙ 𝐮 counting twice
            parents[id(k)] = parents.get(id(k), 0) + 1
        order.append(c)
        return c

    root = visit(expr)

    def long(n: Node) -> bool:
        # A tree of s nodes prints at least s/2 characters (every leaf and every unary node
        # prints one); print only small ones, as a tree may print exponentially long.
        return tree_size(n) >= 2 * MIN_LENGTH or len(to_text(n)) >= MIN_LENGTH

    shared = [n for n in order if parents.get(id(n), 0) > 1 and children(n) and long(n)]
    if not shared:
        return expr
    prefix = next(p for p in ("u", "v", "z", "q", "r", "s") if p not in {t.split("_")[0] for t in taken})
    names: dict[int, Var] = {}
    for i, n in enumerate(shared, 1):
        t = type_of(n)
        names[id(n)] = Var(f"{prefix}_{i}", t.kind, t.shape)

    memo: dict[int, Node] = {}

    def named(n: Node, top: bool = False) -> Node:
        if not top and id(n) in names:
            return names[id(n)]
        if id(n) in memo:
            return memo[id(n)]
        kids = children(n)
        out = with_children(n, tuple(named(k) for k in kids)) if kids else n
        memo[id(n)] = out
        return out

    body = named(root)
    for n in reversed(shared):
        body = Let(names[id(n)], named(n, top=True), body)
    return body
