"""Text → expression tree. The grammar in grammar/mcalc.lark is the only parser of user text.

`parse(text)` returns a `Parsed` (the expression plus its `where` declarations) whose nodes
carry spans; kinds are not resolved here (see shapes.py). Lark's errors become `ParseError`s
that say in words what was expected, with a caret.

Limits (SPEC §2.6; README "Limits"): hostile input gets a `LimitError` before any work that
grows with it. Input length, bracket nesting and operator nesting are checked here, so every
later stage (kinds, derivative, simplifier, printers, all recursive) sees a tree at most
MAX_TREE_DEPTH deep; importing mcalc makes sure Python's recursion limit covers that depth.
"""
from __future__ import annotations

import functools
import re
import sys
import unicodedata
import zlib
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

# The parser generated from the grammar by Lark's standalone tool: starting it needs no Lark
# import and no grammar analysis (a tenth of mcalc's start-up). `python -m
# mcalc.generate_parser` regenerates it; tests/test_grammar.py checks it against the grammar
# and against Lark.
from ._generated_parser import (GRAMMAR_DIGEST, Lark_StandAlone, Token, Transformer, Tree,
                                UnexpectedCharacters, UnexpectedEOF, UnexpectedInput,
                                UnexpectedToken, VisitError, v_args)

from . import functions
from .errors import LimitError, MCalcError, ParseError, Span
from .nodes import (BinOp, Call, Identity, Kind, Let, Mark, MatrixLit, Node, Number, Ones, Pi, UnOp,
                    Unary, Binary, Var, VectorLit, Zeros, depth)

MAX_INPUT_CHARS = 10_000      # longer input is refused (limit error)
MAX_NESTING = 200             # brackets of any kind, nested
MAX_TREE_DEPTH = 250          # operators nested (a sum of k terms is k − 1 deep)
MAX_NUMBER_DIGITS = 100
MAX_NUMBER_EXPONENT = 400
MAX_MATRIX_POWER = 64         # |k| in A^k (checked with the shapes)

# Every stage after the parser recurses over the tree, a few frames per level (measured: at
# most about 8; a Hessian differentiates a derivative, about twice as deep), so a tree of
# MAX_TREE_DEPTH levels needs well under this much Python stack. MAX_TREE_DEPTH also bounds
# the time: the deepest accepted input of each operator runs through every command in about
# a second (tests/test_robustness.py).
RECURSION_LIMIT = 20_000


def ensure_recursion_limit() -> None:
    """Raise Python's recursion limit to RECURSION_LIMIT (never lower it)."""
    if sys.getrecursionlimit() < RECURSION_LIMIT:
        sys.setrecursionlimit(RECURSION_LIMIT)


ensure_recursion_limit()


@dataclass(frozen=True)
class Decl:
    """`name: dims` from a `where` clause or `--let`."""
    name: str
    kind: Kind
    shape: tuple  # () for a scalar, (n,) for a vector, (m, n) for a matrix
    span: Span | None
    source: str = ""


@dataclass(frozen=True)
class Definition:
    """`u = expr` in a `where` clause: a named subexpression, as mcalc prints shared ones."""
    var: Var
    value: Node


@dataclass(frozen=True)
class Parsed:
    expr: Node
    decls: tuple[Decl, ...]
    source: str


def _grammar_path() -> Path:
    here = Path(__file__).resolve().parent
    for candidate in (here / "grammar" / "mcalc.lark", here.parent / "grammar" / "mcalc.lark"):
        if candidate.exists():
            return candidate
    raise FileNotFoundError("grammar/mcalc.lark is missing from this installation")


def build_parser(strict: bool = False) -> "lark.Lark":
    """Lark's parser for grammar/mcalc.lark, built from the grammar: what the generated parser
    is made from, and what the tests compare it with. `strict=True` (needs interegular) turns
    any grammar conflict or terminal collision into an error."""
    from lark import Lark
    return Lark(_grammar_path().read_text(encoding="utf-8"), parser="lalr", lexer="basic",
                strict=strict, propagate_positions=True, maybe_placeholders=False,
                start=["start", "decls"])


