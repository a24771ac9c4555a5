"""Run a learner's code on a part's cases in a separate, limited process; get arrays back.

The child (`_runner.py`) runs under `python -I -S` (no site-packages, no user paths, no PYTHON*
variables) in a new session, so a timeout kills its whole process group. As root it also gets its
own network, PID and IPC namespaces where the machine allows (no network; it cannot see other
submissions' sandboxes; nothing it starts outlives it), then chroots into its job folder and drops
to user 65534 (see _runner.py). The job folder is root's own (0700): the child reads it before
dropping privileges, and no other sandbox can read it. Whatever of this the machine refuses (no
root, no CAP_SYS_CHROOT, no namespaces), the child's seccomp filter still refuses files, signals to
and limits on other processes, and memory outside its address space; each PartRun says which
layers held (`isolation`), and a correct answer scores the same at every level.

The child answers on an inherited file with JSON + .npy records, read here strictly: only float64
arrays, sizes checked before anything is allocated, never pickle, and a malformed record just ends
the stream. Its stderr goes to a file of bounded size, of which only the tail is read.
"""

from __future__ import annotations

import dataclasses
import io
import json
import math
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
MAX_RESULT_BYTES = 65 * 2**20  # the child cannot write more than 64 MB (RLIMIT_FSIZE)
MAX_STDERR_TAIL = 64 * 2**10
MAX_RECORDS = 4096  # one per case plus one: millions of tiny forged records would cost us minutes and GBs


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
    isolation: str = ""  # the layers that held, e.g. "namespaces(net,pid,ipc)+chroot+uid 65534+seccomp"


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


def _namespaces():
    """The `unshare` prefix isolating the child, as far as this machine allows (root only)."""
    if not hasattr(_namespaces, "answer"):
        answer = []  # assigned once at the end: threads of --jobs never see a half-made answer
        candidates = (["--net", "--pid", "--ipc", "--fork", "--kill-child"], ["--net", "--pid", "--fork", "--kill-child"],
                      ["--net"])
        for flags in candidates if os.getuid() == 0 else ():
            try:
                ok = subprocess.run(["unshare", *flags, "true"], capture_output=True, timeout=10).returncode == 0
            except (OSError, subprocess.SubprocessError):
                ok = False
            if ok:
                answer = ["unshare", *flags]
                break
        _namespaces.answer = answer
    return _namespaces.answer


def _read_array(data):
    """One .npy record as a float64 array, or None if it is anything else. The runner only ever
    sends C-order float64 arrays; checking the size against the bytes before allocating means a
    forged header claiming a huge shape costs nothing."""
    if data[:6] != b"\x93NUMPY" or len(data) < 10:
        return None
    header = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}.get(
        (data[6], data[7]))
    if header is None:
        return None
    stream = io.BytesIO(data)
    stream.seek(8)
    shape, fortran, dtype = header(stream)
    if fortran or dtype != np.dtype("<f8") or not all(type(n) is int and n >= 0 for n in shape):
        return None
    count, offset = math.prod(shape), stream.tell()
    if count * 8 != len(data) - offset:
        return None
    return np.frombuffer(data, dtype="<f8", count=count, offset=offset).reshape(shape).copy()


def _read_records(data):
    """Parse the child's records; stop at the first malformed one (whatever it holds)."""
    records, pos = [], 0
    while pos + 4 <= len(data) and len(records) < MAX_RECORDS:
        (size,) = struct.unpack_from("<I", data, pos)
        pos += 4
        if size > 2**20 or pos + size > len(data):
            break
        try:  # not only ValueError: deeply nested JSON raises RecursionError
            header = json.loads(data[pos:pos + size])
            count = header["arrays"]
        except Exception:  # noqa: BLE001 - a forged record ends the stream, never the grader
            break
        pos += size
        if type(count) is not int or not 0 <= count <= 16:
            break
        arrays = []
        for _ in range(count):
            if pos + 8 > len(data):
                return records
            (n,) = struct.unpack_from("<Q", data, pos)
            try:
                array = _read_array(data[pos + 8:pos + 8 + n]) if pos + 8 + n <= len(data) else None
            except Exception:  # noqa: BLE001
                array = None
            if array is None:
                return records
            arrays.append(array)
            pos += 8 + n
        records.append((header, arrays))
    return records


