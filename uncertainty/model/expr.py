"""Metric expressions: a whitelisted arithmetic grammar, parsed, never executed as Python.

The text is parsed with :func:`ast.parse` (which only parses) and translated into a small
tree of our own; anything outside the grammar is rejected before any evaluation. Evaluation
walks that tree with numpy on whole arrays of draws.

Grammar: numbers, quantity names (dotted, ``ru.kia``), ``+ - * / **``, parentheses, unary
minus and plus, and the functions ``log`` (natural), ``exp``, ``sqrt``, ``abs`` (one
argument) and ``min``, ``max`` (two or more arguments, element-wise).

Invalid arithmetic (division by zero, log of a negative number) yields NaN or ±inf in the
draws concerned; the summary counts those draws as invalid instead of hiding them.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from functools import reduce
from typing import Any

import numpy as np
from numpy.typing import NDArray

from uncertainty.config.validation import unknown
from uncertainty.errors import ExpressionError

__all__ = [
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "Constraint",
    "Division",
    "Expression",
    "parse_constraint",
    "parse_expression",
]

FloatArray = NDArray[np.float64]

#: Longest expression text accepted, in characters.
MAX_LENGTH = 2_000
#: Deepest nesting of operations accepted.
MAX_DEPTH = 64

_UNARY: dict[str, Callable[[Any], Any]] = {"log": np.log, "exp": np.exp, "sqrt": np.sqrt,
                                           "abs": np.abs}
_VARIADIC: dict[str, Callable[[Any, Any], Any]] = {"min": np.minimum, "max": np.maximum}
#: Function names allowed in expressions.
FUNCTIONS = frozenset(_UNARY) | frozenset(_VARIADIC)

_BINARY: dict[type[ast.operator], tuple[str, Callable[[Any, Any], Any]]] = {
    ast.Add: ("+", np.add),
    ast.Sub: ("-", np.subtract),
    ast.Mult: ("*", np.multiply),
    ast.Div: ("/", np.divide),
    ast.Pow: ("**", np.power),
}

_FRIENDLY = {
    "Attribute": "attribute access",
    "Subscript": "subscripts",
    "Lambda": "lambda",
    "ListComp": "comprehensions",
    "SetComp": "comprehensions",
    "DictComp": "comprehensions",
    "GeneratorExp": "comprehensions",
    "Compare": "comparisons",
    "BoolOp": "and/or",
    "IfExp": "if/else",
    "NamedExpr": "assignment (:=)",
    "Starred": "* unpacking",
    "JoinedStr": "strings",
    "List": "lists",
    "Tuple": "tuples",
    "Dict": "dicts",
    "Set": "sets",
    "Await": "await",
    "Yield": "yield",
    "YieldFrom": "yield",
    "FloorDiv": "//",
    "Mod": "%",
    "MatMult": "@",
    "BitAnd": "&",
    "BitOr": "|",
    "BitXor": "^",
    "LShift": "<<",
    "RShift": ">>",
    "Invert": "~",
    "Not": "not",
}

_ALLOWED = (
    "numbers, quantity names, + - * / **, parentheses and the functions "
    + ", ".join(sorted(FUNCTIONS))
)


# -- the tree we evaluate --------------------------------------------------------------------
@dataclass(frozen=True)
class _Const:
    value: float


@dataclass(frozen=True)
class _Var:
    name: str


@dataclass(frozen=True)
class _Neg:
    operand: _Node


@dataclass(frozen=True)
class _Bin:
    op: Callable[[Any, Any], Any]
    left: _Node
    right: _Node


@dataclass(frozen=True)
class _Call:
    name: str
    args: tuple[_Node, ...]


_Node = _Const | _Var | _Neg | _Bin | _Call


@dataclass(frozen=True)
class Division:
    """A division in an expression whose two sides are sums of quantities.

    What `Expression.divisions` finds: ``a / b``, ``(a + b) / (c + d)``, ``100 * a / b``,
    and the same inside a larger expression such as ``1 - a / b``. A side counts as a sum of
    quantities when it is quantity names joined by ``+``, each term possibly multiplied or
    divided by a positive number (a change of unit or a percentage, which changes nothing
    of what the side counts).

    Parameters
    ----------
    numerator, denominator : tuple of str
        The quantities summed on each side, in the order written (a name may repeat).
    complement : bool
        Whether the division is subtracted from a number (``1 - a / b``, ``100 - 100 * a /
        b``): the metric is then the share of the denominator that the numerator leaves out.
    """

    numerator: tuple[str, ...]
    denominator: tuple[str, ...]
    complement: bool


def _summed(node: _Node) -> tuple[str, ...] | None:
    """The quantities `node` adds up, or None when it is not a sum of (scaled) quantities."""
    if isinstance(node, _Var):
        return (node.name,)
    if isinstance(node, _Bin) and node.op is np.add:
        left, right = _summed(node.left), _summed(node.right)
        return None if left is None or right is None else left + right
    if isinstance(node, _Bin) and node.op in (np.multiply, np.divide):
        if isinstance(node.right, _Const) and node.right.value > 0:
            return _summed(node.left)
        if node.op is np.multiply and isinstance(node.left, _Const) and node.left.value > 0:
            return _summed(node.right)
    return None


def _divisions(node: _Node, complement: bool = False) -> Iterator[Division]:
    """Every division between sums of quantities in `node`, outermost first."""
    if isinstance(node, _Bin):
        if node.op is np.divide:
            num, den = _summed(node.left), _summed(node.right)
            if num is not None and den is not None:
                yield Division(num, den, complement)
        yield from _divisions(node.left)
        yield from _divisions(node.right, complement=node.op is np.subtract
                              and isinstance(node.left, _Const))
    elif isinstance(node, _Neg):
        yield from _divisions(node.operand)
    elif isinstance(node, _Call):
        for arg in node.args:
            yield from _divisions(arg)


@dataclass(frozen=True)
class Expression:
    """A parsed metric expression.

    Parameters
    ----------
    text : str
        The expression as written.
    names : tuple of str
        The quantity names it uses, sorted.
    """

    text: str
    names: tuple[str, ...]
    _tree: _Node

    def evaluate(self, env: Mapping[str, FloatArray]) -> FloatArray:
        """Evaluate on arrays of draws.

        Parameters
        ----------
        env : mapping of str to ndarray
            An array of draws for every name in `names`, all of one shape.

        Returns
        -------
        ndarray
            The metric's draws; NaN or ±inf where the arithmetic is invalid.
        """
        with np.errstate(all="ignore"):
            out = _evaluate(self._tree, env)
        shape = np.shape(env[self.names[0]])
        return np.broadcast_to(np.asarray(out, dtype=np.float64), shape)

    def divisions(self) -> tuple[Division, ...]:
        """The divisions in the expression whose two sides are sums of quantities.

        Read from the parsed tree, never from the text; see `Division` for what counts.

        Notes
        -----
        =============================  ===========================================
        expression                     divisions
        =============================  ===========================================
        ``a / b``                      ``(a,) / (b,)``
        ``1 - a / b``                  ``(a,) / (b,)``, complement
        ``100 * a / (b + c)``          ``(a,) / (b, c)``
        ``(a + b) / c / d``            ``(a, b) / (c,)``: the outer one's numerator
                                       is itself a division, not a sum
        ``a * b / c``, ``log(a) / b``  none
        =============================  ===========================================
        """
        return tuple(_divisions(self._tree))


def _evaluate(node: _Node, env: Mapping[str, FloatArray]) -> Any:
    if isinstance(node, _Const):
        return node.value
    if isinstance(node, _Var):
        return env[node.name]
    if isinstance(node, _Neg):
        return np.negative(_evaluate(node.operand, env))
    if isinstance(node, _Bin):
        return node.op(_evaluate(node.left, env), _evaluate(node.right, env))
    args = [_evaluate(a, env) for a in node.args]
    if node.name in _UNARY:
        return _UNARY[node.name](args[0])
    return reduce(_VARIADIC[node.name], args)


# -- parsing ---------------------------------------------------------------------------------
def _dotted(node: ast.expr) -> str | None:
    """``ru.kia`` as written (an attribute chain ending in a name), else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _not_allowed(node: ast.AST) -> ExpressionError:
    kind = type(node).__name__
    what = _FRIENDLY.get(kind, kind)
    return ExpressionError(f"{what} not allowed (allowed: {_ALLOWED})")


