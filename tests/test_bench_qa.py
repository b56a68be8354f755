"""`python -m bot bench qa`: the figures it prints (build, load, latency, memory, accuracy, the rank_bm25 baseline)."""

import json
import subprocess
import sys

from question_files import TWO_QUESTIONS, write_questions
from tests_paths import PROJECT_ROOT


def test_bench_qa_reports_speed_accuracy_and_the_baseline(tmp_path) -> None:
    placed = {"id": "c", "q": "辽源那边注销公司能不能一次在网上办完", "accept": ["推动经营主体注销“一次办”"], "kind": "policy"}
    questions = write_questions(tmp_path / "q.jsonl", [*TWO_QUESTIONS, placed])
    done = subprocess.run(
        [sys.executable, "-m", "bot", "bench", "qa", "--questions", str(questions), "--repeat", "2", "--json"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["clauses"] > 400 and figures["questions"] == 3
    assert 0 < figures["p50_ms"] <= figures["p99_ms"] <= figures["max_ms"]
    assert figures["accuracy[q.jsonl]"]["top1"] == 1.0 and figures["accuracy[q.jsonl]"]["oos_declined"] == 1.0
    assert figures["region_named[q.jsonl]"] == {"policy_questions": 1, "top1": 1.0, "top3": 1.0}  # only 辽源's question
    assert figures["baseline[q.jsonl]"]["questions"] == 2 and figures["baseline[q.jsonl]"]["region_named"] == 1
    assert figures["baseline_questions"] == 2 and "speedup_p50" in figures and figures["rss_mb"] > 0
    assert 0 < figures["add_one_s"] and 0 < figures["rebuild_all_s"] and figures["add_vs_rebuild"].endswith("x")
