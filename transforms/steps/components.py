"""Connected components of a large graph in Beam: the large-star and small-star rounds of
transforms/components.py (Kiveris et al., SoCC 2014), unrolled up to ``max_rounds``.

Each round groups edges by node, so no worker holds all nodes or edges; a check after the last
round fails the pipeline with a clear message if the graph is not yet a set of stars.
"""

from __future__ import annotations

import apache_beam as beam

from transforms.components import (
    Edge,
    both_directions,
    edge_roles,
    fail_unless_converged,
    large_star,
    larger_first,
    small_star,
    star_violations,
)


class _Round(beam.PTransform):
    """One large-star then one small-star step over an edge collection."""

    def expand(self, edges):
        return (
            edges
            | "Both directions" >> beam.FlatMap(both_directions)
            | "Group for large star" >> beam.GroupByKey()
            | "Large star" >> beam.FlatMapTuple(large_star)
            | "Larger end first" >> beam.FlatMap(larger_first)
            | "Group for small star" >> beam.GroupByKey()
            | "Small star" >> beam.FlatMapTuple(small_star)
        )


class ConnectedComponents(beam.PTransform):
    """Undirected edges (u, v) -> (node, root) for every node on an edge; root = component min.

    Nodes without edges are absent from the output (they are their own root); an edge may come
    out more than once. Fails the
    pipeline with :class:`ComponentsDidNotConverge` if ``max_rounds`` rounds are not enough;
    the output is produced only after that check has passed.
    """

    def __init__(self, max_rounds: int):
        super().__init__()
        if max_rounds < 1:
            raise ValueError(f"max_rounds must be at least 1, got {max_rounds}")
        self._max_rounds = max_rounds

    def expand(self, edges):
        for number in range(1, self._max_rounds + 1):
            edges = edges | f"Round {number}" >> _Round()
        violations = (
            edges
            | "Roles of each node" >> beam.FlatMap(edge_roles)
            | "Group roles" >> beam.GroupByKey()
            | "Star violations" >> beam.MapTuple(star_violations)
            | "Count violations" >> beam.CombineGlobally(sum)
            | "Fail unless converged"
            >> beam.Map(fail_unless_converged, max_rounds=self._max_rounds)
        )
        # The side input makes every output wait for (and depend on) a passed check.
        return edges | "Roots after the check" >> beam.Map(
            _after_check, checked=beam.pvalue.AsSingleton(violations)
        )


def _after_check(edge: Edge, checked: int) -> Edge:
    return edge
