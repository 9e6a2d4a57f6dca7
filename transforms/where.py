"""``kprep select --where EXPR``: a small, safe expression language over clean/'s columns.

EXPR is parsed with Python's ``ast`` module and only these forms are accepted; anything else
(calls, attribute access other than a struct field, subscripts, arithmetic, lambdas, ...) is
refused, and nothing is ever evaluated as Python. It becomes a ``pyarrow.compute`` Expression.

    column OP literal            OP: < <= > >= == !=; chains: 0.2 <= korean_share < 0.9
    column OP column
    column in (lit, lit, ...)    and: not in
    column is None               and: is not None
    a and b, a or b, not a, ( )
    pii_counts.tel > 0           a field of a struct column

Literals are numbers (``-1``, ``0.5``, ``1e3``) and quoted strings (``lang == "ko"``).
A row whose expression is null (a null column) does not match.
"""

from __future__ import annotations

import ast
import difflib
import math
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

MAX_LENGTH = 10_000  # characters; deeper nesting than Python's parser takes is refused too

_COMPARISONS = {
    ast.Lt: "less",
    ast.LtE: "less_equal",
    ast.Gt: "greater",
    ast.GtE: "greater_equal",
    ast.Eq: "equal",
    ast.NotEq: "not_equal",
}


class WhereError(ValueError):
    """An expression kprep select cannot use; the message says why and what to write instead."""


