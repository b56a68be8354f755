"""Webhook load: policy questions in safe mode posted to the served app (gunicorn) from this separate process.

Reports messages per second, p50/p99 latency, and checks that no message was lost or doubled: every request is
answered 200 with an encrypted reply to its sender, WeChat-style retries (``--retries`` of the messages are sent
a second time) get the first answer again, and the database holds exactly one answer and one question-log row
per distinct message. The same load then goes to the obvious alternative, Flask's development server (one
process), on a fresh database, and the ratio is reported.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[2]
QUESTIONS = PROJECT_ROOT / "tests" / "data" / "qa_colloquial.jsonl"
TOKEN, APP_ID = "bench-token", "wxbench0000000001"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--messages", type=int, default=3000, help="distinct messages per server (default 3000)")
    parser.add_argument("--retries", type=float, default=0.1, help="share of messages sent twice, as WeChat retries (default 0.1)")
    parser.add_argument("--concurrency", type=int, default=8, help="connections sending at once (default 8)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (default 4)")
    parser.add_argument("--database-url", help="run on this database (emptied first!) instead of a fresh SQLite file, e.g. PostgreSQL")
    parser.add_argument("--no-baseline", action="store_true", help="skip the Flask development server run")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _write_config(folder: Path, knowledge: Path, database_url: str | None = None) -> Path:
    config = {
        "instance_path": str(folder),
        "database_url": database_url,
        "knowledge": {"path": str(knowledge)},
        "wechat": {"mp": {"app_id": APP_ID, "app_secret": "", "token": TOKEN, "encoding_aes_key": AES_KEY}},
    }
    path = folder / "bench.yaml"
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def _requests(count: int, retries: float, tag: str) -> list[dict[str, Any]]:
    """Signed, encrypted callbacks built before timing starts; retried ones appear twice, later in the run."""
    from wechatpy.crypto import WeChatCrypto

    from bot.channels.security import sign

    questions = [json.loads(line)["q"] for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
    users = max(1, count // 10)  # at most ~10 messages per user: below the 20-a-minute limit
    timestamp = str(int(time.time()))
    built = []
    for number in range(count):
        sender, msg_id = f"o-bench-{number % users}", f"{tag}{number}"
        xml = (f"<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><FromUserName><![CDATA[{sender}]]></FromUserName>"
               f"<CreateTime>{timestamp}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
               f"<Content><![CDATA[{questions[number % len(questions)]}]]></Content><MsgId>{msg_id}</MsgId></xml>")
        nonce = f"n{number}"
        encrypted = crypto.encrypt_message(xml, nonce, timestamp)
        encrypt = encrypted.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
        query = {"signature": sign(TOKEN, timestamp, nonce), "timestamp": timestamp, "nonce": nonce, "openid": sender,
                 "encrypt_type": "aes", "msg_signature": sign(TOKEN, timestamp, nonce, encrypt)}
        body = f"<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
        built.append({"msg_id": msg_id, "sender": sender, "nonce": nonce, "path": "/wechat/mp?" + urlencode(query), "body": body.encode()})
    rng = random.Random(7)
    repeats = [dict(item) for item in rng.sample(built, int(count * retries))]
    for item in repeats:  # the retry arrives 5 to 200 messages after the original, sometimes while it is in flight
        position = next(index for index, other in enumerate(built) if other["msg_id"] == item["msg_id"])
        built.insert(min(len(built), position + rng.randint(5, 200)), item)
    return built


def _send_all(port: int, items: list[dict[str, Any]], concurrency: int) -> tuple[float, list[tuple[dict, int, bytes, float]]]:
    """Send ``items`` over ``concurrency`` keep-alive connections; (seconds, [(item, status, body, latency)])."""
    results: list[tuple[dict, int, bytes, float]] = []
    lock, cursor = threading.Lock(), iter(items)

    def worker() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                item = next(cursor, None)
            if item is None:
                break
            started = time.perf_counter()
            try:
                connection.request("POST", item["path"], body=item["body"], headers={"Content-Type": "text/xml"})
                response = connection.getresponse()
                status, body = response.status, response.read()
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
            except (OSError, http.client.HTTPException):
                connection.close()
                status, body = 0, b""
            with lock:
                results.append((item, status, body, time.perf_counter() - started))
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, results


def _check(results: list[tuple[dict, int, bytes, float]], config_path: Path) -> dict[str, int]:
    """Lost, wrong and doubled messages, from the replies and from the database."""
    import xmltodict
    from sqlalchemy import func, select
    from wechatpy.crypto import WeChatCrypto

    from bot.config import load_config
    from bot.runtime import Runtime
    from bot.store.inbound import InboundMessage
    from bot.store.questions import QuestionLog

    crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
    first_answer: dict[str, str] = {}
    lost = wrong = different_retry = 0
    for item, status, body, _latency in results:
        if status != 200 or not body.startswith(b"<xml>"):
            lost += 1
            continue
        envelope = xmltodict.parse(body)["xml"]
        reply = xmltodict.parse(crypto.decrypt_message(body, envelope["MsgSignature"], envelope["TimeStamp"], item["nonce"]))["xml"]
        if reply["ToUserName"] != item["sender"] or not reply.get("Content"):
            wrong += 1
        previous = first_answer.setdefault(item["msg_id"], reply.get("Content", ""))
        different_retry += previous != reply.get("Content", "")
    runtime = Runtime(load_config(config_path, environ={}))
    with runtime.session() as session:
        answers = session.scalar(select(func.count()).select_from(InboundMessage))
        logged = session.scalar(select(func.count()).select_from(QuestionLog))
    runtime.engine.dispose()
    distinct = len({item["msg_id"] for item, *_ in results})
    return {"lost": lost, "wrong": wrong, "retry_answered_differently": different_retry,
            "doubled": max(0, answers - distinct) + max(0, logged - distinct), "missing_in_db": max(0, distinct - answers)}


def _empty_database(url: str) -> None:
    from bot.store.base import Base, import_models, make_engine

    import_models()
    engine = make_engine(url)
    Base.metadata.drop_all(engine)
    engine.dispose()


def _cpu_seconds(pid: int) -> float:
    """CPU time used so far by the server process and its children (the gunicorn workers)."""
    import psutil

    parent = psutil.Process(pid)
    total = 0.0
    for process in [parent, *parent.children(recursive=True)]:
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


def _machine_busy_seconds() -> float:
    """CPU time all processes of the machine have used (other people's work shows in the difference)."""
    import psutil

    times = psutil.cpu_times()
    return times.user + times.system + getattr(times, "irq", 0) + getattr(times, "softirq", 0)


def _wait_healthy(port: int, process: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError("server exited before it was ready")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("server not healthy in time")


def _run_server(name: str, command: list[str], folder: Path, knowledge: Path, args: argparse.Namespace, tag: str) -> dict[str, Any]:
    config_path = _write_config(folder, knowledge, args.database_url)
    if args.database_url:
        _empty_database(args.database_url)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZQT_") and k != "DATABASE_URL"}
    env.update({"BOT_CONFIG": str(config_path), "PYTHONPATH": str(PROJECT_ROOT), "BENCH_PORT": str(port)})
    items = _requests(args.messages, args.retries, tag)
    log = (folder / "server.log").open("w")  # not a pipe: a full pipe would stall the server's logging
    process = subprocess.Popen([arg.replace("{port}", str(port)) for arg in command], env=env, cwd=folder,
                               stdout=log, stderr=log, text=True)
    try:
        _wait_healthy(port, process)
        _seconds, warm_up = _send_all(port, items[:50], args.concurrency)  # excluded from the timing
        server_before, client_before, machine_before = _cpu_seconds(process.pid), time.process_time(), _machine_busy_seconds()
        seconds, results = _send_all(port, items[50:], args.concurrency)
        server_cpu, client_cpu = _cpu_seconds(process.pid) - server_before, time.process_time() - client_before
        others_cpu = _machine_busy_seconds() - machine_before - server_cpu - client_cpu
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()
    latencies = sorted(latency for *_rest, latency in results)
    results = warm_up + results
    figures = {
        "server": name, "requests": len(latencies), "seconds": round(seconds, 2),
        "messages_per_second": round(len(latencies) / seconds, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1),
        "server_cpu_ms_per_message": round(server_cpu * 1000 / len(latencies), 2),
        "client_cpu_ms_per_message": round(client_cpu * 1000 / len(latencies), 2),
        "other_processes_cores": round(max(0.0, others_cpu) / seconds, 2),
    }
    figures.update(_check(results, config_path))
    return figures


def run(args: argparse.Namespace) -> int:
    from bot.config import load_config
    from bot.runtime import Runtime

    with tempfile.TemporaryDirectory(prefix="zqt-bench-webhook-") as tmp:
        root = Path(tmp)
        knowledge = root / "knowledge"
        Runtime(load_config(_write_config(root / "prepare", knowledge), environ={})).knowledge  # build the index once
        served = _run_server(
            f"gunicorn {args.workers}x{args.threads} (python -m bot serve)",
            [sys.executable, "-m", "bot", "serve", "--port", "{port}", "--workers", str(args.workers),
             "--threads", str(args.threads), "--no-outbox-worker"],
            root / "served", knowledge, args, "g")
        runs = [served]
        if not args.no_baseline:
            dev_server = ("from bot.web.wsgi import app; import os; "
                          "app.run(host='127.0.0.1', port=int(os.environ['BENCH_PORT']), threaded=True)")
            runs.append(_run_server("Flask development server", [sys.executable, "-c", dev_server], root / "dev", knowledge, args, "d"))
    if len(runs) == 2:
        served["ratio_vs_dev_server"] = round(served["messages_per_second"] / runs[1]["messages_per_second"], 2)
    if args.json:
        print(json.dumps(runs, ensure_ascii=False))
        return 0
    print(f"webhook bench: {args.messages} messages + {args.retries:.0%} retried, safe mode, {args.concurrency} connections, {os.cpu_count()} cores")
    for figures in runs:
        print(f"  {figures['server']:<42} {figures['messages_per_second']:>7.1f} msg/s  p50 {figures['p50_ms']:>6.1f} ms  "
              f"p99 {figures['p99_ms']:>6.1f} ms  cpu/msg server {figures['server_cpu_ms_per_message']:.2f} ms "
              f"client {figures['client_cpu_ms_per_message']:.2f} ms  others {figures['other_processes_cores']:.2f} cores  "
              f"lost {figures['lost']}  wrong {figures['wrong']}  "
              f"doubled {figures['doubled']}  retry≠first {figures['retry_answered_differently']}  missing {figures['missing_in_db']}")
    if "ratio_vs_dev_server" in served:
        print(f"  gunicorn / dev server: {served['ratio_vs_dev_server']:.2f}x")
    bad = sum(figures[key] for figures in runs for key in ("lost", "wrong", "doubled", "retry_answered_differently", "missing_in_db"))
    return 1 if bad else 0
