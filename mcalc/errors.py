"""Errors that reach the user: what is wrong, where (carets under the source), how to fix it.

Every error mcalc raises for bad input is an `MCalcError`; its `kind` is the JSON error type of
SPEC §2.7 and decides nothing else. The CLI turns them into exit status 2.
"""
from __future__ import annotations

Span = tuple[int, int]


class MCalcError(Exception):
    kind = "usage"

    def __init__(self, message: str, *, source: str | None = None, spans: tuple[Span, ...] = (),
                 hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.source = source
        self.spans = tuple(s for s in spans if s is not None)
        self.hint = hint

    def with_source(self, source: str) -> "MCalcError":
        if self.source is None:
            self.source = source
        return self

    @property
    def span(self) -> Span | None:
        return self.spans[0] if self.spans else None

    def render(self) -> str:
        """The message, the input line(s) with carets under every span, then the hint."""
        head = self.message if self.message.startswith(f"{self.kind} error") else \
            f"{self.kind} error: {self.message}"
        lines = [head]
        if self.source is not None and self.spans:
            lines.extend(caret_lines(self.source, self.spans))
        if self.hint:
            lines.append(self.hint)
        return "\n".join(lines).translate(_VISIBLE)


class ParseError(MCalcError):
    kind = "parse"


class ShapeError(MCalcError):
    kind = "shape"


class KindError(MCalcError):
    kind = "kind"


class LimitError(MCalcError):
    kind = "limit"


class UnsupportedError(MCalcError):
    kind = "unsupported"


class UsageError(MCalcError):
    kind = "usage"


def _visible_table() -> dict[int, str]:
    """Control characters shown as one visible column each, so input cannot drive the terminal
    (escape sequences, bidirectional overrides) and carets stay under the right column; lone
    surrogates (an argument that was not UTF-8) as U+FFFD, which can be written."""
    table = {c: chr(0x2400 + c) for c in range(0x20) if c != 0x0A}     # ␀ … ␟
    table[0x7F] = "\u2421"                                              # ␡
    table.update({c: "\ufffd" for c in range(0x80, 0xA0)})
    table.update({c: "\ufffd" for c in (0x2028, 0x2029, *range(0x202A, 0x202F),
                                         *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C)})
    table.update({c: "\ufffd" for c in range(0xD800, 0xE000)})       # lone surrogates
    return table


_VISIBLE = _visible_table()


def caret_lines(source: str, spans: tuple[Span, ...]) -> list[str]:
    """`  source` then `  ^^^ ^^` under each span, line by line for multi-line input."""
    out: list[str] = []
    offset = 0
    for line in source.split("\n"):
        end = offset + len(line)
        marks = [" "] * (len(line) + 1)
        hit = False
        for start, stop in spans:
            if start <= end and stop >= offset and not (start == stop and start > end):
                hit = True
                lo = max(start, offset) - offset
                hi = max(min(stop, end) - offset, lo + 1)
                for i in range(lo, min(hi, len(marks))):
                    marks[i] = "^"
        if hit:
            out.append("  " + line.replace("\t", " "))
            out.append("  " + "".join(marks).rstrip())
        offset = end + 1
    return out
