"""The `mcalc` command: options in, library call, printer out, exit status.

Exit status: 0 success; 1 a check failed or some batch lines failed; 2 bad input or usage.
Tracebacks are shown only with MCALC_DEBUG=1.
"""
from __future__ import annotations

import copy
import enum
import os
import sys
from typing import Annotated, Callable, Optional

import typer

from . import __version__, api
from .errors import MCalcError, UsageError
from .parser import (MAX_INPUT_CHARS, MAX_MATRIX_POWER, MAX_NESTING, MAX_NUMBER_DIGITS,
                     MAX_NUMBER_EXPONENT, MAX_TREE_DEPTH)


class ExitStatus(enum.IntEnum):
    OK = 0
    CHECK_FAILED = 1   # or some batch lines failed
    BAD_INPUT = 2      # parse, shape, kind, limit, unsupported, usage


class Format(str, enum.Enum):
    auto = "auto"
    rich = "rich"
    text = "text"
    latex = "latex"
    json = "json"
    jsonl = "jsonl"


MAX_AT_FILE_CHARS = 10_000_000    # --at-file: read no more than this (think /dev/zero)

app = typer.Typer(
    name="mcalc",
    help="Matrix calculus on the command line: shapes, values and derivatives of matrix "
         "expressions written as on paper (**x** bold vectors, A matrices, x scalars).",
    no_args_is_help=True,
    add_completion=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)

# ---- shared options -------------------------------------------------------------------------

ExprArg = Annotated[str, typer.Argument(
    metavar="EXPR", help="The expression, e.g. '**x**^T A **x**' (quote it for the shell). Limits: "
                         f"{MAX_INPUT_CHARS:,} characters, brackets nested {MAX_NESTING} deep, "
                         f"operators nested {MAX_TREE_DEPTH:,} deep, numbers of {MAX_NUMBER_DIGITS} "
                         f"digits with exponents up to {MAX_NUMBER_EXPONENT}, matrix powers A^k "
                         f"with |k| ≤ {MAX_MATRIX_POWER}.")]
FormatOpt = Annotated[Format, typer.Option(
    "--format", "-f", help="Output: rich on a terminal, else text; or latex, json, jsonl.",
    case_sensitive=False)]
LetOpt = Annotated[Optional[list[str]], typer.Option(
    "--let", metavar="DECL", help="Declare kinds and sizes: --let 'x: n' --let 'W: m×n' (repeatable).")]
AsciiOpt = Annotated[bool, typer.Option(
    "--ascii", help="Text output in mcalc's own ASCII input notation (**x**, ^T).")]
NoColorOpt = Annotated[bool, typer.Option("--no-color", help="No colours or styles (also NO_COLOR=1).")]
DimsOpt = Annotated[Optional[str], typer.Option(
    "--dims", metavar="n=3,m=2",
    help=f"Concrete sizes for dimension symbols, each at most {api.MAX_DIM_SIZE:,}; entries of "
         f"a result and of each variable at most {api.MAX_DIM_SIZE:,}.")]
StandaloneOpt = Annotated[bool, typer.Option(
    "--standalone", help="A complete LaTeX document for pdflatex (implies -f latex).")]


def _version(value: bool):
    if value:
        print(f"mcalc {__version__}")
        raise typer.Exit()


@app.callback()
def main(version: Annotated[bool, typer.Option("--version", "-V", callback=_version, is_eager=True,
                                               help="Print the version and exit.")] = False):
    """Matrix calculus on the command line."""


# ---- plumbing ---------------------------------------------------------------------------------

def resolve_format(fmt: Format) -> Format:
    if fmt is Format.auto:
        return Format.rich if sys.stdout.isatty() else Format.text
    return fmt


def emit(line: str = "") -> None:
    sys.stdout.write(line + "\n")


def latex_format(fmt: Format, standalone: bool) -> Format:
    """--standalone implies -f latex; with another explicit format it is a usage error."""
    if not standalone:
        return fmt
    if fmt not in (Format.auto, Format.latex):
        sys.stderr.write(f"usage error: --standalone makes a LaTeX document; drop -f {fmt.value} "
                         "or use -f latex\n")
        raise typer.Exit(ExitStatus.BAD_INPUT)
    return Format.latex


