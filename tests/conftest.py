import pytest

from pipeline.cli import main


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory):
    """One `kprep run` on the bundled sample, shared by the tests that inspect a whole run."""
    out = tmp_path_factory.mktemp("run")
    code = main(
        [
            "run",
            "--output",
            str(out),
            "--vocab-size",
            "2000",
            "--max-steps",
            "40",
            "--direct_running_mode=in_memory",
        ]
    )
    assert code == 0
    return out
