"""`python -m bot bench qa`: the figures it prints (build, load, latency, memory, accuracy, the rank_bm25 baseline)."""

import json
import subprocess
import sys

from tests_paths import PROJECT_ROOT


def test_bench_qa_reports_speed_accuracy_and_the_baseline(tmp_path) -> None:
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        "\n".join(
            json.dumps(item, ensure_ascii=False)
            for item in [
                {"id": "a", "q": "机关单位买中小企业的东西最晚多少天付款", "accept": ["30日内支付款项"], "kind": "policy"},
                {"id": "b", "q": "今天天气怎么样", "accept": [], "kind": "oos"},
            ]
        ),
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "bot", "bench", "qa", "--questions", str(questions), "--repeat", "2", "--json"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["clauses"] > 400 and figures["questions"] == 2
    assert 0 < figures["p50_ms"] <= figures["p99_ms"] <= figures["max_ms"]
    assert figures["accuracy[q.jsonl]"]["top1"] == 1.0 and figures["accuracy[q.jsonl]"]["oos_declined"] == 1.0
    assert figures["baseline_questions"] == 1 and "speedup_p50" in figures and figures["rss_mb"] > 0