def emit_latex(formulas: list[str], standalone: bool) -> None:
    from .printing.latex import standalone as document
    emit(document(formulas) if standalone else "\n".join(formulas))


def error_record(source: str | None, err: MCalcError) -> dict:
    return {"input": source, "error": {"type": err.kind, "message": err.message,
                                       "span": list(err.span) if err.span else None}}


def run_guarded(fmt: Format, source: str | None, action: Callable[[], None]) -> int:
    """Run one command; turn mcalc errors into a message (and a JSON record) and status 2."""
    try:
        action()
        return ExitStatus.OK
    except MCalcError as err:
        report_error(fmt, source, err)
        return ExitStatus.BAD_INPUT
    except RecursionError:
        err = _limit("the expression is too deeply nested")
        report_error(fmt, source, err)
        return ExitStatus.BAD_INPUT


def _limit(message: str) -> MCalcError:
    from .errors import LimitError
    return LimitError(message)


def report_error(fmt: Format, source: str | None, err: MCalcError) -> None:
    if source is not None and err.source is None:
        err.source = source
    if fmt in (Format.json, Format.jsonl):
        dump_json(Format.jsonl, error_record(source, err))
    sys.stderr.write(err.render() + "\n")


def finish(status: int) -> None:
    sys.stdout.flush()
    raise typer.Exit(int(status))


def dump_json(fmt: Format, record: dict) -> None:
    import json
    text = json.dumps(record, ensure_ascii=False, indent=None if fmt is Format.jsonl else 2)
    emit(text.translate(_JSON_SAFE))


# NEL, U+2028 and U+2029 are line breaks to many readers (Python's splitlines, JavaScript):
# escaped, one record stays one line. A lone surrogate (from an argument that was not UTF-8)
# cannot be written as UTF-8 at all: U+FFFD.
_JSON_SAFE = {ord(c): f"\\u{ord(c):04x}" for c in "\x85\u2028\u2029"} | \
    {c: "\ufffd" for c in range(0xD800, 0xE000)}


# ---- commands ---------------------------------------------------------------------------------

@app.command("shape")
def shape_command(expr: ExprArg, format: FormatOpt = Format.auto, let: LetOpt = None,
                  ascii: AsciiOpt = False, no_color: NoColorOpt = False,
                  standalone: StandaloneOpt = False):
    """Check kinds and shapes only: every node of the parse tree with its kind and shape.

    Example: mcalc shape 'W **x** + **b**'
    """
    fmt = resolve_format(latex_format(format, standalone))

    def action():
        result = api.shape(expr, let=tuple(let or ()))
        if fmt in (Format.json, Format.jsonl):
            dump_json(fmt, result.to_json())
        elif fmt is Format.latex:
            from .printing.records import shape_latex
            emit_latex([shape_latex(result)], standalone)
        elif fmt is Format.rich:
            from .printing.terminal import print_shape
            print_shape(result, color=not no_color)
        else:
            from .printing.records import shape_text
            emit(shape_text(result, ascii=ascii))

    finish(run_guarded(fmt, expr, action))


@app.command("eval")
def eval_command(
    expr: ExprArg,
    at: Annotated[Optional[list[str]], typer.Option(
        "--at", metavar="NAME=VALUE",
        help="A value: --at 'x=[1,2,3]' --at 'A=[[1,2],[3,4]]' --at 'b=0.5' (repeatable). "
             "Results that are not finite print as nan, inf, -inf (null in JSON); x^p with |p| "
             "over 1e6 and |x| > 1 is refused; at most 10,000,000 entries per value.")] = None,
    at_file: Annotated[Optional[str], typer.Option(
        "--at-file", metavar="FILE", help="A JSON object of values, e.g. {\"x\": [1, 2]}; at most "
                                          f"{MAX_AT_FILE_CHARS:,} characters.")] = None,
    dims: DimsOpt = None,
    format: FormatOpt = Format.auto, let: LetOpt = None, no_color: NoColorOpt = False,
    standalone: StandaloneOpt = False,
):
    """Numeric value of EXPR at the given values (sizes are taken from the values).

    Example: mcalc eval '**x**^T A **x**' --at 'x=[1,2]' --at 'A=[[1,2],[3,4]]'
    """
    fmt = resolve_format(latex_format(format, standalone))

    def action():
        values = read_values(at or (), at_file)
        result = api.evaluate(expr, values, let=tuple(let or ()), dims=dims)
        if fmt in (Format.json, Format.jsonl):
            dump_json(fmt, result.to_json())
        elif fmt is Format.rich:
            from .printing.terminal import print_value
            print_value(result, color=not no_color)
        elif fmt is Format.latex:
            from .printing.records import value_latex
            emit_latex([value_latex(result)], standalone)
        else:
            emit(result.text)

    finish(run_guarded(fmt, expr, action))


