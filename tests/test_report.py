import base64
import json
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline.report import cluster_bins, write_report

CHROMIUM = Path("/usr/bin/chromium")
SECTIONS = (
    *("funnel", "reasons", "pii", "language", "signals", "clusters", "lengths", "tokenizer"),
    *("shards", "sources", "times"),
)


@pytest.fixture
def report_dir(run_dir, tmp_path):
    """A copy of the shared sample run, so writing the report leaves the shared one as it was."""
    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    return copy


def images(page: str) -> list[bytes]:
    return [
        base64.b64decode(data) for data in re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    ]


@pytest.mark.slow
def test_report_of_the_sample_run(report_dir):
    html_path, md_path = write_report(str(report_dir))
    assert (html_path, md_path) == (str(report_dir / "report.html"), str(report_dir / "report.md"))
    page = Path(html_path).read_text(encoding="utf-8")
    for section in SECTIONS:
        assert f'<section id="{section}">' in page, section
    plots = images(page)
    assert len(plots) >= 6
    assert all(png.startswith(b"\x89PNG\r\n\x1a\n") for png in plots)
    # one self-contained file: nothing loaded from elsewhere
    assert not re.search(r'(src|href)="(?!data:)', page)
    assert "<script" not in page

    stats = json.loads((report_dir / "stats.json").read_text())["stages"]
    summary = Path(md_path).read_text(encoding="utf-8")
    prepare = stats["prepare"]
    assert f"| input records | {prepare['records_in']:,} |" in summary
    assert f"| clean/ | {prepare['clean']:,} |" in summary
    for stage, reasons in prepare["rejected_by_stage"].items():
        for reason, count in reasons.items():
            assert f"| {stage} | {reason} | {count:,} |" in summary
    masked = prepare["counters"]["pii.tel"]
    assert re.search(rf"\| tel \| <\\\|tel\\\|> \| {masked:,} \|", summary)
    assert "<|tel|>" in summary  # a masked example
    assert "| korean_share | >= 0.2 |" in summary and "| chars | >= 100, <= 100,000 |" in summary
    for shard in json.loads((report_dir / "shards" / "manifest.json").read_text())["shards"]:
        assert f"| {shard['name']} | {shard['split']} | {shard['documents']:,} |" in summary
    clean_ko = pq.read_table(report_dir / "clean", columns=["lang"]).column("lang").to_pylist()
    assert re.search(rf"\| ko \| {clean_ko.count('ko'):,} \| \d+ \|", summary)


@pytest.mark.slow
def test_report_of_a_run_that_stopped_after_prepare(report_dir):
    for later in ("tokenizer", "shards", "model", "tokenizer_sample"):
        shutil.rmtree(report_dir / later, ignore_errors=True)
    stats_path = report_dir / "stats.json"
    stats = json.loads(stats_path.read_text())
    stats["stages"] = {"prepare": stats["stages"]["prepare"]}
    stats_path.write_text(json.dumps(stats))

    html_path, md_path = write_report(str(report_dir))
    page = Path(html_path).read_text(encoding="utf-8")
    assert '<section id="funnel">' in page and '<section id="pii">' in page
    assert '<section id="shards">' not in page and '<section id="tokenizer">' not in page
    assert "## Shards" not in Path(md_path).read_text(encoding="utf-8")


def test_report_of_an_empty_directory(tmp_path):
    html_path, md_path = write_report(str(tmp_path))
    assert "No stage of this run" in Path(html_path).read_text(encoding="utf-8")
    assert "No stage of this run" in Path(md_path).read_text(encoding="utf-8")


@pytest.mark.slow
def test_report_renders_in_headless_chromium(report_dir, tmp_path):
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    html_path, _ = write_report(str(report_dir))
    screenshot = tmp_path / "report.png"
    common = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--enable-logging=stderr",
    ]
    dom = subprocess.run(
        [*common, "--dump-dom", f"file://{html_path}"], capture_output=True, text=True, timeout=120
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "kprep run report" in dom.stdout
    assert len(images(dom.stdout)) == len(images(Path(html_path).read_text(encoding="utf-8")))
    assert "CONSOLE" not in dom.stderr and "Uncaught" not in dom.stderr
    shot = subprocess.run(
        [*common, f"--screenshot={screenshot}", "--window-size=1200,3000", f"file://{html_path}"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert screenshot.read_bytes().startswith(b"\x89PNG")


def test_cluster_bins_cover_every_size_up_to_the_largest():
    assert cluster_bins(Counter({1: 95, 2: 6})) == {"1": 95, "2": 6}
    bins = cluster_bins(Counter({1: 95, 2: 6, 7: 3, 150: 1}))
    assert bins == {"1": 95, "2": 6, "3": 0, "4": 0, "5-9": 3, "10-99": 0, "100-999": 1}
    assert list(cluster_bins(Counter({1: 5, 20_000: 1})))[-1] == "10000+"
