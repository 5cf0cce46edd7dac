"""A learner's Binder session, measured: one JupyterLab server, the nine chapters opened one after another.

Run by tools/binder_check.sh inside the Binder environment, with HOME holding what binder/postBuild wrote (the
kernel culler, the closed-tab shutdown). It starts ``jupyter lab`` on 127.0.0.1, and for each chapter of the notebook
edition (notebooks/, what the launch button opens) starts a session as JupyterLab does, runs every code cell in it,
reads it for ``--read`` seconds, then leaves it the way a learner leaves a tab: ``--leave close`` deletes the
session (JupyterLab with ``kernelShutdown``: closing the tab), ``--leave abandon`` only disconnects (a browser window
closed with the tab still open), so the culler must reclaim the kernel. The whole time, a sampler adds up the
resident memory of the server and every kernel it started.

Prints one line per chapter and a JSON summary; exits 1 if a chapter fails or the session's peak exceeds
``--limit-mb`` (Binder's 2048 MB).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import nbformat
import psutil
from jupyter_client import BlockingKernelClient

ROOT = Path(__file__).resolve().parents[1]


class Sampler(threading.Thread):
    """The resident memory of a process and all its descendants, every ``interval`` seconds."""

    def __init__(self, pid: int, interval: float = 0.25):
        super().__init__(daemon=True)
        self.root, self.interval, self.peak, self.window_peak, self.kernels = psutil.Process(pid), interval, 0, 0, 0
        self.stopped = threading.Event()

    def total(self) -> tuple[int, int]:
        processes = [self.root] + self.root.children(recursive=True)
        rss = 0
        for proc in processes:
            try:
                rss += proc.memory_info().rss
            except psutil.Error:
                pass
        return rss, len(processes) - 1

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            rss, self.kernels = self.total()
            self.peak, self.window_peak = max(self.peak, rss), max(self.window_peak, rss)


def _api(base: str, token: str, method: str, path: str, body: dict | None = None) -> dict | list | None:
    request = urllib.request.Request(f"{base}{path}", method=method, data=json.dumps(body).encode() if body else None,
                                     headers={"Authorization": f"token {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        data = response.read()
    return json.loads(data) if data else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def lab_server(jupyter: str, runtime: Path, *options: str, home: Path | None = None, root: Path = ROOT):
    """``jupyter lab`` on 127.0.0.1 with the settings under ``home/.jupyter`` (default: this HOME's) and a token of
    its own, serving ``root`` (the repository); yields its address, the token and the process, and stops it."""
    token, port = secrets.token_hex(16), _free_port()
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(runtime), **({"HOME": str(home)} if home else {})}
    runtime.mkdir(parents=True, exist_ok=True)
    log = runtime / "lab.log"  # a file, not a pipe: a pipe nobody reads would stop the server when it fills
    with open(log, "w") as out:
        server = subprocess.Popen([jupyter, "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
                                   f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}", "--allow-root",
                                   *options], env=env, stdout=subprocess.DEVNULL, stderr=out)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                _api(base, token, "GET", "/api/status")
                break
            except OSError:
                if server.poll() is not None:
                    raise RuntimeError(f"jupyter lab did not start:\n{log.read_text()[-3000:]}") from None
                time.sleep(0.25)
        yield base, token, server
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


def run_chapter(client: BlockingKernelClient, path: Path, timeout: float) -> str | None:
    """Run every code cell of the notebook at ``path``; the first error's name and message, or None."""
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        errors = []
        reply = client.execute_interactive(
            cell.source, timeout=timeout, allow_stdin=False,
            output_hook=lambda msg: errors.append(msg["content"]) if msg["msg_type"] == "error" else None)
        if reply["content"]["status"] != "ok" or errors:
            content = errors[0] if errors else reply["content"]
            return f"{content.get('ename')}: {content.get('evalue')}"
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jupyter", default=str(Path(sys.executable).with_name("jupyter")))
    parser.add_argument("--limit-mb", type=float, default=2048)
    parser.add_argument("--leave", choices=["abandon", "close"], default="close")
    parser.add_argument("--timeout", type=float, default=600, help="seconds allowed per cell")
    parser.add_argument("--read", type=float, default=0,
                        help="seconds the learner spends on a chapter after running it, before leaving it")
    parser.add_argument("--settle", type=float, default=90,
                        help="seconds to wait after the last chapter for the culler (abandon)")
    parser.add_argument("chapters", nargs="*", help="notebooks to open, in order (default: notebooks/*.ipynb)")
    args = parser.parse_args()
    chapters = [Path(p) for p in args.chapters] or sorted((ROOT / "notebooks").glob("*.ipynb"))

    runtime = Path(os.environ.get("JUPYTER_RUNTIME_DIR") or Path(os.environ["HOME"]) / ".jupyter-runtime")
    with lab_server(args.jupyter, runtime) as (base, token, server):
        return _session(args, chapters, base, token, server, runtime)


def _session(args, chapters, base, token, server, runtime) -> int:
    sampler = Sampler(server.pid)
    sampler.start()
    time.sleep(1)
    idle_server_mb = sampler.total()[0] / 2**20
    rows, status = [], 0
    try:
        for path in chapters:
            sampler.window_peak = 0
            start = time.perf_counter()
            session = _api(base, token, "POST", "/api/sessions", {
                "path": str(path.resolve().relative_to(ROOT)), "type": "notebook", "name": path.name,
                "kernel": {"name": "python3"}})
            kernel = session["kernel"]["id"]
            client = BlockingKernelClient(connection_file=str(runtime / f"kernel-{kernel}.json"))
            client.load_connection_file()
            client.start_channels()
            client.wait_for_ready(timeout=120)
            error = run_chapter(client, path, args.timeout)
            time.sleep(args.read)
            client.stop_channels()
            if args.leave == "close":
                _api(base, token, "DELETE", f"/api/sessions/{session['id']}")
            alive = len(_api(base, token, "GET", "/api/kernels"))
            row = {"chapter": path.stem, "seconds": round(time.perf_counter() - start, 1),
                   "session_peak_mb": round(sampler.window_peak / 2**20), "kernels_alive": alive, "error": error}
            rows.append(row)
            print(f"{path.stem:28s} {row['seconds']:7.1f} s  session peak {row['session_peak_mb']:5d} MB  "
                  f"kernels alive {alive}" + (f"  FAILED: {error}" if error else ""), flush=True)
            status |= error is not None
        if args.leave == "abandon":  # the culler reclaims what the learner left
            deadline = time.monotonic() + args.settle
            while _api(base, token, "GET", "/api/kernels") and time.monotonic() < deadline:
                time.sleep(2)
        left = len(_api(base, token, "GET", "/api/kernels"))
    finally:
        sampler.stopped.set()
    summary = {"leave": args.leave, "read_seconds": args.read, "idle_server_mb": round(idle_server_mb), "peak_mb": round(sampler.peak / 2**20),
               "limit_mb": args.limit_mb, "kernels_left_at_end": left, "chapters": rows}
    print("SUMMARY " + json.dumps(summary))
    if sampler.peak / 2**20 > args.limit_mb:
        print(f"FAILED: the session peaked at {sampler.peak / 2**20:.0f} MB, over {args.limit_mb:.0f} MB")
        status = 1
    if args.leave == "abandon" and left:
        print(f"FAILED: {left} kernel(s) still alive {args.settle:.0f} s after the last chapter: nothing culls them")
        status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
