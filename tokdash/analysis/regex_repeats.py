"""Counted repeats in a user's regex, checked before compiling: ``regex`` unrolls them.

Compile memory, measured with the same regex version (peak RSS of a fresh process, 2-core
machine): ``regex`` unrolls the *minimum* of every counted repeat, about 250-400 bytes per
repeated node. ``a{10000}``: 15 MB, 2 ms; ``a{100000}``: 39 MB, 16 ms; ``a{1000000}``: 274 MB,
0.2 s; ``(?:x{1000}){1000}``: 275 MB; ``(?:\\d+\\s+\\w+){100000}``: 222 MB; ``a{99999999}``: ~24 GB
(the process is killed). ``a{1,100000000}`` costs nothing: only the minimum is unrolled.
`check_repeats` therefore refuses, before compiling, a pattern whose nodes times the product of
their enclosing minimum counts exceed `MAX_REPEAT_UNITS` (100,000: at most ~40 MB, ~20 ms).
"""

from __future__ import annotations

from regex import _regex_core as core

from tokdash.errors import RegexError

#: Most nodes a pattern may unroll into when compiled (see the module docstring).
MAX_REPEAT_UNITS = 100_000
_BYTES_PER_UNIT = 300  # measured: 250-400 bytes of compile memory per unrolled node


def check_repeats(pattern: str) -> None:
    """``RegexError`` when compiling ``pattern`` would unroll more than `MAX_REPEAT_UNITS` nodes.

    ``regex`` copies the body of a counted repeat ``{m}``, ``{m,}`` or ``{m,n}`` m times when it
    compiles, nested repeats multiply, so ``a{99999999}`` takes gigabytes. The pattern is parsed
    with ``regex``'s own parser (exactly its syntax: escaped braces, braces in a character class,
    a ``{`` that is not a quantifier, verbose mode), which builds a small tree and unrolls
    nothing; nothing is compiled here. A pattern that does not parse is left to
    ``regex.compile`` to report.
    """
    tree = _parse_tree(pattern)
    if tree is None:
        return
    units, worst = _units(tree)
    if units <= MAX_REPEAT_UNITS:
        return
    times, counts = worst
    where = " inside ".join(counts) or "counted repeats"
    memory = units * _BYTES_PER_UNIT
    size = f"{memory / 1e9:,.0f} GB" if memory >= 1e9 else f"{memory / 1e6:,.0f} MB"
    raise RegexError(
        f"The pattern repeats {times:,} times ({where}) and would unroll into {units:,} pieces "
        f"when compiled; over {MAX_REPEAT_UNITS:,} are refused: compiling it would take about "
        f"{size} of memory. Use a smaller count; only the minimum is unrolled, so a range such "
        "as {1,N} or + is cheap."
    )


def _parse_tree(pattern: str):
    """``regex``'s parse tree of ``pattern`` (its private parser, as ``regex.compile`` calls
    it); None when the pattern does not parse."""
    flags = 0
    for _ in range(3):  # a global flag such as (?x) later in the pattern: parse again with it
        source = core.Source(pattern)
        info = core.Info(flags, source.char_type, {})
        info.guess_encoding = core.UNICODE
        source.ignore_space = bool(info.flags & core.VERBOSE)
        try:
            return core._parse_pattern(source, info)
        except core._UnscopedFlagSet:
            flags = info.global_flags
        except (core.error, ValueError, OverflowError, RecursionError):
            return None
    return None


_CHILD_LISTS = ("items", "branches")
_CHILDREN = ("subpattern", "yes_item", "no_item")


def _units(node) -> tuple[int, tuple[int, list[str]]]:
    """Nodes ``node`` unrolls into, and its most repeated quantifier: (times, the quantifiers
    from the innermost out, e.g. ``["{1000}", "{1000}"]``)."""
    children = [c for name in _CHILDREN if (c := getattr(node, name, None)) is not None]
    for name in _CHILD_LISTS:
        children += [c for c in getattr(node, name, None) or () if isinstance(c, core.RegexBase)]
    units, worst = 0, (1, [])
    for child in children:
        n, w = _units(child)
        units += n
        worst = max(worst, w, key=lambda x: x[0])
    units = max(units, 1)
    if isinstance(node, core.GreedyRepeat):  # LazyRepeat and PossessiveRepeat derive from it
        m, top = node.min_count, node.max_count
        text = f"{{{m}}}" if m == top else f"{{{m},}}" if top is None else f"{{{m},{top}}}"
        k = max(m, 1)
        units *= k
        worst = (worst[0] * k, [*worst[1], text]) if m > 1 else worst
    return units, worst
