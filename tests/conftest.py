import os

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, settings

# Each xdist worker is one process; one torch thread each keeps 2 workers on 2 cores.
torch.set_num_threads(1)

# Deterministic by default so CI never flakes; `--hypothesis-profile=explore` searches harder.
settings.register_profile(
    "default",
    max_examples=40,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("explore", max_examples=500, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture
def rng():
    return np.random.default_rng(0)
