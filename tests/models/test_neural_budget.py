"""What bounds a neural fit on big data: a capped, freshly sampled epoch and a time budget
(both inert on small data)."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

from movierec.models.neural.common import (deadline_in, epoch_sample, epoch_size,
                                           train_with_early_stopping)


def test_an_uncapped_epoch_is_the_same_shuffle_as_before():
    a = epoch_sample(50, 0, np.random.default_rng(3))
    assert np.array_equal(a, np.random.default_rng(3).permutation(50))
    b = epoch_sample(50, 50, torch.Generator().manual_seed(3))
    assert torch.equal(b, torch.randperm(50, generator=torch.Generator().manual_seed(3)))


def test_a_capped_epoch_is_a_fresh_sample_of_distinct_examples():
    rng = np.random.default_rng(0)
    first, second = epoch_sample(1000, 100, rng), epoch_sample(1000, 100, rng)
    for part in (first, second):
        assert len(part) == 100 == len(np.unique(part)) and part.max() < 1000
    assert set(first.tolist()) != set(second.tolist())
    gen = torch.Generator().manual_seed(0)
    assert len(torch.unique(epoch_sample(1000, 10, gen))) == 10


@pytest.mark.parametrize("n, cap, size", [(1000, 100, 100), (50, 100, 50), (50, 0, 50),
                                          (50, -1, 50), (50, 50, 50)])
def test_epoch_size_is_what_a_sample_yields(n, cap, size):
    assert epoch_size(n, cap) == size == len(epoch_sample(n, cap, np.random.default_rng(0)))


def test_no_budget_means_no_deadline():
    assert deadline_in(0) is None
    assert deadline_in(1) > time.monotonic()


def test_a_spent_budget_stops_after_one_epoch_and_says_so():
    net = torch.nn.Linear(2, 1)
    seen = []
    history = train_with_early_stopping(net, 10, lambda e: seen.append(e) or 1.0, lambda: 0.5,
                                        patience=5, higher_is_better=True, label="t",
                                        show_progress=False, deadline=time.monotonic() - 1)
    assert seen == [0] and history.out_of_time and history.best_epoch == 0


def test_without_a_budget_every_epoch_runs():
    net = torch.nn.Linear(2, 1)
    history = train_with_early_stopping(net, 4, lambda e: 1.0, None, patience=1,
                                        higher_is_better=True, label="t", show_progress=False)
    assert len(history.train_loss) == 4 and not history.out_of_time