WrtOpt = Annotated[list[str], typer.Option(
    "--wrt", "-w", metavar="VAR",
    help="Differentiate with respect to VAR (repeat for one result each; x,y stacks scalars).")]
LayoutOpt = Annotated[str, typer.Option(
    "--layout", help="numerator (Parr & Howard; gradients are rows) or denominator.")]


def _diff_like(expr: str, wrt: list[str], fmt: Format, let, layout: str, dims: str | None,
               ascii: bool, no_color: bool, hessian: bool, standalone: bool = False) -> int:
    if expr == "-":
        return _batch(wrt, fmt, let, layout, dims, ascii, hessian, standalone)

    def action():
        sizes = api.parse_dims(dims) if dims else None
        results = api.derivatives(expr, wrt, let=tuple(let or ()), layout=layout, hessian=hessian)
        show_results(results, fmt, sizes, ascii, no_color, standalone)

    return run_guarded(fmt, expr, action)


def show_results(results, fmt: Format, sizes, ascii: bool, no_color: bool,
                 standalone: bool = False) -> None:
    if fmt in (Format.json, Format.jsonl):
        for r in results:
            dump_json(fmt, r.to_json(sizes))
    elif fmt is Format.latex:
        from .printing.records import diff_latex
        emit_latex([diff_latex(r, sizes) for r in results], standalone)
    elif fmt is Format.rich:
        from .printing.terminal import print_diff
        for r in results:
            print_diff(r, sizes, color=not no_color)
    else:
        from .printing.records import diff_text
        for r in results:
            emit(diff_text(r, sizes, ascii=ascii))


def _batch(wrt, fmt: Format, let, layout: str, dims, ascii: bool, hessian: bool,
           standalone: bool = False) -> int:
    """One expression per stdin line, in order, each giving its result or an error record; a bad
    line never stops the rest. Blank lines are skipped. A line longer than the input limit or
    not valid UTF-8 gets a limit or parse error record. With --standalone, one document holds
    every line's display."""
    if fmt in (Format.rich, Format.json):
        fmt = Format.jsonl if fmt is Format.json else Format.text
    failed = False
    sizes = api.parse_dims(dims) if dims else None
    if standalone:
        from .printing.latex import DOCUMENT_BEGIN, DOCUMENT_END, display
        sys.stdout.write(DOCUMENT_BEGIN)
    for line, problem in _stdin_lines():
        if problem is None and not line.strip():
            continue

        def action(line=line, problem=problem):
            if problem is not None:
                raise problem
            results = api.derivatives(line, wrt, let=tuple(let or ()), layout=layout, hessian=hessian)
            if standalone:
                from .printing.records import diff_latex
                sys.stdout.write("".join(display(diff_latex(r, sizes)) for r in results))
            else:
                show_results(results, fmt, sizes, ascii, True)

        if _guard_line(fmt, line, action) != ExitStatus.OK:
            failed = True
        sys.stdout.flush()
    if standalone:
        emit(DOCUMENT_END)
    return ExitStatus.CHECK_FAILED if failed else ExitStatus.OK


def _guard_line(fmt: Format, line: str, action: Callable[[], None]) -> int:
    """run_guarded for one batch line; a bug (any other exception) becomes that line's error
    record too, so the lines after it still get theirs."""
    try:
        return run_guarded(fmt, line, action)
    except Exception as err:
        if os.environ.get("MCALC_DEBUG") == "1":
            raise
        from .errors import UnsupportedError
        report_error(fmt, line, UnsupportedError(
            f"internal error: {type(err).__name__}: {err}",
            hint="this is a bug in mcalc; set MCALC_DEBUG=1 to see the traceback"))
        return ExitStatus.BAD_INPUT


