"""``kprep eval``: judge a trained model by held-out perplexity and by benchmarks.

Perplexity is measured on a kprep run's ``valid``/``test`` shards (trainer/perplexity.py), so two
data recipes tokenized alike compare on the same tokens; benchmarks run through
lm-evaluation-harness (trainer/benchmarks.py). Both merge into ``RUN/eval.json``, which
``kprep report`` shows beside Polyglot-Ko 1.3B's published figures.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from transforms.files import read_json, write_json
from transforms.layout import RunLayout, read_manifest, shards_dir

log = logging.getLogger("kprep")
DEFAULT_TASKS = "ko_kobest"


def add_eval_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", required=True, help="Hugging Face model dir (e.g. RUN/model)")
    parser.add_argument(
        "--output",
        help="run dir to write eval.json into (default: the run holding --model, else --model)",
    )
    parser.add_argument(
        "--perplexity",
        action="store_true",
        help="loss and perplexity on the held-out shards (no benchmarks unless --tasks is given)",
    )
    parser.add_argument(
        "--data",
        help="run or shards dir for --perplexity (default: the run holding --model); "
        "must be tokenized with the model's tokenizer",
    )
    parser.add_argument(
        "--splits", default="valid,test", help="held-out splits to score (default: valid,test)"
    )
    parser.add_argument(
        "--seq-len",
        type=int,
        help="window length for --perplexity (default: the model's max_position_embeddings)",
    )
    parser.add_argument(
        "--max-tokens", type=int, help="score only the first N tokens of each split"
    )
    parser.add_argument(
        "--tasks",
        help=f"comma-separated benchmark tasks (default without --perplexity: {DEFAULT_TASKS}, "
        "kprep's KoBEST-format tasks ko_copa, ko_boolq, ko_hellaswag, ko_sentineg, ko_wic); "
        "other names are lm-eval's own",
    )
    parser.add_argument(
        "--benchmark-dir",
        help="local benchmark files for kprep's tasks: DIR/<task>/{train,validation,test}.jsonl",
    )
    parser.add_argument("--task-dir", help="a dir of your own lm-eval task YAML")
    parser.add_argument(
        "--num-fewshot",
        default="0",
        help="comma-separated few-shot counts (default: 0; e.g. 0,5,10)",
    )
    parser.add_argument("--limit", type=int, help="score only the first N items of each task")
    parser.add_argument(
        "--batch-size",
        type=int,
        default=8,
        help="windows or requests per forward pass (default: 8)",
    )
    parser.add_argument("--device", default="auto", help="cpu, cuda, cuda:1 (default: auto)")
    parser.add_argument(
        "--allow-download",
        action="store_true",
        help="let lm-eval fetch hub datasets for its own tasks (off: offline, cache only)",
    )


def run_dir_for(model_dir: Path, output: str | None) -> Path:
    """Where eval.json goes: --output, else the kprep run the model was trained in."""
    if output:
        return Path(output)
    parent = model_dir.resolve().parent
    looks_like_run = (parent / "shards").is_dir() or (parent / "stats.json").is_file()
    return parent if looks_like_run else model_dir


def _device(name: str) -> str:
    if name != "auto":
        return name
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def measure_perplexity(args: argparse.Namespace, model_dir: Path) -> dict[str, Any]:
    import torch
    from transformers import AutoModelForCausalLM

    from trainer.perplexity import check_same_tokenizer, split_perplexity

    data = Path(args.data) if args.data else run_dir_for(model_dir, None)
    check_same_tokenizer(model_dir, data)
    device = _device(args.device)
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32).to(device)
    seq_len = args.seq_len or int(model.config.max_position_embeddings)
    manifest = read_manifest(shards_dir(data))
    splits = {}
    for split in [s for s in args.splits.split(",") if s]:
        if not manifest["splits"].get(split, {}).get("tokens"):
            log.warning("%s has no %s tokens; skipped", data, split)
            continue
        splits[split] = split_perplexity(
            model, data, split, seq_len, args.batch_size, device, args.max_tokens
        )
        log.info(
            "%s: loss %.4f, perplexity %.2f",
            split,
            splits[split]["loss"],
            splits[split]["perplexity"],
        )
    if not splits:
        raise ValueError(f"{data} has no tokens in {args.splits}: nothing to score")
    return {
        "data": str(shards_dir(data).resolve()),
        "tokenizer_sha256": manifest["tokenizer"].get("sha256"),
        "splits": splits,
    }


def run_eval(args: argparse.Namespace) -> int:
    model_dir = Path(args.model)
    if not (model_dir / "config.json").is_file():
        raise FileNotFoundError(
            f"{model_dir}: no config.json; --model takes a Hugging Face model dir such as "
            "RUN/model (kprep train --output RUN/model)"
        )
    run_dir = run_dir_for(model_dir, args.output)
    eval_file = Path(RunLayout(str(run_dir)).eval_file)
    results = read_json(str(eval_file)) if eval_file.is_file() else {}
    results["model"] = str(model_dir.resolve())
    tasks = args.tasks or ("" if args.perplexity else DEFAULT_TASKS)
    if args.perplexity:
        results["perplexity"] = measure_perplexity(args, model_dir)
    if tasks:
        from trainer.benchmarks import run_benchmarks

        shots = [int(n) for n in args.num_fewshot.split(",") if n]
        results["benchmarks"] = run_benchmarks(
            model_dir,
            [t for t in tasks.split(",") if t],
            shots,
            benchmark_dir=args.benchmark_dir,
            task_dir=args.task_dir,
            limit=args.limit,
            device=_device(args.device),
            batch_size=args.batch_size,
            allow_download=args.allow_download,
        )
    write_json(str(eval_file), results)
    print(format_results(results))
    print(f"kprep eval: wrote {eval_file}")
    return 0


def format_results(results: dict[str, Any]) -> str:
    """The figures of eval.json as plain-text tables."""
    lines = []
    if ppl := results.get("perplexity"):
        lines.append(f"perplexity on {ppl['data']}")
        for split, row in ppl["splits"].items():
            lines.append(
                f"  {split:<6} {row['predicted_tokens']:>12,} tokens  loss {row['loss']:.4f}  "
                f"perplexity {row['perplexity']:.2f}"
            )
    if bench := results.get("benchmarks"):
        lines.append("benchmarks (acc / macro F1)")
        for task, by_shots in bench["tasks"].items():
            for shots, scores in by_shots.items():
                acc, f1 = scores.get("acc"), scores.get("f1")
                cells = [
                    f"acc {acc:.4f}" if acc is not None else "",
                    f"f1 {f1:.4f}" if f1 is not None else "",
                ]
                lines.append(f"  {task:<14} {shots:>3}-shot  {'  '.join(c for c in cells if c)}")
    return "\n".join(lines)