class _Translator:
    def __init__(self, known: Collection[str]) -> None:
        self.known = known
        self.used: set[str] = set()

    def name(self, dotted: str) -> _Var:
        if dotted in self.known:
            self.used.add(dotted)
            return _Var(dotted)
        if dotted in FUNCTIONS:
            raise ExpressionError(f"function {dotted!r} must be called, as {dotted}(...)")
        raise ExpressionError(unknown("quantity", dotted, sorted(self.known), listed_as="known",
                                      listing=None if self.known else "none"))

    def visit(self, node: ast.AST, depth: int) -> _Node:
        if depth > MAX_DEPTH:
            raise ExpressionError(f"nested more than {MAX_DEPTH} levels deep")
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ExpressionError(f"constant {value!r} not allowed (only numbers)")
            try:
                return _Const(float(value))
            except OverflowError:
                raise ExpressionError("a number too large for a float") from None
        if isinstance(node, ast.Name | ast.Attribute):
            dotted = _dotted(node)
            if dotted is None:
                raise _not_allowed(node)
            return self.name(dotted)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                return _Neg(self.visit(node.operand, depth + 1))
            if isinstance(node.op, ast.UAdd):
                return self.visit(node.operand, depth + 1)
            raise _not_allowed(node.op)
        if isinstance(node, ast.BinOp):
            entry = _BINARY.get(type(node.op))
            if entry is None:
                raise _not_allowed(node.op)
            left = self.visit(node.left, depth + 1)
            right = self.visit(node.right, depth + 1)
            return _Bin(entry[1], left, right)
        if isinstance(node, ast.Call):
            return self.call(node, depth)
        raise _not_allowed(node)

    def call(self, node: ast.Call, depth: int) -> _Call:
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name is None or name not in FUNCTIONS:
            shown = name if name is not None else ast.unparse(node.func)
            # Function names are short, so a stricter cutoff: 'median' shares three
            # letters with 'min' (0.67) but means something else; 'sqr' -> 'sqrt' is 0.86.
            raise ExpressionError(unknown("function", shown, sorted(FUNCTIONS),
                                          listed_as="allowed", cutoff=0.75))
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            raise ExpressionError(f"{name}() takes plain arguments only")
        n = len(node.args)
        if name in _UNARY and n != 1:
            raise ExpressionError(f"{name}() takes exactly one argument, got {n}")
        if name in _VARIADIC and n < 2:
            raise ExpressionError(f"{name}() takes two or more arguments, got {n}")
        return _Call(name, tuple(self.visit(a, depth + 1) for a in node.args))