def _stdin_lines():
    """(text, None) per stdin line, or (text, error) for a line that is too long (its text
    cut) or not UTF-8 (its text with U+FFFD). Reads bytes, at most one line's limit at a
    time, so a line of a gigabyte costs no memory."""
    from .errors import LimitError, ParseError
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:                           # a text stream with no bytes underneath
        for raw in sys.stdin:
            yield raw.rstrip("\n").rstrip("\r"), None
        return
    limit = 4 * MAX_INPUT_CHARS + 2              # UTF-8 takes at most 4 bytes a character
    first = True
    while True:
        chunk = stream.readline(limit + 1)
        if not chunk:
            return
        if first and chunk.startswith(b"\xef\xbb\xbf"):   # a UTF-8 byte order mark
            chunk = chunk[3:]
            if chunk and not chunk.endswith(b"\n"):          # the line's full allowance
                chunk += stream.readline(limit + 1 - len(chunk))
        first = False
        if len(chunk) > limit and not chunk.endswith(b"\n"):
            size, head = len(chunk), chunk[:60].decode("utf-8", "replace")
            while chunk and not chunk.endswith(b"\n"):
                chunk = stream.readline(limit + 1)
                size += len(chunk)
            size -= chunk.endswith(b"\n")               # the line break is not the line's
            yield head + "…", LimitError(f"the line is {size:,} bytes long; the limit is "
                                         f"{MAX_INPUT_CHARS:,} characters")
            continue
        body = chunk[:-1] if chunk.endswith(b"\n") else chunk
        body = body[:-1] if body.endswith(b"\r") else body
        try:
            yield body.decode("utf-8"), None
        except UnicodeDecodeError as err:
            text = body.decode("utf-8", "replace")
            at = len(body[:err.start].decode("utf-8", "replace"))
            yield text, ParseError(f"the line is not valid UTF-8 (byte 0x{body[err.start]:02x} "
                                   f"at byte {err.start + 1})", source=text, spans=((at, at + 1),),
                                   hint="mcalc reads UTF-8 text")


@app.command("diff")
def diff_command(expr: ExprArg, wrt: WrtOpt, layout: LayoutOpt = "numerator",
                 format: FormatOpt = Format.auto, dims: DimsOpt = None, let: LetOpt = None,
                 ascii: AsciiOpt = False, no_color: NoColorOpt = False,
                 standalone: StandaloneOpt = False):
    """Derivative of EXPR: gradient, Jacobian, or ∂vec F/∂vec X when it has more than two axes.

    EXPR '-' reads one expression per line from stdin (text or jsonl out;
    exit 1 if any line failed). Each line, in order, gives its results or an
    error record; blank lines are skipped; a line over the input limit or not
    UTF-8 is an error.

    Example: mcalc diff '**x**^T A **x**' --wrt x
    """
    fmt = resolve_format(latex_format(format, standalone))
    finish(_diff_like(expr, wrt, fmt, let, layout, dims, ascii, no_color, hessian=False,
                      standalone=standalone))


@app.command("hessian")
def hessian_command(expr: ExprArg, wrt: WrtOpt, layout: LayoutOpt = "numerator",
                    format: FormatOpt = Format.auto, dims: DimsOpt = None, let: LetOpt = None,
                    ascii: AsciiOpt = False, no_color: NoColorOpt = False,
                    standalone: StandaloneOpt = False):
    """Second derivative of a scalar EXPR (n×n for a vector; ∂vec∇f/∂vec X for a matrix).

    Example: mcalc hessian '**x**^T A **x**' --wrt x
    """
    fmt = resolve_format(latex_format(format, standalone))
    finish(_diff_like(expr, wrt, fmt, let, layout, dims, ascii, no_color, hessian=True,
                      standalone=standalone))


