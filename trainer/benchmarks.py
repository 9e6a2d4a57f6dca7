"""Benchmarks through EleutherAI's lm-evaluation-harness, offline by default.

kprep ships KoBEST-format multiple-choice tasks as lm-eval task YAML (trainer/eval_tasks/:
``ko_copa``, ``ko_boolq``, ``ko_hellaswag``, ``ko_sentineg``, ``ko_wic``; tag ``ko_kobest``) with
the prompts of lm-eval's own ``kobest_*`` tasks. They read the benchmark from local files,
``BENCHMARK_DIR/<task>/{train,validation,test}.jsonl`` (or ``.parquet``): at run time kprep
copies the YAML into a scratch dir with ``data_files`` pointing there, so nothing is downloaded.
Any other task name (lm-eval's ``kobest_copa``, ``haerae``, ...) goes to lm-eval as it is, with
the Hugging Face hub switched off unless the user allows downloads, so it runs from the
``datasets`` cache or says what is missing. A ``--task-dir`` of the user's own YAML is added to
lm-eval's task search path.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

TASKS_DIR = Path(__file__).resolve().parent / "eval_tasks"
KOBEST_TAG = "ko_kobest"
SPLITS = ("train", "validation", "test")
FORMATS = {".jsonl": "json", ".json": "json", ".parquet": "parquet"}
REFERENCE = TASKS_DIR / "polyglot_ko_1.3b.json"
OFFLINE = {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}


class EvalTaskError(ValueError):
    """A task cannot run: its files are missing or lm-eval does not know it."""


class _Function(str):
    """A ``!function module.name`` tag of lm-eval's YAML, kept as written."""


class _TaskLoader(yaml.SafeLoader):
    pass


class _TaskDumper(yaml.SafeDumper):
    pass


_TaskLoader.add_constructor("!function", lambda loader, node: _Function(node.value))
_TaskDumper.add_representer(
    _Function, lambda dumper, value: dumper.represent_scalar("!function", str(value))
)


def kprep_tasks() -> dict[str, dict[str, Any]]:
    """kprep's own task configs by name."""
    tasks = {}
    for path in sorted(TASKS_DIR.glob("*.yaml")):
        config = yaml.load(path.read_text(encoding="utf-8"), Loader=_TaskLoader)
        tasks[config["task"]] = config
    return tasks


def expand_names(names: Sequence[str]) -> list[str]:
    """Task names with kprep's tag (``ko_kobest``) expanded into its tasks."""
    own = kprep_tasks()
    expanded: list[str] = []
    for name in names:
        members = [task for task, cfg in own.items() if cfg.get("tag") == name]
        expanded.extend(members or [name])
    return list(dict.fromkeys(expanded))


def split_files(task: str, benchmark_dir: Path) -> dict[str, Path]:
    """The split files present for one of kprep's tasks under ``benchmark_dir/task``."""
    found = {}
    for split in SPLITS:
        for suffix in FORMATS:
            path = benchmark_dir / task / f"{split}{suffix}"
            if path.is_file():
                found[split] = path
                break
    return found


def _missing_message(task: str, config: dict[str, Any], benchmark_dir: Path | None) -> str:
    where = benchmark_dir / task if benchmark_dir else Path("BENCHMARK_DIR") / task
    fields = ", ".join(config["metadata"]["fields"])
    kobest = config["metadata"]["kobest_config"]
    return (
        f"{task} needs its test split as {where}/test.jsonl (or .parquet), one item per line "
        f"with the fields {fields} (KoBEST's '{kobest}'); train.jsonl is needed for few-shot "
        f'prompts. On a machine with the Hugging Face hub: python -c "import datasets; '
        f"d = datasets.load_dataset('skt/kobest_v1', '{kobest}'); "
        f"[d[s].to_json(f'{where}/{{s}}.jsonl', force_ascii=False) for s in d]\""
        + ("" if benchmark_dir else "; then pass --benchmark-dir BENCHMARK_DIR")
    )


