"""kprep's layers: pipeline/ -> transforms/steps/ (Beam) -> the Beam-free core; nothing imports up.

    pipeline            graphs, CLI, report, verify            may import every layer below
    runners, trainer    Beam runner choice; torch trainer      core (runners: also steps)
    transforms/steps    PTransforms over the core              core
    tokenizer_training  BPE training, Kiwi, the sample's rules  core
    core                transforms/*                           core only, and no Beam graph API

tokenizer_training and core modules may use Beam's filesystem layer
(``apache_beam.io.filesystem[s]``) to open files on gs:// or s3://, nothing else of Beam. No two
packages import each other both ways.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("pipeline", "runners", "trainer", "transforms", "tokenizer_training")
ALLOWED = {
    "core": {"core"},
    "steps": {"core", "steps"},
    "runners": {"core", "steps", "runners"},
    "trainer": {"core", "trainer"},
    "tokenizer_training": {"core", "tokenizer_training"},
    "pipeline": {"core", "steps", "runners", "trainer", "tokenizer_training", "pipeline"},
}
BEAM_IN_CORE = ("apache_beam.io.filesystem", "apache_beam.io.filesystems")


def layer(module: str) -> str | None:
    if module.startswith("transforms.steps"):
        return "steps"
    if module.startswith("transforms"):
        return "core"
    top = module.split(".")[0]
    return top if top in PACKAGES else None


def imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.extend(f"{node.module}.{alias.name}" for alias in node.names)
    return found


MODULES = sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_imports_a_layer_above_its_own(path):
    module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    own = layer(module)
    upward = [name for name in imports(path) if layer(name) not in (None, *ALLOWED[own])]
    assert not upward, f"{module} ({own}) imports {upward}"
    if own in ("core", "tokenizer_training"):
        beam = [n for n in imports(path) if n.startswith("apache_beam")]
        assert all(n.startswith(BEAM_IN_CORE) for n in beam), f"{module} uses Beam: {beam}"


def test_the_layers_are_all_populated():
    layers = {layer(".".join(p.relative_to(ROOT).with_suffix("").parts)) for p in MODULES}
    assert layers == set(ALLOWED)