def grammar_digest() -> str:
    """CRC-32 of the grammar file: enough to notice an edit (and cheap at every start)."""
    return f"{zlib.crc32(_grammar_path().read_bytes()):08x}"


@functools.cache
def _lark():
    if GRAMMAR_DIGEST != grammar_digest():
        raise RuntimeError("grammar/mcalc.lark has changed since mcalc/_generated_parser.py was "
                           "generated: run python -m mcalc.generate_parser")
    return Lark_StandAlone()


# ---- names ------------------------------------------------------------------------------------

GREEK = dict(zip(
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi "
    "omicron pi rho sigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi "
    "Sigma Upsilon Phi Psi Omega".split(),
    "αβγδεεζηθϑικλμνξοπρστυφφχψωΓΔΘΛΞΠΣΥΦΨΩ"))

_SUBSCRIPT_DIGITS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")
_BOLD_MARK = re.compile(r"^(\*\*(?P<a>.+?)\*\*|\\(mathbf|bm|boldsymbol) *\{ *(?P<b>.+?) *\})(?P<sub>.*)$")
_ITALIC_MARK = re.compile(r"^\\mathit *\{ *(?P<b>.+?) *\}(?P<sub>.*)$")


def _math_alnum(ch: str) -> tuple[str, Mark] | None:
    """𝐱 → ('x', BOLD), 𝐿 → ('L', ITALIC) for the Mathematical Alphanumeric letters we accept."""
    if ch == "ℎ":
        return "h", Mark.ITALIC
    name = unicodedata.name(ch, "")
    m = re.match(r"MATHEMATICAL (BOLD ITALIC|BOLD|ITALIC) (CAPITAL|SMALL) ([A-Z])$", name)
    if not m:
        return None
    letter = m.group(3) if m.group(2) == "CAPITAL" else m.group(3).lower()
    return letter, (Mark.ITALIC if m.group(1) == "ITALIC" else Mark.BOLD)


def _letter_and_subscript(text: str) -> tuple[str, str]:
    """'alpha_1' → ('α', '1'); 'x_{out}' → ('x', 'out'); 'x₁₂' → ('x', '12')."""
    text = text.lstrip("\\")
    m = re.match(r"^([A-Za-z]+|.)(.*)$", text)
    head, rest = m.group(1), m.group(2)
    letter = GREEK.get(head, head)
    if rest.startswith("_"):
        rest = rest[1:].strip("{}")
    return letter, rest.translate(_SUBSCRIPT_DIGITS)


def name_of(text: str) -> tuple[str, Mark]:
    """A name token's canonical name and mark."""
    mark = Mark.NONE
    if m := _BOLD_MARK.match(text):
        text, mark = (m.group("a") or m.group("b")) + m.group("sub"), Mark.BOLD
    elif m := _ITALIC_MARK.match(text):
        text, mark = m.group("b") + m.group("sub"), Mark.ITALIC
    elif (alnum := _math_alnum(text[0])) is not None:
        letter, mark = alnum
        text = letter + text[1:]
    letter, sub = _letter_and_subscript(text)
    # A subscript after a bold mark may repeat inside and outside (`**x_1**` or `**x**_1`).
    return (f"{letter}_{sub}" if sub else letter), mark


# ---- tree building ------------------------------------------------------------------------------

def _tok_span(tok: Token) -> Span:
    return (tok.start_pos, tok.end_pos)


def _span_of(meta) -> Span | None:
    return None if getattr(meta, "empty", True) else (meta.start_pos, meta.end_pos)


