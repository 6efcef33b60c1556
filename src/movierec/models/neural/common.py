"""What every neural recommender shares: device, seeding, the early-stopping training loop,
and turning a torch module's weights into plain arrays for `.npz` persistence (no pickle).

Training curves are kept in a `History` and saved with the model, so the report can plot
them from the saved artifact rather than from a separate log.
"""

from __future__ import annotations

import copy
import os
import random
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

try:
    import torch
except ImportError as err:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "neural recommenders need PyTorch: pip install 'movierec[neural]' "
        "(it pins torch==2.13.0)") from err

DEVICE_ENV = "MOVIEREC_DEVICE"


def torch_device() -> torch.device:
    """``MOVIEREC_DEVICE`` if set, else CUDA when available, else CPU."""
    wanted = os.environ.get(DEVICE_ENV)
    if wanted:
        return torch.device(wanted)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def seed_all(seed: int) -> torch.Generator:
    """Seed Python, NumPy and torch; returns a torch generator for sampling."""
    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


@dataclass
class History:
    """Per-epoch training loss and validation metric, and the epoch that was kept."""

    train_loss: list[float] = field(default_factory=list)
    validation: list[float] = field(default_factory=list)
    best_epoch: int = -1
    metric: str = "loss"

    def as_state(self, prefix: str = "history") -> dict[str, np.ndarray]:
        return {f"{prefix}.train_loss": np.asarray(self.train_loss, np.float32),
                f"{prefix}.validation": np.asarray(self.validation, np.float32),
                f"{prefix}.best_epoch": np.asarray([self.best_epoch], np.int64)}

    @classmethod
    def from_state(cls, state: dict[str, np.ndarray], prefix: str = "history",
                   metric: str = "loss") -> "History":
        if f"{prefix}.train_loss" not in state:
            return cls(metric=metric)
        return cls(state[f"{prefix}.train_loss"].tolist(), state[f"{prefix}.validation"].tolist(),
                   int(state[f"{prefix}.best_epoch"][0]), metric)


def train_with_early_stopping(module: torch.nn.Module, epochs: int,
                              train_epoch: Callable[[int], float],
                              validate: Callable[[], float] | None, patience: int,
                              higher_is_better: bool, label: str, metric: str = "loss",
                              show_progress: bool | None = None) -> History:
    """Run ``train_epoch`` up to ``epochs`` times, keep the weights of the best validation
    epoch, stop after ``patience`` epochs without improvement. Shows a rich progress bar."""
    from rich.progress import Progress

    history = History(metric=metric)
    best_value, best_weights, waited = None, None, 0
    show = show_progress if show_progress is not None else os.environ.get("CI") is None
    with Progress(disable=not show, transient=True) as bar:
        task = bar.add_task(f"training {label}", total=epochs)
        for epoch in range(epochs):
            module.train()
            loss = float(train_epoch(epoch))
            history.train_loss.append(loss)
            if validate is not None:
                module.eval()
                with torch.no_grad():
                    value = float(validate())
                history.validation.append(value)
                better = best_value is None or (value > best_value if higher_is_better
                                                else value < best_value)
                if better:
                    best_value, best_weights, waited = value, copy.deepcopy(module.state_dict()), 0
                    history.best_epoch = epoch
                else:
                    waited += 1
                bar.update(task, advance=1, description=f"training {label}: loss {loss:.4f}, "
                                                        f"{metric} {value:.4f}")
                if waited >= patience:
                    break
            else:
                history.best_epoch = epoch
                bar.update(task, advance=1, description=f"training {label}: loss {loss:.4f}")
    if best_weights is not None:
        module.load_state_dict(best_weights)
    module.eval()
    return history


def module_state(module: torch.nn.Module, prefix: str = "net") -> dict[str, np.ndarray]:
    """A module's weights as float32/int NumPy arrays under ``prefix``."""
    return {f"{prefix}.{k}": v.detach().cpu().numpy() for k, v in module.state_dict().items()}


def load_module_state(module: torch.nn.Module, state: dict[str, np.ndarray],
                      prefix: str = "net") -> torch.nn.Module:
    cut = len(prefix) + 1
    weights = {k[cut:]: torch.from_numpy(np.asarray(v)) for k, v in state.items()
               if k.startswith(prefix + ".")}
    module.load_state_dict(weights)
    module.eval()
    return module
