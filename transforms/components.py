"""Connected components of a large graph by large-star and small-star rounds: the
per-node functions and an in-memory reference (transforms/steps/components.py runs them in Beam).

The algorithm of Kiveris et al., "Connected Components in MapReduce and Beyond" (SoCC 2014).
Nodes are any totally ordered, deterministically encodable values (here ``(rank, rank, id)``
tuples); each round groups edges by node, so no worker ever holds all nodes or all edges, and
each reducer reads its node's neighbours twice as a stream (first for the minimum, then to
emit), so its memory does not grow with the node's degree. When it has converged, every edge
is ``(node, root)`` with ``root`` the smallest node of its component.

Beam graphs are static, so the rounds are unrolled up to ``max_rounds``; a convergence check
after the last round fails the pipeline with a clear message if the graph is not yet a set of
stars, instead of emitting wrong components.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator
from typing import Any

Node = Any  # totally ordered and hashable
Edge = tuple[Node, Node]


class ComponentsDidNotConverge(RuntimeError):
    """The round limit was reached before every component became a star around its minimum."""


def large_star(node: Node, neighbours: Iterable[Node]) -> Iterator[Edge]:
    """Link every larger neighbour to the smallest node of ``node``'s closed neighbourhood.

    ``neighbours`` is read twice (a list, or a Beam grouped iterable).
    """
    smallest = min(neighbours, default=node)
    smallest = min(smallest, node)
    for neighbour in neighbours:
        if neighbour > node:
            yield neighbour, smallest


def small_star(node: Node, smaller: Iterable[Node]) -> Iterator[Edge]:
    """Link ``node`` and its not-larger neighbours to the smallest of them.

    ``smaller`` is read twice (a list, or a Beam grouped iterable).
    """
    smallest = min(smaller, default=node)
    smallest = min(smallest, node)
    if node != smallest:
        yield node, smallest
    for neighbour in smaller:
        if neighbour != smallest:
            yield neighbour, smallest


def both_directions(edge: Edge) -> Iterator[Edge]:
    u, v = edge
    if u != v:
        yield u, v
        yield v, u


def larger_first(edge: Edge) -> Iterator[Edge]:
    u, v = edge
    if u != v:
        yield (u, v) if u > v else (v, u)


def star_violations(node: Node, roles: Iterable[tuple[str, Node | None]]) -> int:
    """1 if ``node`` breaks the star shape, else 0.

    ``roles`` holds ("root", r) for each edge (node, r) and ("leaf", None) for each edge
    (x, node). A converged node has one root and no leaves, or leaves and no root.
    """
    roots: set[Hashable] = set()
    has_leaves = False
    for role, other in roles:
        if role == "root":
            roots.add(other)
            if len(roots) > 1:
                return 1
        else:
            has_leaves = True
    return int(bool(roots) and has_leaves)


def edge_roles(edge: Edge) -> Iterator[tuple[Node, tuple[str, Node | None]]]:
    leaf, root = edge
    yield leaf, ("root", root)
    yield root, ("leaf", None)


def components_locally(edges: Iterable[Edge], max_rounds: int) -> dict[Node, Node]:
    """node -> root by the same rounds in plain Python: a reference for tests and small graphs."""
    edges = list(edges)
    for _ in range(max_rounds):
        edges = _local_round(edges)
    grouped: dict[Node, list] = {}
    for node, role in (pair for edge in edges for pair in edge_roles(edge)):
        grouped.setdefault(node, []).append(role)
    if any(star_violations(node, roles) for node, roles in grouped.items()):
        raise ComponentsDidNotConverge(f"not converged after {max_rounds} rounds")
    return dict(edges)


def _local_round(edges: list[Edge]) -> list[Edge]:
    def grouped(pairs: Iterable[Edge]) -> dict[Node, list[Node]]:
        out: dict[Node, list[Node]] = {}
        for key, value in pairs:
            out.setdefault(key, []).append(value)
        return out

    large = grouped(pair for edge in edges for pair in both_directions(edge))
    edges = [e for node, nbrs in large.items() for e in large_star(node, nbrs)]
    small = grouped(pair for edge in edges for pair in larger_first(edge))
    return sorted({e for node, nbrs in small.items() for e in small_star(node, nbrs)})


def fail_unless_converged(violations: int, max_rounds: int) -> int:
    if violations:
        raise ComponentsDidNotConverge(
            f"near-dedupe connected components did not converge in max_rounds={max_rounds} "
            f"rounds ({violations} nodes are not yet in a star around their component's minimum);"
            f" raise max_rounds and run again"
        )
    return violations
