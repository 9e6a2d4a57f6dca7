"""Beam PTransforms, each a thin shell over the Beam-free core in transforms/ (see the README)."""