@app.command("check")
def check_command(expr: ExprArg, wrt: WrtOpt,
                  claim: Annotated[Optional[str], typer.Option(
                      "--claim", metavar="DERIV", help="Your derivative, checked in place of mcalc's.")] = None,
                  layout: LayoutOpt = "numerator", dims: DimsOpt = None,
                  seed: Annotated[int, typer.Option("--seed", help="Random seed for sizes and values.")] = 0,
                  hessian: Annotated[bool, typer.Option("--hessian", help="Check the Hessian.")] = False,
                  format: FormatOpt = Format.auto, let: LetOpt = None, no_color: NoColorOpt = False):
    """Compare a derivative with central finite differences at random sizes and values.

    Prints the largest relative error; exits 1 on a mismatch, with the values that show it.
    Example: mcalc check '**x**^T A **x**' --wrt x --claim '2 **x**^T A'
    """
    fmt = resolve_format(format)
    outcome = {"status": ExitStatus.OK}

    def action():
        from .printing.records import check_report
        report = api.check(expr, wrt, claim=claim, let=tuple(let or ()), layout=layout,
                           dims=dims, seed=seed, hessian=hessian)
        if fmt in (Format.json, Format.jsonl):
            dump_json(fmt, report.to_json())
        else:
            emit(check_report(report))
        if not report.ok:
            outcome["status"] = ExitStatus.CHECK_FAILED

    status = run_guarded(fmt, expr, action)
    finish(status if status != ExitStatus.OK else outcome["status"])


@app.command("explain")
def explain_command(expr: ExprArg, wrt: Annotated[str, typer.Option(
                        "--wrt", "-w", metavar="VAR", help="The variable (scalar or vector).")],
                    format: FormatOpt = Format.auto, let: LetOpt = None, no_color: NoColorOpt = False,
                    standalone: StandaloneOpt = False):
    """The chain rule step by step, as Parr & Howard teach it: intermediate variables, local
    derivatives with their shapes, the chain product, substitution, the simplified result.

    Example: mcalc explain 'sin(x^2)' --wrt x
    """
    fmt = resolve_format(latex_format(format, standalone))

    def action():
        from .explanation import explain
        e = explain(expr, wrt, let=tuple(let or ()))
        if fmt in (Format.json, Format.jsonl):
            dump_json(fmt, e.to_json())
        elif fmt is Format.latex:
            emit_latex([e.latex()], standalone)
        elif fmt is Format.rich:
            from .printing.terminal import print_explanation
            print_explanation(e, color=not no_color)
        else:
            emit(e.text())

    finish(run_guarded(fmt, expr, action))


def read_values(at: list[str], at_file: str | None) -> dict:
    import json
    values: dict = {}
    if at_file:
        try:
            with open(at_file, encoding="utf-8") as fh:
                text = fh.read(MAX_AT_FILE_CHARS + 1)      # /dev/zero must not fill the memory
            if len(text) > MAX_AT_FILE_CHARS:
                from .errors import LimitError
                raise LimitError(f"{at_file} is longer than {MAX_AT_FILE_CHARS:,} characters")
            data = json.loads(text)
        except OSError as err:
            raise UsageError(f"cannot read {at_file}: {err.strerror}") from None
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
            raise UsageError(f"{at_file} is not a JSON object of values",
                             hint='write e.g. {"x": [1, 2, 3], "A": [[1, 2], [3, 4]]}') from None
        if not isinstance(data, dict):
            raise UsageError(f"{at_file} must hold a JSON object mapping names to values")
        values.update(data)
    for item in at:
        name, eq, text = item.partition("=")
        name = name.strip()
        if not eq or not name:
            raise UsageError(f"--at takes NAME=VALUE, not {item!r}", hint="write e.g. --at 'x=[1, 2, 3]'")
        from .parser import name_of
        try:
            canonical, _ = name_of(name)
        except Exception:
            raise UsageError(f"{name!r} is not a name") from None
        try:
            values[canonical] = json.loads(text)
        except (json.JSONDecodeError, RecursionError):
            raise UsageError(f"the value of {name} is not a number or a list of numbers: {text[:60]!r}",
                             hint="write e.g. --at 'x=[1, 2, 3]' or --at 'A=[[1, 2], [3, 4]]'") from None
    return values


class _Interrupted(BaseException):
    """Ctrl-C. Raised by our SIGINT handler instead of KeyboardInterrupt, which click would
    turn into "Aborted!" or a bare exit; nothing in click, typer or mcalc catches it."""


class _PipeClosed(BaseException):
    """The reader of our output went away (`mcalc … | head -1`)."""