def parse_expression(text: str, known: Collection[str]) -> Expression:
    """Parse a metric expression against the known quantity names.

    Parameters
    ----------
    text : str
        The expression, e.g. ``"1 - ua.kia / ua.casualties"``.
    known : collection of str
        Quantity names the expression may use.

    Returns
    -------
    Expression

    Raises
    ------
    ExpressionError
        For anything outside the grammar, unknown names or functions, text longer than
        `MAX_LENGTH` or nested deeper than `MAX_DEPTH`, and expressions using no quantity.
    """
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"longer than {MAX_LENGTH} characters ({len(text)})")
    if not text.strip():
        raise ExpressionError("empty expression")
    indent = len(text) - len(text.lstrip())
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        where = f" at column {exc.offset + indent}" if exc.offset else ""
        raise ExpressionError(f"not a valid expression{where}: {exc.msg}") from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise ExpressionError(f"not a valid expression: {type(exc).__name__}") from None
    translator = _Translator(frozenset(known))
    try:
        root = translator.visit(tree.body, 0)
    except RecursionError:
        raise ExpressionError(f"nested more than {MAX_DEPTH} levels deep") from None
    if not translator.used:
        raise ExpressionError("uses no quantity; a metric must depend on at least one")
    return Expression(text, tuple(sorted(translator.used)), root)


# -- constraints -----------------------------------------------------------------------------
_COMPARISONS: dict[type[ast.cmpop], tuple[str, Callable[[Any, Any], Any]]] = {
    ast.Lt: ("<", np.less),
    ast.LtE: ("<=", np.less_equal),
    ast.Gt: (">", np.greater),
    ast.GtE: (">=", np.greater_equal),
}


@dataclass(frozen=True)
class Constraint:
    """A per-draw condition ``left OP right`` between two expressions.

    Parameters
    ----------
    text : str
        As written, e.g. ``"ua.kia <= ua.casualties"``.
    names : tuple of str
        Quantities used on either side, sorted.
    """

    text: str
    names: tuple[str, ...]
    _left: _Node
    _op: Callable[[Any, Any], Any]
    _right: _Node

    def holds(self, env: Mapping[str, FloatArray]) -> NDArray[np.bool_]:
        """Whether each draw satisfies the condition; NaN on either side does not."""
        with np.errstate(all="ignore"):
            out = self._op(_evaluate(self._left, env), _evaluate(self._right, env))
        return np.broadcast_to(np.asarray(out, dtype=bool), np.shape(env[self.names[0]]))


def parse_constraint(text: str, known: Collection[str]) -> Constraint:
    """Parse ``left OP right`` with OP one of ``< <= > >=`` and both sides expressions.

    Raises
    ------
    ExpressionError
        As `parse_expression`, and when the text is not a single comparison.
    """
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"longer than {MAX_LENGTH} characters ({len(text)})")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"not a valid constraint: {exc.msg}") from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise ExpressionError(f"not a valid constraint: {type(exc).__name__}") from None
    body = tree.body
    if not isinstance(body, ast.Compare) or len(body.ops) != 1:
        raise ExpressionError("a constraint is one comparison, e.g. 'ua.kia <= ua.casualties'")
    entry = _COMPARISONS.get(type(body.ops[0]))
    if entry is None:
        raise ExpressionError("compare with <, <=, > or >=")
    translator = _Translator(frozenset(known))
    try:
        left = translator.visit(body.left, 0)
        right = translator.visit(body.comparators[0], 0)
    except RecursionError:
        raise ExpressionError(f"nested more than {MAX_DEPTH} levels deep") from None
    if not translator.used:
        raise ExpressionError("uses no quantity")
    return Constraint(text, tuple(sorted(translator.used)), left, entry[1], right)