def parse_where(text: str, schema: pa.Schema) -> pc.Expression:
    """``text`` as a pyarrow Expression over ``schema``'s columns; WhereError when it is not one
    of the forms in this module's docstring or names a column ``schema`` lacks."""
    if not text.strip():
        raise WhereError("the expression is empty; e.g. --where 'korean_share >= 0.5'")
    if len(text) > MAX_LENGTH:
        raise WhereError(f"the expression is longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as err:
        raise WhereError(f"cannot parse {text!r}: {err.msg} (at column {err.offset})") from err
    except (RecursionError, MemoryError) as err:
        raise WhereError("the expression is nested too deeply") from err
    try:
        return _Translator(schema).condition(tree.body)
    except RecursionError as err:
        raise WhereError("the expression is nested too deeply") from err


def canonical(text: str) -> str:
    """The expression as Python's unparser writes it (one spelling per expression): the reason
    that select's rejected rows carry. ``text`` must have parsed."""
    return ast.unparse(ast.parse(text.strip(), mode="eval"))


def columns_of(text: str) -> list[str]:
    """The columns an expression reads, in the order they appear (struct fields as a.b).
    ``text`` must have parsed."""
    tree = ast.parse(text.strip(), mode="eval")
    bases = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    found: dict[str, tuple[int, int]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            name = f"{node.value.id}.{node.attr}"
        elif isinstance(node, ast.Name) and id(node) not in bases:
            name = node.id
        else:
            continue
        where = (node.lineno, node.col_offset)
        found[name] = min(found.get(name, where), where)
    return sorted(found, key=found.__getitem__)


class _Translator:
    def __init__(self, schema: pa.Schema):
        self._schema = schema

    def condition(self, node: ast.AST) -> pc.Expression:
        """A node that is true or false for each row."""
        if isinstance(node, ast.BoolOp):
            parts = [self.condition(value) for value in node.values]
            combined = parts[0]
            for part in parts[1:]:
                combined = combined & part if isinstance(node.op, ast.And) else combined | part
            return combined
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return ~self.condition(node.operand)
        if isinstance(node, ast.Compare):
            return self._compare(node)
        if isinstance(node, ast.Name | ast.Attribute):
            field, kind = self.column(node)
            if kind == pa.bool_():
                return field
            raise WhereError(
                f"{_source(node)} alone is no condition: compare it, e.g. {_source(node)} > 0"
            )
        raise WhereError(_refused(node))

    def _compare(self, node: ast.Compare) -> pc.Expression:
        result = None
        left = node.left
        for op, right in zip(node.ops, node.comparators, strict=True):
            part = self._one_comparison(left, op, right)
            result = part if result is None else result & part
            left = right
        assert result is not None
        return result

    def _one_comparison(self, left: ast.AST, op: ast.cmpop, right: ast.AST) -> pc.Expression:
        if isinstance(op, ast.Is | ast.IsNot):
            if not (isinstance(right, ast.Constant) and right.value is None):
                raise WhereError("`is` and `is not` compare only with None: x is None")
            field, _ = self.column(left)
            return field.is_null() if isinstance(op, ast.Is) else field.is_valid()
        if isinstance(op, ast.In | ast.NotIn):
            field, kind = self.column(left)
            if not isinstance(right, ast.Tuple | ast.List | ast.Set):
                raise WhereError("`in` takes a list of literals: lang in ('ko', 'ja')")
            values = [self.literal(element, kind) for element in right.elts]
            found = field.isin(pa.array(values, type=kind))
            # a null is in no list, and, as for every comparison, does not match `not in` either
            return found if isinstance(op, ast.In) else ~found & field.is_valid()
        operator = _COMPARISONS.get(type(op))
        if operator is None:
            raise WhereError(_refused(op))
        left_is_column = isinstance(left, ast.Name | ast.Attribute)
        right_is_column = isinstance(right, ast.Name | ast.Attribute)
        if not left_is_column and not right_is_column:
            for side in (left, right):
                _literal_value(side)  # refuses what is neither a column nor a literal
            raise WhereError(
                f"{_source(left)} {_OP_TEXT[type(op)]} {_source(right)} compares no column"
            )
        if left_is_column and right_is_column:
            (a, a_kind), (b, b_kind) = self.column(left), self.column(right)
            if _family(a_kind) != _family(b_kind):
                raise WhereError(
                    f"{_source(left)} ({a_kind}) and {_source(right)} ({b_kind}) do not compare"
                )
            return getattr(pc, operator)(a, b)
        if left_is_column:
            field, kind = self.column(left)
            return getattr(pc, operator)(field, pc.scalar(self.literal(right, kind)))
        field, kind = self.column(right)
        return getattr(pc, operator)(pc.scalar(self.literal(left, kind)), field)

    def column(self, node: ast.AST) -> tuple[pc.Expression, pa.DataType]:
        """A column (or struct field) reference: its field expression and type."""
        if isinstance(node, ast.Name):
            kind = self._schema.field(_known(node.id, self._schema.names, "column")).type
            if pa.types.is_struct(kind):
                fields = [kind.field(i).name for i in range(kind.num_fields)]
                raise WhereError(
                    f"{node.id} is a struct: compare one of its fields, e.g. "
                    f"{node.id}.{fields[0]} > 0 (fields: {', '.join(fields)})"
                )
            return pc.field(node.id), kind
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            base = node.value.id
            struct = self._schema.field(_known(base, self._schema.names, "column")).type
            if not pa.types.is_struct(struct):
                raise WhereError(f"{base} is no struct column; {base}.{node.attr} has no meaning")
            names = [struct.field(i).name for i in range(struct.num_fields)]
            _known(node.attr, names, f"field of {base}")
            return pc.field(base, node.attr), struct.field(names.index(node.attr)).type
        raise WhereError(_refused(node))

    def literal(self, node: ast.AST, kind: pa.DataType) -> Any:
        """A literal compared with a column of type ``kind``, checked against it."""
        value = _literal_value(node)
        if pa.types.is_string(kind) or pa.types.is_large_string(kind):
            if not isinstance(value, str):
                raise WhereError(f"{_source(node)} is no string; quote it: '{_source(node)}'")
            return value
        if pa.types.is_integer(kind) or pa.types.is_floating(kind):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise WhereError(f"{_source(node)} is no number, and the column is {kind}")
            if isinstance(value, float) and math.isnan(value):
                raise WhereError("nan compares false with everything; use `x is None` for nulls")
            return value
        raise WhereError(f"columns of type {kind} cannot be compared with literals")


def _known(name: str, names: list[str], what: str) -> str:
    """``name``, if it is one of ``names``; else WhereError with the closest and the list."""
    if name not in names:
        close = difflib.get_close_matches(name, names, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        if not close and what == "column":
            hint = f" (a string? quote it: '{name}')"
        raise WhereError(f"unknown {what} {name!r}{hint}; the {what}s are: {', '.join(names)}")
    return name


def _literal_value(node: ast.AST) -> Any:
    negative = False
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        negative = isinstance(node.op, ast.USub)
        node = node.operand
        if not (isinstance(node, ast.Constant) and isinstance(node.value, int | float)):
            raise WhereError(_refused(node))
    if not isinstance(node, ast.Constant) or not isinstance(node.value, int | float | str):
        raise WhereError(_refused(node))
    if isinstance(node.value, bool):
        raise WhereError(f"{node.value} is no literal here: compare with a number or string")
    return -node.value if negative else node.value


def _family(kind: pa.DataType) -> str:
    if pa.types.is_integer(kind) or pa.types.is_floating(kind):
        return "number"
    return str(kind)


_OP_TEXT = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!="}


def _source(node: ast.AST) -> str:
    return ast.unparse(node)


def _refused(node: ast.AST) -> str:
    what = type(node).__name__
    shown = _source(node) if isinstance(node, ast.expr) else what
    return (
        f"{shown!s} ({what}) is not allowed: an expression compares columns with numbers or "
        "quoted strings, joined by and/or/not; see `kprep select --help`"
    )