_MULOPS = {"*": BinOp.PRODUCT, "@": BinOp.PRODUCT, "·": BinOp.DOT, "⋅": BinOp.DOT,
           "⊙": BinOp.HADAMARD, "∘": BinOp.HADAMARD, ".*": BinOp.HADAMARD, "⊗": BinOp.HADAMARD,
           "/": BinOp.DIVIDE, "⊘": BinOp.HDIV, "./": BinOp.HDIV,
           "+": BinOp.ADD, "-": BinOp.SUB, "−": BinOp.SUB}
_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")


def _number(text: str, span: Span) -> Number:
    mantissa, _, exponent = text.lower().partition("e")
    if len(mantissa) > MAX_NUMBER_DIGITS or (exponent and abs(int(exponent)) > MAX_NUMBER_EXPONENT):
        raise LimitError(f"the number {text[:20]}{'…' if len(text) > 20 else ''} is too large",
                         spans=(span,),
                         hint=f"numbers have at most {MAX_NUMBER_DIGITS} digits and an exponent "
                              f"of at most {MAX_NUMBER_EXPONENT}")
    return Number(Fraction(text), span=span)


@v_args(meta=True)
class _Builder(Transformer):
    """Lark tree → nodes. One method per alias of the grammar; anything else is a bug."""

    def __default__(self, data, children, meta):
        raise AssertionError(f"no node for grammar rule {data!r}")

    def start(self, meta, ch):
        decls = ch[2] if len(ch) > 1 else ()
        return ch[0], decls

    def decls(self, meta, ch):
        return tuple(c for c in ch if isinstance(c, (Decl, Definition)))

    def definition(self, meta, ch):
        var, _, value = ch
        return Definition(var, value)

    def decl(self, meta, ch):
        var, _, (kind, shape) = ch
        kind = {0: Kind.SCALAR, 1: Kind.VECTOR, 2: Kind.MATRIX}[len(shape)]
        return Decl(var.name, kind, shape, var.span)

    def dim(self, meta, ch):
        tok = ch[0]
        if tok.type == "NUMBER":
            if not str(tok).isdigit() or int(tok) < 1 or len(tok) > 9:
                raise ParseError(f"a dimension must be a positive integer, not {tok}",
                                 spans=(_tok_span(tok),))
            return int(tok)
        name, mark = name_of(str(tok))
        if mark is not Mark.NONE or not name[0].isascii():
            raise ParseError(f"a dimension is a plain letter such as n, m or d_k, not {tok}",
                             spans=(_tok_span(tok),))
        return name

    def times(self, meta, ch):
        tok = ch[0]
        if str(tok) not in ("×", "x", "*"):
            raise ParseError(f"expected × between two dimensions, not {tok}", spans=(_tok_span(tok),),
                             hint="write m×n, m x n or m*n")
        return tok

    def reals(self, meta, ch):
        tok = ch[0]
        if str(tok) not in ("R", "ℝ", "\\mathbb{R}"):
            raise ParseError(f"expected R^n or ℝ^{{m×n}}, not {tok}^…", spans=(_tok_span(tok),))
        return tok

    def dim_scalar(self, meta, ch):
        return Kind.SCALAR, ()

    def dim_vector(self, meta, ch):
        dim = next(c for c in ch if not isinstance(c, Token))
        if dim == "R" and len(ch) == 1:       # `x ∈ R`: the reals, a scalar
            return Kind.SCALAR, ()
        return Kind.VECTOR, (dim,)

    def dim_matrix(self, meta, ch):
        dims = tuple(c for c in ch if not isinstance(c, Token))
        return Kind.MATRIX, dims

    def any_name(self, meta, ch):
        tok = ch[0]
        name, mark = name_of(str(tok))
        if name == "π":
            return Pi(span=_tok_span(tok))
        return Var(name, mark=mark, span=_tok_span(tok))

    def number(self, meta, ch):
        return _number(str(ch[0]), _tok_span(ch[0]))

    def ones(self, meta, ch):
        return Ones(span=_tok_span(ch[0]))

    def zeros(self, meta, ch):
        return Zeros(span=_tok_span(ch[0]))

    def identity(self, meta, ch):
        text = str(ch[0])
        size = None
        if text.startswith("I") and len(text) > 1:
            _, sub = _letter_and_subscript(text)
            size = int(sub) if sub.isdigit() else sub
            if size == 0:
                raise ParseError("an identity matrix has positive size", spans=(_tok_span(ch[0]),))
        return Identity(size, span=_tok_span(ch[0]))

    def group(self, meta, ch):
        return ch[1]

    def binop(self, meta, ch):
        left, op, right = ch
        return Binary(_MULOPS[str(op)], left, right, span=_span_of(meta))

    def juxt(self, meta, ch):
        return Binary(BinOp.PRODUCT, ch[0], ch[1], span=_span_of(meta))

    def sign(self, meta, ch):
        op, operand = ch
        if str(op) == "+":
            return operand
        return Unary(UnOp.NEG, operand, span=_span_of(meta))

    def power(self, meta, ch):
        base, op = ch[0], ch[1]
        span = _span_of(meta)
        if op.type == "SUPERSCRIPT":
            exponent = _number(str(op).translate(_SUPERSCRIPTS), _tok_span(op))
            return Binary(BinOp.POWER, base, exponent, span=span)
        return Binary(BinOp.EPOWER if str(op) == ".^" else BinOp.POWER, base, ch[2], span=span)

    def transpose(self, meta, ch):
        return Unary(UnOp.TRANSPOSE, ch[0], span=_span_of(meta))

    def inverse(self, meta, ch):
        return Unary(UnOp.INVERSE, ch[0], span=_span_of(meta))

    def norm(self, meta, ch):
        inner = ch[1]
        sub = str(ch[3]) if len(ch) > 3 else ""
        fn = "norm1" if ("1" in sub or "₁" in sub) else "norm"
        return Call(fn, (inner,), span=_span_of(meta))

    def args(self, meta, ch):
        return tuple(c for c in ch if not isinstance(c, Token))

    def call(self, meta, ch):
        tok, _, args, _ = ch
        text = str(tok)
        span = _span_of(meta)
        fn = functions.canonical(text)
        if fn is None:
            bare = text.lstrip("\\")
            if bare in GREEK and len(args) == 1:  # `alpha(x + 1)` is α·(x + 1)
                letter = GREEK[bare]
                head = Pi(span=_tok_span(tok)) if letter == "π" else Var(letter, span=_tok_span(tok))
                return Binary(BinOp.PRODUCT, head, args[0], span=span)
            raise _unknown_function(tok)
        spec = functions.FUNCTIONS[fn]
        if len(args) != spec.arity:
            raise ParseError(f"{fn} takes {spec.arity} argument{'s' if spec.arity > 1 else ''}, "
                             f"not {len(args)}", spans=(span,))
        if fn == "dot":
            return Binary(BinOp.DOT, args[0], args[1], span=span)
        if fn == "kron":
            return Binary(BinOp.KRON, args[0], args[1], span=span)
        return Call(fn, args, span=span)

    def bracket(self, meta, ch):
        items = ch[1]
        span = _span_of(meta)
        if all(isinstance(i, VectorLit) for i in items) and _bare_brackets(items):  # A6
            width = len(items[0].items)
            for row in items:
                if len(row.items) != width:
                    raise ParseError(f"matrix rows must have equal length: this row has "
                                     f"{len(row.items)} entries, the first has {width}",
                                     spans=(row.span,))
            return MatrixLit(tuple(row.items for row in items), span=span)
        return VectorLit(items, span=span)


