"""Corpus-scale deduplication in Beam: exact copies, then MinHash-LSH near duplicates, one
keeper each.

    docs ─► Sketch ─┬─ (text key, doc) ───────────────────────────────────────► Resolve ─► kept
                    └─ (text key, node, bands, sketch) ─► Exact keepers ─► Near ─┘      └► rejected

Only the last step (Resolve) moves document text, once, grouped by text key. Everything else
moves small records: a node ``(rank, rank, id)`` whose order is the keeper policy (the smallest
node of a cluster is its keeper), the cluster size absorbed so far, 16-byte LSH band keys and a
32-bit-per-value signature sketch. The near stage links the members of each LSH bucket to the
bucket's smallest node (hot buckets fanned out in chunks), optionally drops links whose estimated
Jaccard is below ``min_jaccard``, and resolves clusters with distributed connected components
(transforms/steps/components.py). Every group is read as a stream, so no step holds a whole bucket,
cluster or the corpus. On a local run every grouping but the connected-components rounds (which
see only candidate links) goes through partition files and the text through spill files
(transforms/steps/spill.py), so the runner holds neither the text nor a record per band. See
docs/dedupe.md.

The pure functions it applies are in transforms/dedupe.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import apache_beam as beam
from apache_beam.metrics import Metrics

from transforms.dedupe import (
    DedupeConfig,
    Node,
    bucket_links,
    keeper_rank,
    merge_groups,
    own_key,
    resolve_group,
)
from transforms.minhash import (
    BAND_KEY_BYTES,
    MinHasher,
    band_keys,
    check_sketch,
    estimated_jaccard,
    shingle_hashes,
)
from transforms.records import text_key
from transforms.steps.components import ConnectedComponents
from transforms.steps.spill import (
    Spill,
    SpillingCombinePerKey,
    SpillingGroupByKey,
    SpillValues,
    unspill,
)
from transforms.steps.stage import METRICS_NAMESPACE, RejectingDoFn, keep_or_reject

_GROUPS = "groups"


class _Sketch(beam.DoFn):
    """doc -> (text key, doc) and, tagged, (text key, (node, size, bands, sketch))."""

    def __init__(self, config: DedupeConfig):
        self._config = config
        self._hasher: MinHasher | None = None

    def setup(self):
        if self._config.near:
            self._hasher = MinHasher(self._config.num_hashes, self._config.seed)

    def process(self, doc: dict[str, Any]):
        config = self._config
        key = text_key(doc["text"]) if config.exact else own_key(doc["id"])
        yield key, doc
        bands = sketch = b""  # band keys concatenated: one object, not one per band
        if self._hasher is not None:
            shingles = shingle_hashes(doc["text"], config.shingle, config.ngram)
            if shingles.size:  # an empty document has nothing to compare
                signature = self._hasher.signature(shingles)
                bands = b"".join(band_keys(signature, config.bands, config.rows))
                sketch = check_sketch(signature) if config.check_candidates else b""
        group = (keeper_rank(doc, config.keeper), doc.get("cluster_size") or 1, bands, sketch)
        yield beam.pvalue.TaggedOutput(_GROUPS, (key, group))


class _MergeGroups(beam.CombineFn):
    """Combiner for text groups: constant memory however many copies a text has."""

    def create_accumulator(self):
        return None

    def add_input(self, accumulator, group):
        return merge_groups(accumulator, group)

    def merge_accumulators(self, accumulators):
        merged = None
        for accumulator in accumulators:
            merged = merge_groups(merged, accumulator)
        return merged

    def extract_output(self, accumulator):
        return accumulator


class _LinkBucket(beam.DoFn):
    def __init__(self, max_bucket_size: int):
        self._max = max_bucket_size
        self._links = Metrics.counter(METRICS_NAMESPACE, "dedupe.candidates")
        self._hot = Metrics.counter(METRICS_NAMESPACE, "dedupe.buckets.hot")
        self._hot_members = Metrics.counter(METRICS_NAMESPACE, "dedupe.buckets.hot_members")

    def process(self, bucket):
        _, members = bucket
        size = sum(1 for _ in members)
        if size > self._max:
            self._hot.inc()
            self._hot_members.inc(size)
        for link in bucket_links(members, size, self._max):
            self._links.inc()
            yield link


def _send_sketch_to_anchors(node: Node, items: Iterable[tuple[str, Any]]):
    """Grouped by member: (anchor, (member, member's sketch)) once per distinct anchor."""
    sketch = None
    anchors = set()  # at most two per band: bounded by 2 * bands
    for tag, value in items:
        if tag == "sketch":
            sketch = value
        else:
            anchors.add(value)
    for anchor in anchors:
        yield anchor, ("candidate", (node, sketch))


class _CheckAgainstAnchor(beam.DoFn):
    """Grouped by anchor: keep the links whose estimated Jaccard reaches ``min_jaccard``."""

    def __init__(self, min_jaccard: float):
        self._min = min_jaccard
        self._dropped = Metrics.counter(METRICS_NAMESPACE, "dedupe.candidates.below_min_jaccard")

    def process(self, anchor_and_items):
        anchor, items = anchor_and_items
        own = next(value for tag, value in items if tag == "sketch")
        for tag, value in items:
            if tag != "candidate":
                continue
            member, sketch = value
            if estimated_jaccard(sketch, own) >= self._min:
                yield member, anchor
            else:
                self._dropped.inc()


class _CheckCandidates(beam.PTransform):
    """(links, sketches by node) -> the links whose two ends pass the estimated-Jaccard check.

    Two joins keyed by node bring both sketches to the anchor: by member (attach its sketch,
    drop repeated links), then by anchor (compare with the anchor's own sketch).
    """

    def __init__(self, min_jaccard: float, spill: Spill | None):
        super().__init__()
        self._min = min_jaccard
        self._spill = spill

    def expand(self, pcolls):
        links, sketches = pcolls
        candidates = (
            (
                sketches,
                links | "Tag anchors" >> beam.MapTuple(_tag, tag="anchor"),
            )
            | "Group by member" >> SpillingGroupByKey(self._spill)
            | "Send sketch to anchors" >> beam.FlatMapTuple(_send_sketch_to_anchors)
        )
        return (
            (sketches, candidates)
            | "Group by anchor" >> SpillingGroupByKey(self._spill)
            | "Compare with anchor" >> beam.ParDo(_CheckAgainstAnchor(self._min))
        )


class _AssignKeepers(beam.DoFn):
    """Grouped by node: its text group, and its component root if it has one.

    A node with a root is a near duplicate: its text group's verdict names the root; its size
    goes to the root. A node without one is a keeper and sends its own size (and text key).
    """

    def process(self, node_and_items):
        node, items = node_and_items
        key, size, roots = None, 0, set()
        for tag, value in items:
            if tag == "group":
                key, size = value
            else:
                roots.add(value)
        if len(roots) > 1:
            raise RuntimeError(f"dedupe: node {node[2]!r} has {len(roots)} component roots")
        if roots:
            root = roots.pop()
            yield key, ("verdict", (node[2], root[2], 0))
            yield beam.pvalue.TaggedOutput("size", (root, (size, None)))
        else:
            yield beam.pvalue.TaggedOutput("size", (node, (size, key)))


class _ClusterSize(beam.CombineFn):
    """(total size, the root's text key) of a cluster, combined without holding its members."""

    def create_accumulator(self):
        return 0, None

    def add_input(self, accumulator, value):
        return accumulator[0] + value[0], accumulator[1] or value[1]

    def merge_accumulators(self, accumulators):
        total, key = 0, None
        for size, root_key in accumulators:
            total, key = total + size, key or root_key
        return total, key

    def extract_output(self, accumulator):
        return accumulator


def _tag(key: Any, value: Any, tag: str = "", index: Any = None) -> tuple[Any, tuple[str, Any]]:
    """(key, (tag, value)), or (key, (tag, value[index])): inputs of a tagged join."""
    return key, (tag, value if index is None else value[index])


def _by_node(key: bytes, group: tuple) -> tuple[Node, tuple]:
    """A text group keyed by its node: (node, (text key, size, sketch))."""
    node, size, _, sketch = group
    return node, (key, size, sketch)


def _band_records(key: bytes, group: tuple) -> Iterator[tuple[bytes, Node]]:
    node, _, bands, _ = group
    for start in range(0, len(bands), BAND_KEY_BYTES):
        yield bands[start : start + BAND_KEY_BYTES], node


def _keeper_verdict(root: Node, size_and_key: tuple[int, bytes]):
    size, key = size_and_key
    return key, ("verdict", (root[2], root[2], size))


class _NearDuplicates(beam.PTransform):
    """(text key, group) for each distinct text -> (text key, ("verdict", Verdict))."""

    def __init__(self, config: DedupeConfig, spill: Spill | None):
        super().__init__()
        self._config = config
        self._spill = spill

    def expand(self, groups):
        config = self._config
        by_node = groups | "By node" >> beam.MapTuple(_by_node)
        links = (
            groups
            | "Band keys" >> beam.FlatMapTuple(_band_records)
            | "Group buckets" >> SpillingGroupByKey(self._spill)
            | "Link bucket members" >> beam.ParDo(_LinkBucket(config.max_bucket_size))
        )
        if config.check_candidates:
            sketches = by_node | "Sketches" >> beam.MapTuple(_tag, tag="sketch", index=2)
            links = (links, sketches) | "Check candidates" >> _CheckCandidates(
                config.min_jaccard, self._spill
            )
        else:
            links = links | "Distinct links" >> beam.Distinct()
        roots = links | "Connected components" >> ConnectedComponents(config.max_rounds)
        assigned = (
            (
                by_node | "Tag groups" >> beam.MapTuple(_tag, tag="group", index=slice(0, 2)),
                roots | "Tag roots" >> beam.MapTuple(_tag, tag="root"),
            )
            | "Group by node" >> SpillingGroupByKey(self._spill)
            | "Assign keepers" >> beam.ParDo(_AssignKeepers()).with_outputs("size", main="verdict")
        )
        keepers = (
            assigned.size
            | "Cluster sizes" >> SpillingCombinePerKey(_ClusterSize(), self._spill)
            | "Keeper verdicts" >> beam.MapTuple(_keeper_verdict)
        )
        return (assigned.verdict, keepers) | "All verdicts" >> beam.Flatten()


class _Resolve(RejectingDoFn):
    """Grouped by text key: the text group's documents, kept or rejected by its verdict."""

    def process(self, key_and_items):
        for outcome in resolve_group(key_and_items[1], load=unspill):
            yield self.route(outcome)


def _exact_verdict(key: bytes, group: tuple):
    node, size = group[0], group[1]
    return key, ("verdict", (node[2], node[2], size))


class Deduplicate(beam.PTransform):
    """Documents -> (kept documents with ``cluster_size``, rejected rows with ``duplicate_of``).

    Exact dedupe first, then near dedupe over one representative per text, as configured.
    The output depends only on the set of input documents and the config.
    """

    def __init__(self, config: DedupeConfig | None = None, spill: Spill | None = None):
        super().__init__()
        self._config = config or DedupeConfig()
        self._spill = spill

    def expand(self, docs):
        config = self._config
        if not (config.exact or config.near):
            return docs, docs.pipeline | "No duplicates removed" >> beam.Create([])
        sketched = docs | "Sketch" >> beam.ParDo(_Sketch(config)).with_outputs(_GROUPS, main="docs")
        groups = sketched[_GROUPS] | "Exact keepers" >> SpillingCombinePerKey(
            _MergeGroups(), self._spill
        )
        if config.near:
            verdicts = groups | "Near duplicates" >> _NearDuplicates(config, self._spill)
        else:
            verdicts = groups | "Exact verdicts" >> beam.MapTuple(_exact_verdict)
        docs_by_text = (
            sketched.docs
            | "Spill documents" >> SpillValues(self._spill)
            | "Tag documents" >> beam.MapTuple(_tag, tag="doc")
        )
        text_groups = (docs_by_text, verdicts) | "Group by text" >> SpillingGroupByKey(self._spill)
        return keep_or_reject(text_groups, "Resolve", _Resolve("dedupe"))