class _GuardedStream:
    """sys.stdout or sys.stderr, whose broken pipe becomes _PipeClosed (typer would turn a
    BrokenPipeError into exit status 1, Python's shutdown into a message)."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text):
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            raise _PipeClosed from None

    def flush(self):
        try:
            return self._stream.flush()
        except BrokenPipeError:
            raise _PipeClosed from None

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _valid_text(arg: str) -> str:
    """An argument as Python got it (bytes that are not UTF-8 as lone surrogates), with those
    bytes as U+FFFD, so that no output ever carries them back as invalid UTF-8."""
    try:
        return arg.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:
        return arg.encode("utf-8", "replace").decode("utf-8")


def _on_sigint(signum, frame):
    raise _Interrupted


def _silence_output() -> None:
    """Point stdout and stderr at /dev/null, so that what is still buffered goes nowhere."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    for stream in (sys.__stdout__, sys.__stderr__):
        try:
            os.dup2(devnull, stream.fileno())
        except (OSError, ValueError, AttributeError):
            pass


def _app_for(argv: list[str]) -> typer.Typer:
    """The app with only the command that argv names: typer builds the parser of every
    registered command on each run, about a tenth of the start-up. Help, shell completion and
    unknown commands get the whole app."""
    name = argv[1] if len(argv) > 1 else None
    chosen = [info for info in app.registered_commands if info.name == name]
    if not chosen or "_MCALC_COMPLETE" in os.environ:
        return app
    single = copy.copy(app)
    single.registered_commands = chosen
    return single


def run() -> None:
    """Console entry point. Exit status 130 on Ctrl-C (no traceback), 0 and no message when
    the reader of the output goes away; a bug prints one line (MCALC_DEBUG=1: the traceback)."""
    from .parser import ensure_recursion_limit
    import signal
    ensure_recursion_limit()
    try:
        signal.signal(signal.SIGINT, _on_sigint)
    except ValueError:          # not the main thread
        pass
    sys.stdout, sys.stderr = _GuardedStream(sys.stdout), _GuardedStream(sys.stderr)
    sys.argv = [_valid_text(arg) for arg in sys.argv]
    status: object = 0
    try:
        try:
            _app_for(sys.argv)()
        except SystemExit as done:
            status = done.code
        sys.stdout.flush()
    except _Interrupted:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            sys.stdout.flush()
            sys.stderr.write("interrupted\n")
            sys.stderr.flush()
        except _PipeClosed:
            _silence_output()
        status = 130
    except _PipeClosed:
        _silence_output()
        status = 0
    except Exception as err:  # a bug: say so briefly, unless debugging
        if os.environ.get("MCALC_DEBUG") == "1":
            raise
        try:
            sys.stderr.write(f"internal error: {type(err).__name__}: {err}\n"
                             "(set MCALC_DEBUG=1 to see the traceback)\n")
        except _PipeClosed:
            _silence_output()
        status = ExitStatus.BAD_INPUT
    sys.exit(status)


# ---- codegen (SPEC §2.5) ------------------------------------------------------------------------

class CodegenTarget(str, enum.Enum):
    numpy = "numpy"
    torch = "torch"
    jax = "jax"


@app.command("codegen")
def codegen_command(
    expr: ExprArg, wrt: WrtOpt,
    target: Annotated[CodegenTarget, typer.Option(
        "--target", "-t", help="The library of the generated code.", case_sensitive=False)] = CodegenTarget.numpy,
    hessian: Annotated[bool, typer.Option("--hessian", help="Also return the Hessian (scalar EXPR).")] = False,
    layout: LayoutOpt = "numerator", let: LetOpt = None,
):
    """Print a Python module whose compute(**variables) returns the value and the derivatives.

    compute takes every variable by name (vectors 1-D, matrices 2-D, scalars numbers) and returns
    (value, derivative) or, with --hessian, (value, derivative, hessian); one derivative per --wrt.
    Example: mcalc codegen '**x**^T A **x**' --wrt x --hessian --target numpy > f.py
    """
    def action():
        from .codegen import generate
        emit(generate(expr, wrt, hessian=hessian, target=target.value, let=tuple(let or ()),
                      layout=layout).rstrip("\n"))

    finish(run_guarded(Format.text, expr, action))