def run_part(cells, function, cases, *, timeout=20.0, memory_mb=2048):
    """Run `cells` (list of (name, source)) then `function(**case.args)` for each case, sandboxed."""
    numpy_site = str(Path(np.__file__).resolve().parents[1])
    arrays, spec = _encode_cases(cases)
    # mkdtemp: 0700, ours; the child reads it before it drops privileges, then chroots into it
    with tempfile.TemporaryDirectory(prefix="lossedu-grade-") as job, \
            tempfile.TemporaryFile() as results, tempfile.TemporaryFile() as stderr:
        np.savez(os.path.join(job, "inputs.npz"), **arrays)
        Path(job, "job.json").write_text(json.dumps({
            "cells": [source for _, source in cells], "cell_names": [name for name, _ in cells],
            "function": function, "cases": spec}))
        start = time.monotonic()
        namespaces = _namespaces()
        command = [*namespaces, sys.executable, "-I", "-S", str(RUNNER), job, numpy_site,
                   str(results.fileno()), str(memory_mb), str(int(timeout) + 2), repr(start + timeout)]
        # start_new_session: the child leads its own process group, so a timeout kills all of it.
        # stderr to a file, not a pipe: a learner printing gigabytes cannot fill our memory, and
        # no pipe left open by anything can make us wait past the timeout.
        child = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr, cwd=job,
            pass_fds=(results.fileno(),), start_new_session=True, env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})
        stopped = ""
        try:  # wait without reaping: while the child is a zombie its group id cannot be reused
            while not os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT):
                if time.monotonic() - start > timeout:
                    stopped = f"stopped after the {timeout:g} s time limit (an endless loop, or far too slow?)"
                    break
                time.sleep(0.01)
        finally:
            _kill_group(child)  # the child, and anything it left behind in its group
            child.wait()
        seconds = time.monotonic() - start
        if not stopped and child.returncode != 0:
            size = stderr.seek(0, os.SEEK_END)
            stderr.seek(max(0, size - MAX_STDERR_TAIL))
            stopped = _crash_reason(child.returncode, stderr.read(), memory_mb)
        results.seek(0)
        records = _read_records(results.read(MAX_RESULT_BYTES))
    run = PartRun(cell_errors=[], found=False, outcomes={}, stopped=stopped, seconds=seconds,
                  isolation=_isolation(namespaces, records[0][0] if records else {}))
    slow = ""
    for header, arrays in records:
        # messages must be str (never str() of whatever nested JSON the learner's code forged)
        if header.get("kind") == "setup":
            errors = header.get("cell_errors")
            run.cell_errors = [_text(e) for e in (errors if isinstance(errors, list) else [])[:20] if isinstance(e, str)]
            run.found = header.get("found") is True
        elif header.get("kind") == "slow" and isinstance(header.get("where"), str) and not slow:
            slow = _text(header["where"], 300)
        elif header.get("kind") == "case" and type(header.get("case")) is int:
            if "error" in header:
                error = header["error"]
                run.outcomes[header["case"]] = Outcome(error=_text(error) if isinstance(error, str) else "?")
            else:
                run.outcomes[header["case"]] = Outcome(arrays, bool(header.get("tuple")))
    if slow and (not run.found or stopped):  # the time went on a cell's top-level code, not the function
        run.stopped = (f"stopped after the {timeout:g} s time limit in the top-level code of {slow} "
                       f"(an endless loop, or far too slow? Only definitions need to run at the top level)")
    return run


def _text(value, limit=1000):
    return value[:limit]


def _isolation(namespaces, first):
    """What held, in words, from our unshare flags and the child's first record (written before
    any learner code ran, so the learner cannot forge it)."""
    held, missing = [], []
    if namespaces:
        held.append("namespaces(" + ",".join(f[2:] for f in namespaces[1:] if f[2:] in ("net", "pid", "ipc")) + ")")
    else:
        missing.append("no namespaces")
    if first.get("kind") != "isolation":
        return "+".join(held + ["?"]) + " (the run ended before the sandbox said what else held)"
    for key, into in (("held", held), ("missing", missing)):
        value = first.get(key)
        into += [v[:80] for v in (value if isinstance(value, list) else [])[:8] if isinstance(v, str)]
    text = "+".join(held) if held else "audit hook only (best effort)"
    return text + (f" (weaker: {'; '.join(missing)})" if missing else "")


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
    if "File too large" in text or code == -signal.SIGXFSZ:
        return "wrote more than the 64 MB allowed (printing too much?)"
    if code < 0:
        return f"was killed by signal {signal.Signals(-code).name}"
    last = text.strip().splitlines()[-1:] or [f"exit code {code}"]
    return f"crashed: {last[0][:300]}"
