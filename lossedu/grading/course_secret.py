"""The course secret: where the grader's hidden cases come from, so that marks are reproducible.

Each assignment's hidden cases are drawn from a seed derived from the teacher's secret and the
assignment's name (HMAC-SHA256): the same notebook always gets the same marks, on every machine
and every regrade, and a learner who does not know the secret cannot know the hidden inputs. The
secret is a teacher-side setting, never shipped to learners. Where it comes from, first found:

1. `lossedu grade --secret-file FILE` (Gradescope bundles carry theirs as gradescope/SECRET);
2. the environment variable LOSSEDU_GRADING_SECRET;
3. the file `$XDG_CONFIG_HOME/lossedu/grading-secret` (default `~/.config/lossedu/grading-secret`);
4. otherwise a fixed, public default: marks are still reproducible, but anyone can compute the
   hidden cases, so the grader says so.

Outputs record the secret's id (the first 12 hex digits of its SHA-256, never the secret) and
each assignment's seed; `--seed N` replaces the secret by that seed (e.g. to replay a row).
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import os
from pathlib import Path

ENV = "LOSSEDU_GRADING_SECRET"
DEFAULT = b"lossedu public default grading secret (hidden cases are guessable)"
MAX_SECRET_BYTES = 4096


@dataclasses.dataclass(frozen=True)
class Secret:
    """A course secret and where it was found (for messages; the value is never printed)."""

    value: bytes
    source: str

    @property
    def id(self):
        return secret_id(self.value)

    @property
    def is_default(self):
        return self.value == DEFAULT


def secret_id(value):
    """What outputs record of a secret: enough to tell two secrets apart, nothing to recover it."""
    return hashlib.sha256(value).hexdigest()[:12]


def seed_for(value, assignment):
    """The hidden cases' seed (63 bits) of `assignment` under the secret `value`."""
    digest = hmac.new(value, b"lossedu hidden cases\0" + assignment.encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def config_file():
    """The teacher's secret file: $XDG_CONFIG_HOME/lossedu/grading-secret."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "lossedu" / "grading-secret"


def _clean(value, where):
    value = value.strip()
    if not value:
        raise ValueError(f"the grading secret in {where} is empty: put a long random string there, e.g. "
                         f"`python -c 'import secrets; print(secrets.token_hex(32))'`")
    if len(value) > MAX_SECRET_BYTES:
        raise ValueError(f"the grading secret in {where} is longer than {MAX_SECRET_BYTES} bytes; is it the right file?")
    return value


def _read(path, where):
    try:
        with open(path, "rb") as f:
            return _clean(f.read(MAX_SECRET_BYTES + 1), where)
    except OSError as exc:
        raise ValueError(f"cannot read the grading secret {where}: {exc.strerror or exc}") from None


def load_secret(secret_file=None):
    """The course secret (see the module's docstring for the order); ValueError if a named one is unusable."""
    if secret_file is not None:
        return Secret(_read(secret_file, f"--secret-file {secret_file}"), f"--secret-file {secret_file}")
    env = os.environ.get(ENV)
    if env is not None:
        return Secret(_clean(os.fsencode(env), f"${ENV}"), f"${ENV}")
    path = config_file()
    if path.is_file():
        return Secret(_read(path, str(path)), str(path))
    return Secret(DEFAULT, "the public default")
