"""Run a learner's code on a part's cases in a separate, limited process; get arrays back.

The child (`_runner.py`) runs under `python -I -S` (no site-packages, no user paths, no PYTHON*
variables) in a new session, so a timeout kills its whole process group; with limits on address
space, CPU time, file size and (when run as root) an unprivileged user and its own network
namespace. It receives the cells' code and the cases' inputs in a temporary folder and answers on
a pipe-like file with JSON + .npy records, read here with `allow_pickle=False`.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import signal
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

RUNNER = Path(__file__).with_name("_runner.py")
MAX_RESULT_BYTES = 256 * 2**20


@dataclasses.dataclass
class Outcome:
    """What the learner's function did on one case: arrays, or an error message."""

    arrays: list | None = None
    is_tuple: bool = False
    error: str = ""


@dataclasses.dataclass
class PartRun:
    """One run of a part: cell errors, whether the function existed, per-case outcomes, and why
    the run stopped early if it did (timeout, memory, crash)."""

    cell_errors: list
    found: bool
    outcomes: dict
    stopped: str = ""
    seconds: float = 0.0


def _encode_cases(cases):
    arrays, spec = {}, []
    for i, case in enumerate(cases):
        entry = {}
        for name, value in case.args.items():
            if isinstance(value, np.ndarray):
                key = f"c{i}_{name}"
                arrays[key] = value
                entry[name] = {"array": key}
            else:
                entry[name] = {"value": value}
        spec.append(entry)
    return arrays, spec


def _network_namespace_works():
    """Whether this machine lets us give the child its own (empty) network namespace."""
    if not hasattr(_network_namespace_works, "answer"):
        try:
            ok = subprocess.run(["unshare", "--net", "true"], capture_output=True, timeout=10).returncode == 0
        except (OSError, subprocess.SubprocessError):
            ok = False
        _network_namespace_works.answer = ok
    return _network_namespace_works.answer


def _read_records(data):
    """Parse the child's records; stop at the first malformed one."""
    records, pos = [], 0
    while pos + 4 <= len(data):
        (size,) = struct.unpack_from("<I", data, pos)
        pos += 4
        if size > 2**20 or pos + size > len(data):
            break
        try:
            header = json.loads(data[pos:pos + size])
        except ValueError:
            break
        pos += size
        arrays = []
        for _ in range(int(header.get("arrays", 0)) if isinstance(header, dict) else 0):
            if pos + 8 > len(data):
                return records
            (n,) = struct.unpack_from("<Q", data, pos)
            pos += 8
            try:
                arrays.append(np.load(io.BytesIO(data[pos:pos + n]), allow_pickle=False))
            except Exception:  # noqa: BLE001 - a malformed record ends the stream
                return records
            pos += n
        if isinstance(header, dict):
            records.append((header, arrays))
    return records


def run_part(cells, function, cases, *, timeout=20.0, memory_mb=2048):
    """Run `cells` (list of (name, source)) then `function(**case.args)` for each case, sandboxed."""
    numpy_site = str(Path(np.__file__).resolve().parents[1])
    arrays, spec = _encode_cases(cases)
    with tempfile.TemporaryDirectory(prefix="lossedu-grade-") as job:
        os.chmod(job, 0o755)
        np.savez(os.path.join(job, "inputs.npz"), **arrays)
        Path(job, "job.json").write_text(json.dumps({
            "cells": [source for _, source in cells], "cell_names": [name for name, _ in cells],
            "function": function, "cases": spec}))
        for name in ("inputs.npz", "job.json"):
            os.chmod(os.path.join(job, name), 0o644)
        results = tempfile.TemporaryFile()
        command = [sys.executable, "-I", "-S", str(RUNNER), job, numpy_site, str(results.fileno()),
                   str(memory_mb), str(int(timeout) + 2)]
        if os.getuid() == 0 and _network_namespace_works():
            command = ["unshare", "--net", *command]
        start = time.monotonic()
        # start_new_session: the child leads its own process group, so a timeout kills all of it.
        child = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=job,
            pass_fds=(results.fileno(),), start_new_session=True, env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})
        stopped = ""
        try:
            _, stderr = child.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(child)
            _, stderr = child.communicate()
            stopped = f"stopped after the {timeout:g} s time limit (an endless loop, or far too slow?)"
        seconds = time.monotonic() - start
        if not stopped and child.returncode != 0:
            stopped = _crash_reason(child.returncode, stderr, memory_mb)
        results.seek(0)
        records = _read_records(results.read(MAX_RESULT_BYTES))
        results.close()
    run = PartRun(cell_errors=[], found=False, outcomes={}, stopped=stopped, seconds=seconds)
    for header, arrays in records:
        if header.get("kind") == "setup":
            run.cell_errors = [str(e)[:500] for e in header.get("cell_errors", [])][:20]
            run.found = bool(header.get("found"))
        elif header.get("kind") == "case" and isinstance(header.get("case"), int):
            if "error" in header:
                run.outcomes[header["case"]] = Outcome(error=str(header["error"])[:500])
            else:
                run.outcomes[header["case"]] = Outcome(arrays, bool(header.get("tuple")))
    return run


def _kill_group(child):
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _crash_reason(code, stderr, memory_mb):
    text = (stderr or b"").decode(errors="replace")
    if "MemoryError" in text or code in (-signal.SIGKILL, -signal.SIGSEGV) and "memory" in text.lower():
        return f"ran out of memory (limit {memory_mb} MB)"
    if code == -signal.SIGXCPU:
        return "used more CPU time than allowed"
    if code < 0:
        return f"was killed by signal {signal.Signals(-code).name}"
    last = text.strip().splitlines()[-1:] or [f"exit code {code}"]
    return f"crashed: {last[0][:300]}"
