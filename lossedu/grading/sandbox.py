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

The cases go to the child's stdin in stages (see _Feeder): none while its cells run, the hidden
ones only once every public case has its answer; and only the first answer per case counts. The
child answers on an inherited file with JSON + .npy records, read here strictly: only float64
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


def _encode_stage(cases, indices):
    """Cases `indices` as one message for the child's stdin: '<Q' length + JSON header, then each
    array as '<Q' length + .npy (never pickle)."""
    arrays, entries = [], []
    for i in indices:
        args = {}
        for name, value in cases[i].args.items():
            if isinstance(value, np.ndarray):
                args[name] = {"array": len(arrays)}
                arrays.append(value)
            else:
                args[name] = {"value": value}
        entries.append({"case": i, "args": args})
    header = json.dumps({"cases": entries, "arrays": len(arrays)}).encode()
    parts = [struct.pack("<Q", len(header)), header]
    for array in arrays:
        buffer = io.BytesIO()
        np.save(buffer, array, allow_pickle=False)
        parts += [struct.pack("<Q", len(buffer.getvalue())), buffer.getvalue()]
    return b"".join(parts)


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


def _parse_records(data, pos, records):
    """Parse the complete records of `data` from `pos` into `records`. Returns (pos, ended): ended
    when a malformed record (whatever it holds) or too many end the stream; otherwise `pos` stops
    at an incomplete record, to be read again when more has arrived."""
    while len(records) < MAX_RECORDS:
        if pos + 4 > len(data):
            return pos, False
        (size,) = struct.unpack_from("<I", data, pos)
        if size > 2**20:
            return pos, True
        if pos + 4 + size > len(data):
            return pos, False
        try:  # not only ValueError: deeply nested JSON raises RecursionError
            header = json.loads(bytes(data[pos + 4:pos + 4 + size]))
            count = header["arrays"]
        except Exception:  # noqa: BLE001 - a forged record ends the stream, never the grader
            return pos, True
        if type(count) is not int or not 0 <= count <= 16:
            return pos, True
        end, arrays = pos + 4 + size, []
        for _ in range(count):
            if end + 8 > len(data):
                return pos, False
            (n,) = struct.unpack_from("<Q", data, end)
            if n > MAX_RESULT_BYTES:
                return pos, True
            if end + 8 + n > len(data):
                return pos, False
            try:
                array = _read_array(bytes(data[end + 8:end + 8 + n]))
            except Exception:  # noqa: BLE001
                array = None
            if array is None:
                return pos, True
            arrays.append(array)
            end += 8 + n
        records.append((header, arrays))
        pos = end
    return pos, True


class _Stream:
    """The child's records as they arrive, and what they say so far. The first record of each kind
    counts (the first record: isolation; the first setup; the first outcome of each case; a slow
    cell only before the setup): every later one may have been forged by the learner's code after
    it was given cases, so nothing it says can carry a hidden case's inputs into the feedback."""

    def __init__(self, fd):
        self.fd, self.data, self.pos, self.ended, self.records = fd, bytearray(), 0, False, []
        self.done = 0  # records already taken into account
        self.isolation, self.setup, self.slow, self.outcomes = None, None, "", {}

    def read(self):
        """Take in what the child wrote since the last call."""
        while not self.ended and len(self.data) < MAX_RESULT_BYTES:
            chunk = os.pread(self.fd, min(1 << 20, MAX_RESULT_BYTES - len(self.data)), len(self.data))
            if not chunk:
                break
            self.data += chunk
        if not self.ended:
            self.pos, self.ended = _parse_records(self.data, self.pos, self.records)
        for header, arrays in self.records[self.done:]:
            self._take(header, arrays)
        self.done = len(self.records)

    def _take(self, header, arrays):
        kind = header.get("kind")
        if self.isolation is None:
            self.isolation = header if kind == "isolation" else {}
        if kind == "setup" and self.setup is None:
            errors = header.get("cell_errors")
            self.setup = ([_text(e) for e in (errors if isinstance(errors, list) else [])[:20] if isinstance(e, str)],
                          header.get("found") is True)
        elif kind == "slow" and self.setup is None and not self.slow and isinstance(header.get("where"), str):
            self.slow = _text(header["where"], 300)
        elif kind == "case" and type(header.get("case")) is int and header["case"] not in self.outcomes:
            # messages must be str (never str() of whatever nested JSON the learner's code forged)
            if "error" in header:
                error = header["error"]
                self.outcomes[header["case"]] = Outcome(error=_text(error) if isinstance(error, str) else "?")
            else:
                self.outcomes[header["case"]] = Outcome(arrays, bool(header.get("tuple")))


