"""Compute many derived columns without repeating work: shared sub-expressions become columns of earlier steps.

Field types build their engine expressions from reusable parts (``clean`` of a value, a
regex match, a parsed day). Ibis inlines every use of a part, so a part used ten times is
computed ten times and the SQL grows with every level of reuse (a date type with several
formats reached hundreds of kilobytes). ``staged_select`` finds the parts used more than once,
innermost first, computes each once as a column of an intermediate ``SELECT``, and rewrites
the expressions to read that column. The result is the same on every engine; only the SQL
is smaller and the work done once.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

import ibis.expr.operations as ops

if TYPE_CHECKING:
    import ibis.expr.types as ir
    from ibis.common.graph import Node

MAX_STEPS = 40


def _is_shared_candidate(node: Node, relation: ops.Relation) -> bool:
    """A column-valued computation over ``relation`` (not a bare column or a literal)."""
    if not isinstance(node, ops.Value) or isinstance(node, ops.Field | ops.Literal):
        return False
    if not node.shape.is_columnar():
        return False
    return set(node.relations) == {relation}


def _children(node: Node) -> tuple[Node, ...]:
    return tuple(node.__children__)


def _shared(roots: list[Node], relation: ops.Relation) -> list[Node]:
    """Candidates with more than one parent whose own sub-expressions hold no other such candidate."""
    parents: Counter[Node] = Counter()
    seen: set[Node] = set()
    stack = list(roots)
    for root in roots:
        parents[root] += 1
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        for child in _children(node):
            if isinstance(child, ops.Relation):
                continue
            parents[child] += 1
            stack.append(child)
    repeated = {n for n, count in parents.items() if count > 1 and _is_shared_candidate(n, relation)}
    return [n for n in repeated if not any(_contains(c, repeated) for c in _children(n))]


def _contains(node: Node, targets: set[Node]) -> bool:
    stack, seen = [node], set()
    while stack:
        current = stack.pop()
        if current in targets:
            return True
        if current in seen or isinstance(current, ops.Relation):
            continue
        seen.add(current)
        stack.extend(_children(current))
    return False


def staged_select(table: ir.Table, columns: dict[str, ir.Value], *, keep: bool = False) -> ir.Table:
    """``table.select(**columns)`` (plus ``table``'s columns if ``keep``), with shared parts computed once."""
    current = table
    exprs = {name: expr.op() for name, expr in columns.items()}
    for step in range(MAX_STEPS):
        relation = current.op()
        shared = _shared(list(exprs.values()), relation)
        if not shared:
            break
        names = {node: f"_s{step}_{i}" for i, node in enumerate(sorted(shared, key=repr))}
        following = current.select(*current.columns, **{name: node.to_expr() for node, name in names.items()})
        target = following.op()
        mapping: dict[Node, Node] = {node: ops.Field(target, name) for node, name in names.items()}
        mapping.update({ops.Field(relation, c): ops.Field(target, c) for c in current.columns})
        mapping[relation] = target
        # one rewrite of every expression at once: a projection over the current step holds them all
        bundle = current.select(**{name: node.to_expr() for name, node in exprs.items()}).op()
        rewritten = bundle.replace(mapping)
        exprs = dict(rewritten.values)
        current = following
    kept = [c for c in table.columns if keep]
    return current.select(*kept, **{name: node.to_expr() for name, node in exprs.items()})
