"""Defaults that suit each kprep stage on Google Cloud Dataflow.

The pipelines are the same as on the local runner; only options change. kprep fills in what a
user would otherwise have to know (per-stage machine types, how workers get kprep's code) and
leaves every option the user passes alone. Every stage gets standard 8-vCPU workers: Dataflow
Shuffle keeps the groupings off the workers, and the most one SDK process holds (an output
shard being sorted: ~0.9 GB in prepare, ~2 GB in tokenize at 1.2 TB; docs/scale.md) fits the
4 GB per vCPU of an n2-standard machine.
Dataflow Shuffle and Runner v2 are Dataflow's batch defaults and are kept.
"""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
STAGE_MACHINE_TYPES = {
    "prepare": "n2-standard-8",
    "train_tokenizer": "n2-standard-8",
    "tokenize": "n2-standard-8",
}


def _given(beam_args: list[str], flag: str) -> bool:
    return any(arg == flag or arg.startswith(flag + "=") for arg in beam_args)


def with_stage_defaults(beam_args: list[str], stage: str | None) -> list[str]:
    """``beam_args`` plus kprep's Dataflow defaults for ``stage`` where the user set none."""
    args = list(beam_args)
    if stage in STAGE_MACHINE_TYPES and not _given(args, "--machine_type"):
        args.append(f"--machine_type={STAGE_MACHINE_TYPES[stage]}")
    if stage and not _given(args, "--job_name"):
        # Dataflow job names: lower case, digits and hyphens.
        args.append(f"--job_name=kprep-{stage.replace('_', '-')}")
    if _given(args, "--sdk_container_image"):
        if not _given(args, "--sdk_location"):
            args.append("--sdk_location=container")  # the image already holds kprep
    elif not _given(args, "--setup_file"):
        args.append(f"--setup_file={PROJECT_ROOT / 'setup.py'}")  # stage kprep as a package
    return args