class _Feeder:
    """Writes the cases to the child's stdin in stages, never blocking: stage 0 once the child has
    said its cells ran (so no cell's output can hold a case), the hidden stage once every public
    case has its answer (so no public case's message can hold a hidden input)."""

    def __init__(self, pipe, cases, public):
        self.pipe, self.cases = pipe, cases
        split = public if public is not None and 0 < public < len(cases) else len(cases)
        self.stages = [range(0, split), range(split, len(cases))] if split < len(cases) else [range(0, len(cases))]
        self.next, self.pending = 0, b""
        os.set_blocking(pipe.fileno(), False)

    def step(self, stream):
        """Send what the child may have now; True while there is more to send."""
        if self.pipe.closed:
            return False
        if not self.pending:
            if stream.ended or (stream.setup is not None and not stream.setup[1]) or self.next == len(self.stages):
                return self.close()  # nothing (more) to send: EOF tells the child to finish
            if stream.setup is None or not all(i in stream.outcomes for s in self.stages[:self.next] for i in s):
                return True
            self.pending = _encode_stage(self.cases, self.stages[self.next])
            self.next += 1
        try:
            written = os.write(self.pipe.fileno(), self.pending)
        except BlockingIOError:
            return True
        except OSError:  # the child is gone
            return self.close()
        self.pending = self.pending[written:]
        if not self.pending and self.next == len(self.stages):
            return self.close()
        return True

    def close(self):
        try:
            self.pipe.close()
        except OSError:
            pass
        return False


def run_part(cells, function, cases, *, timeout=20.0, memory_mb=2048, public=None):
    """Run `cells` (list of (name, source)) then `function(**case.args)` for each case, sandboxed.

    public: how many of `cases` (the first ones) are public; the others reach the child only once
    every public case has its answer. The cases reach it only after its cells ran (see _Feeder).
    """
    numpy_site = str(Path(np.__file__).resolve().parents[1])
    # mkdtemp: 0700, ours; the child reads it before it drops privileges, then chroots into it
    with tempfile.TemporaryDirectory(prefix="lossedu-grade-") as job, \
            tempfile.TemporaryFile() as results, tempfile.TemporaryFile() as stderr:
        Path(job, "job.json").write_text(json.dumps({
            "cells": [source for _, source in cells], "cell_names": [name for name, _ in cells],
            "function": function}))
        start = time.monotonic()
        namespaces = _namespaces()
        command = [*namespaces, sys.executable, "-I", "-S", str(RUNNER), job, numpy_site,
                   str(results.fileno()), str(memory_mb), str(int(timeout) + 2), repr(start + timeout)]
        # start_new_session: the child leads its own process group, so a timeout kills all of it.
        # stderr to a file, not a pipe: a learner printing gigabytes cannot fill our memory, and
        # no pipe left open by anything can make us wait past the timeout.
        child = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=stderr, cwd=job,
            pass_fds=(results.fileno(),), start_new_session=True, env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})
        stream, stopped = _Stream(results.fileno()), ""
        feeder = _Feeder(child.stdin, cases, public)
        try:  # wait without reaping: while the child is a zombie its group id cannot be reused
            while not os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT):
                if time.monotonic() - start > timeout:
                    stopped = f"stopped after the {timeout:g} s time limit (an endless loop, or far too slow?)"
                    break
                stream.read()
                # a short nap while the child may be waiting for cases, a longer one after
                time.sleep(0.002 if feeder.step(stream) else 0.01)
        finally:
            _kill_group(child)  # the child, and anything it left behind in its group
            feeder.close()
            child.wait()
        seconds = time.monotonic() - start
        if not stopped and child.returncode != 0:
            size = stderr.seek(0, os.SEEK_END)
            stderr.seek(max(0, size - MAX_STDERR_TAIL))
            stopped = _crash_reason(child.returncode, stderr.read(), memory_mb)
        stream.read()
    cell_errors, found = stream.setup or ([], False)
    run = PartRun(cell_errors=cell_errors, found=found, outcomes=stream.outcomes, stopped=stopped,
                  seconds=seconds, isolation=_isolation(namespaces, stream.isolation or {}))
    if stream.slow and (not run.found or stopped):  # the time went on a cell's top-level code, not the function
        run.stopped = (f"stopped after the {timeout:g} s time limit in the top-level code of {stream.slow} "
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