def _bare_brackets(items) -> bool:
    return all(i.span is not None for i in items)


def _unknown_function(tok: Token) -> ParseError:
    text = str(tok).lstrip("\\")
    near = functions.closest(text)
    hint_parts = []
    if near:
        hint_parts.append("did you mean " + " or ".join(f"{n}(…)" for n in near) + "?")
    for known in sorted(functions.KNOWN_NAMES, key=len, reverse=True):
        if text.endswith(known) and len(text) > len(known):
            head = " ".join(text[: -len(known)])
            hint_parts.append(f"for a product write {head} {known}(…)")
            break
    else:
        if not near or len(text) <= 3:
            hint_parts.append(f"for a product of letters write {' '.join(text)} (…)")
    return ParseError(f"unknown function {text}", spans=(_tok_span(tok),), hint="; ".join(hint_parts))


# ---- errors in words --------------------------------------------------------------------------

_EXPECTED_WORDS = {
    "NUMBER": "a number", "NAME": "a name", "BOLD_NAME": "a name", "ITALIC_NAME": "a name",
    "ONES": "a name", "ZEROS": "a name", "IDENTITY": "a name", "CALL_NAME": "a function",
    "LPAR": "'('", "RPAR": "')'", "LSQB": "'['", "RSQB": "']'", "LBRACE": "'{'", "RBRACE": "'}'",
    "COMMA": "','", "SEMI": "';'", "COLON": "':'", "ELEMENT_OF": "'∈'", "NORM": "'‖'",
    "PLUS": "an operator", "MINUS": "an operator", "MULOP": "an operator", "POW": "an operator",
    "TRANSPOSE": "an operator", "INVERSE": "an operator", "SUPERSCRIPT": "an operator",
    "NORM_SUB": "a norm subscript", "WHERE": "'where'", "$END": "the end of the input",
    "SCALAR_WORD": "'scalar'", "REALS": "'R'",
    "TIMES": "'×'",
}