def render_tasks(
    names: Sequence[str], benchmark_dir: Path | None, into: Path, fewshot: bool
) -> None:
    """Write kprep's tasks among ``names`` into ``into`` with their data files set; the other
    names are lm-eval's own and are left to it."""
    own = kprep_tasks()
    shutil.copy2(TASKS_DIR / "utils.py", into / "utils.py")
    found = {
        name: split_files(name, benchmark_dir) if benchmark_dir else {}
        for name in names
        if name in own
    }
    missing = [
        _missing_message(name, own[name], benchmark_dir)
        for name, files in found.items()
        if "test" not in files or (fewshot and "train" not in files)
    ]
    if missing:  # every task's files at once, not one per try
        raise EvalTaskError("\n".join(missing))
    for name, files in found.items():
        config = dict(own[name])
        formats = {FORMATS[path.suffix] for path in files.values()}
        if len(formats) > 1:
            raise EvalTaskError(f"{benchmark_dir / name}: mix of JSONL and Parquet splits")
        config["dataset_path"] = formats.pop()
        config["dataset_kwargs"] = {"data_files": {s: str(p) for s, p in files.items()}}
        for split in SPLITS:
            if split not in files:
                config.pop(f"{'training' if split == 'train' else split}_split", None)
        (into / f"{name}.yaml").write_text(
            yaml.dump(config, Dumper=_TaskDumper, allow_unicode=True, sort_keys=False),
            encoding="utf-8",
        )


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _scores(results: dict[str, Any]) -> dict[str, float]:
    """lm-eval's "metric,filter" keys as plain metric names (stderr kept as metric_stderr)."""
    scores = {}
    for key, value in results.items():
        if "," not in key or not isinstance(value, int | float):
            continue
        metric, _filter = key.split(",", 1)
        scores[metric] = float(value)
    return scores


def run_benchmarks(
    model_dir: str | Path,
    names: Sequence[str],
    num_fewshot: Sequence[int] = (0,),
    benchmark_dir: str | Path | None = None,
    task_dir: str | Path | None = None,
    limit: int | None = None,
    device: str = "cpu",
    batch_size: int = 8,
    allow_download: bool = False,
) -> dict[str, Any]:
    """Scores of the model on each task at each few-shot count, by task then shots."""
    names = expand_names(names)
    bench = Path(benchmark_dir).resolve() if benchmark_dir else None
    scores: dict[str, dict[str, dict[str, float]]] = {}
    samples: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="kprep-tasks-") as scratch:
        render_tasks(names, bench, Path(scratch), fewshot=max(num_fewshot) > 0)  # files first
        try:
            import lm_eval
            from lm_eval.tasks import TaskManager
        except ImportError as err:
            raise EvalTaskError(
                f"lm-evaluation-harness is not installed ({err}); pip install 'kprep[eval]'"
            ) from err
        include = [scratch] + ([str(Path(task_dir).resolve())] if task_dir else [])
        with _environment({} if allow_download else OFFLINE):
            manager = TaskManager(include_path=include)
            unknown = [n for n in names if n not in manager.all_tasks]
            if unknown:
                raise EvalTaskError(
                    f"unknown task(s) {', '.join(unknown)}: kprep's are "
                    f"{', '.join(kprep_tasks())} (tag {KOBEST_TAG}); others are lm-eval's "
                    "(`lm-eval ls tasks`) or YAML in --task-dir"
                )
            for shots in num_fewshot:
                result = lm_eval.simple_evaluate(
                    model="hf",
                    model_args=f"pretrained={Path(model_dir).resolve()},dtype=float32",
                    tasks=names,
                    num_fewshot=shots,
                    limit=limit,
                    device=device,
                    batch_size=batch_size,
                    task_manager=manager,
                    random_seed=0,
                    numpy_random_seed=1234,
                    torch_random_seed=1234,
                    fewshot_random_seed=1234,
                    log_samples=False,
                    bootstrap_iters=0,  # no stderr: its bootstrap of F1 costs more than the run
                )
                for task, values in result["results"].items():
                    scores.setdefault(task, {})[str(shots)] = _scores(values)
                for task, counts in result.get("n-samples", {}).items():
                    samples[task] = int(counts.get("effective", 0))
    return {
        "tasks": scores,
        "samples": samples,
        "num_fewshot": list(num_fewshot),
        "limit": limit,
        "lm_eval_version": getattr(lm_eval, "__version__", None),
    }


def reference_scores() -> dict[str, Any]:
    """Polyglot-Ko 1.3B's KoBEST figures as its model card reports them."""
    return json.loads(REFERENCE.read_text(encoding="utf-8"))