def _expected_in_words(expected) -> str:
    words = []
    for term in sorted(expected):
        word = _EXPECTED_WORDS.get(term, repr(term).lower())
        if word not in words:
            words.append(word)
    if "a number" in words:  # an operand is expected: say so, not every operator
        words = ["a number", "a name", "'('"] + [w for w in words if w in ("'‖'", "'['")]
    order = ["a number", "a name", "a function", "'('", "'['", "an operator"]
    words.sort(key=lambda w: (order.index(w) if w in order else len(order), w))
    if not words:
        return ""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _explain(err: UnexpectedInput, text: str) -> ParseError:
    pos = getattr(err, "pos_in_stream", None)
    if isinstance(err, UnexpectedCharacters):
        ch = text[err.pos_in_stream]
        span = (err.pos_in_stream, err.pos_in_stream + 1)
        hint = None
        if ch == "*" and text[err.pos_in_stream:err.pos_in_stream + 2] == "**":
            hint = "bold names are written **x**; powers are written x^2"
        elif ch == "\ufffd":
            hint = "the input has bytes that are not UTF-8 text (shown as �)"
        elif not ch.isascii() and unicodedata.normalize("NFKC", ch) != ch:
            hint = f"{ch!r} looks like {unicodedata.normalize('NFKC', ch)!r}; type it plainly"
        elif not ch.isascii() and unicodedata.category(ch).startswith("L"):
            hint = (f"{ch!r} is {unicodedata.name(ch, 'a letter mcalc does not read').lower()}; "
                    "names are Latin or Greek letters")
        if unicodedata.category(ch).startswith(("C", "Z", "M")) and ch != " ":
            ch = f"U+{ord(ch):04X}"
        return ParseError(f"unexpected character {ch!r}; expected "
                          f"{_expected_in_words(err.allowed) or 'something else'}",
                          source=text, spans=(span,), hint=hint)
    if isinstance(err, UnexpectedEOF) or (isinstance(err, UnexpectedToken) and err.token.type == "$END"):
        end = len(text.rstrip())
        expected = err.expected if isinstance(err, UnexpectedEOF) else err.expected
        return ParseError(f"the input ends too early; expected {_expected_in_words(expected)}",
                          source=text, spans=((end, end + 1),))
    assert isinstance(err, UnexpectedToken)
    tok = err.token
    span = (tok.start_pos, tok.end_pos) if tok.start_pos is not None else None
    hint = None
    if str(tok) == "*" and text[max(tok.start_pos - 1, 0):tok.start_pos] == "*":
        hint = "powers are written x^2; bold names **x**"
    elif tok.type == "NORM":
        hint = "inside ‖…‖ write a product with a norm as a * ‖b‖"
    elif tok.type == "WHERE":
        hint = "a where clause comes once, at the end: EXPR where x: n, W: m×n"
    return ParseError(f"unexpected {str(tok)!r}; expected {_expected_in_words(err.expected)}",
                      source=text, spans=(span,) if span else (), hint=hint)


# ---- entry points -------------------------------------------------------------------------------

_OPENERS, _CLOSERS = "([{", ")]}"


def _check_limits(text: str) -> None:
    if len(text) > MAX_INPUT_CHARS:
        raise LimitError(f"the input is {len(text):,} characters long; the limit is "
                         f"{MAX_INPUT_CHARS:,}", source=text[:80], spans=())
    level = 0
    norms = 0
    for i, ch in enumerate(text):
        if ch in _OPENERS:
            level += 1
        elif ch in _CLOSERS:
            level -= 1
        if ch == "‖":
            norms += 1
        if level > MAX_NESTING or norms > 2 * MAX_NESTING:
            raise LimitError(f"brackets are nested more than {MAX_NESTING} deep",
                             source=text, spans=((i, i + 1),))


def _run(text: str, start: str):
    _check_limits(text)
    try:
        tree = _lark().parse(text, start=start)
    except UnexpectedInput as err:
        raise _explain(err, text) from None
    if _lark_depth(tree) > MAX_TREE_DEPTH:
        raise LimitError(f"the expression is nested more than {MAX_TREE_DEPTH} operators deep",
                         source=text, hint=f"a sum of k terms counts k − 1 deep, and so does a "
                                           f"product of k factors; split it into smaller expressions")
    try:
        return _Builder().transform(tree)
    except MCalcError as err:
        raise err.with_source(text) from None
    except RecursionError:
        raise _too_deep(text) from None
    except VisitError as err:  # Lark wraps errors raised in callbacks
        inner = err.orig_exc
        if isinstance(inner, MCalcError):
            raise inner.with_source(text) from None
        if isinstance(inner, RecursionError):
            raise _too_deep(text) from None
        raise


def _too_deep(text: str) -> LimitError:
    return LimitError(f"the expression is nested too deeply (the limit is {MAX_TREE_DEPTH} operators)",
                      source=text, hint="split it into smaller expressions")


def _lark_depth(tree: Tree) -> int:
    best, stack = 0, [(tree, 1)]
    while stack:
        t, d = stack.pop()
        best = max(best, d)
        stack.extend((c, d + 1) for c in t.children if isinstance(c, Tree))
    return best


def parse(text: str) -> Parsed:
    """Parse an expression with an optional `where` clause."""
    if not text.strip():
        raise ParseError("the expression is empty", source=text, hint="try: mcalc shape '**x**^T A **x**'")
    expr, decls = _run(text, "start")
    definitions = [d for d in decls if isinstance(d, Definition)]
    for d in reversed(definitions):       # u₁ = …, u₂ = … : u₂'s value may use u₁
        expr = Let(d.var, d.value, expr, span=expr.span)
    decls = tuple(Decl(d.name, d.kind, d.shape, d.span, text) for d in decls if isinstance(d, Decl))
    return Parsed(expr, decls, text)


def parse_decls(text: str) -> tuple[Decl, ...]:
    """Parse a `--let` value: `x: n, W: m×n`."""
    if not text.strip():
        raise ParseError("the declaration is empty", source=text, hint="write e.g. --let 'W: m×n'")
    decls = _run(text, "decls")
    if any(isinstance(d, Definition) for d in decls):
        raise ParseError("--let declares kinds and sizes only (x: n); a definition u = … "
                         "belongs in the expression's where clause", source=text)
    return tuple(Decl(d.name, d.kind, d.shape, d.span, text) for d in decls)

