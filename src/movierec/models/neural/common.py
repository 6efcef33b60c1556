"""What every neural recommender shares: device, seeding, the early-stopping training loop,
and turning a torch module's weights into plain arrays for `.npz` persistence (no pickle).

Training curves are kept in a `History` and saved with the model, so the report can plot
them from the saved artifact rather than from a separate log.
"""

from __future__ import annotations

import copy
import os
import random
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterator

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
    out_of_time: bool = False    # training ended on its time budget, not on early stopping

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


def adam(params, **options) -> torch.optim.Adam:
    """Adam with the fused kernel: the same update as the textbook loop, in one pass over
    each weight. With a row per person (270k on the full data) the per-parameter loop that
    PyTorch otherwise runs on CPU costs more than the network itself (4x slower per step
    on a 270k x 64 embedding)."""
    return torch.optim.Adam(params, fused=True, **options)


def epoch_sample(n: int, cap: int, rng: np.random.Generator | torch.Generator):
    """This epoch's training examples in a fresh random order: all ``n`` of them, or a fresh
    random ``cap`` of them when there are more (``cap`` <= 0: no cap).

    The cap is what keeps a neural fit's time bounded as the data grows (26M ratings is 26x
    ML-1M's epoch, and these models converge in a number of *steps*, not of passes), while
    data at or under the cap trains exactly as before: the same draws from ``rng``. NumPy
    generators give a NumPy array, torch generators a tensor."""
    if isinstance(rng, torch.Generator):
        order = torch.randperm(n, generator=rng)
    else:
        order = rng.permutation(n)
    return order[:epoch_size(n, cap)]


def epoch_size(n: int, cap: int) -> int:
    """How many examples `epoch_sample` yields per epoch: ``n``, or ``cap`` when it binds."""
    return min(n, cap) if 0 < cap < n else n


def deadline_in(minutes: float) -> float | None:
    """The `time.monotonic()` instant ``minutes`` from now (None for 0 or less: no budget);
    taken once when a fit starts, so every training stage shares one budget."""
    return time.monotonic() + 60.0 * minutes if minutes > 0 else None


def train_with_early_stopping(module: torch.nn.Module, epochs: int,
                              train_epoch: Callable[[int], float],
                              validate: Callable[[], float] | None, patience: int,
                              higher_is_better: bool, label: str, metric: str = "loss",
                              show_progress: bool | None = None, min_epochs: int = 0,
                              deadline: float | None = None) -> History:
    """Run ``train_epoch`` up to ``epochs`` times, keep the weights of the best validation
    epoch, stop after ``patience`` epochs without improvement (but not before ``min_epochs``:
    a ranking metric can sit flat for the first epochs). Shows a rich progress bar.

    ``deadline`` (a `time.monotonic()` instant, from `deadline_in`) is a time budget: no
    epoch starts that the slowest epoch so far says would end past it (the best weights so
    far are kept, and ``History.out_of_time`` says so). Small data never meets it, so it
    changes nothing there."""
    from rich.progress import Progress

    history = History(metric=metric)
    best_value, best_weights, waited = None, None, 0
    show = show_progress if show_progress is not None else os.environ.get("CI") is None
    slowest = 0.0
    with Progress(disable=not show, transient=True) as bar:
        task = bar.add_task(f"training {label}", total=epochs)
        for epoch in range(epochs):
            began = time.monotonic()
            if deadline is not None and epoch and began + slowest > deadline:
                history.out_of_time = True
                break
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
                if waited >= patience and epoch + 1 >= min_epochs:
                    break
            else:
                history.best_epoch = epoch
                bar.update(task, advance=1, description=f"training {label}: loss {loss:.4f}")
            slowest = max(slowest, time.monotonic() - began)
    if best_weights is not None:
        module.load_state_dict(best_weights)
    module.eval()
    return history


def continue_training(module: torch.nn.Module, history: History, epochs: int,
                      train_epoch: Callable[[int], float], validate: Callable[[], float] | None,
                      patience: int, higher_is_better: bool, label: str,
                      deadline: float | None = None) -> History:
    """A further training stage (a lower learning rate, other negatives) after
    `train_with_early_stopping`: its epochs are appended to ``history``, and the module keeps
    the stage's best weights only if they beat the best validation so far."""
    before = copy.deepcopy(module.state_dict())
    best = None
    if history.validation:
        best = max(history.validation) if higher_is_better else min(history.validation)
    stage = train_with_early_stopping(module, epochs, train_epoch, validate, patience,
                                      higher_is_better, label, history.metric,
                                      deadline=deadline)
    history.out_of_time |= stage.out_of_time
    offset = len(history.train_loss)
    history.train_loss += stage.train_loss
    history.validation += stage.validation
    if best is not None and stage.validation:
        top = max(stage.validation) if higher_is_better else min(stage.validation)
        if not (top > best if higher_is_better else top < best):
            module.load_state_dict(before)
            module.eval()
            return history
    history.best_epoch = offset + stage.best_epoch
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


# ------------------------------------------------------------------------------------------
# threads, fold-in and evidence (used by the models that fold a new person in by optimisation)
# ------------------------------------------------------------------------------------------
@contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """Run a block with at most ``n`` torch intra-op threads, then restore the setting.

    These networks are small: more threads buy little and the machine is usually shared.
    """
    old = torch.get_num_threads()
    torch.set_num_threads(max(1, int(n)))
    try:
        yield
    finally:
        torch.set_num_threads(old)


def freeze(module: torch.nn.Module) -> torch.nn.Module:
    """Eval mode and no gradients for the weights: fold-in optimises only a person's vector."""
    module.eval()
    for p in module.parameters():
        p.requires_grad_(False)
    return module


LossTerms = Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor, torch.Tensor]]


def fold_in(start: torch.Tensor, outputs: Callable[[torch.Tensor], torch.Tensor], n: int,
            loss_terms: LossTerms, precision: torch.Tensor, steps: int = 10,
            tol: float = 1e-4) -> torch.Tensor:
    """A new person's vector ``z``: minimise ``Σₖ lossₖ(outₖ(z)) + (z - z̄)ᵀΛ(z - z̄)``
    with the network frozen, from the prior mean ``z̄ = start``.

    ``outputs(rows)`` maps row k of an (n, d) stack of ``z`` to output k (a predicted rating,
    a score, a score difference); ``loss_terms(out)`` gives (total loss, dloss/dout,
    d²loss/dout²) per output. Damped Gauss-Newton: ``H = Jᵀdiag(h)J + 2Λ`` from one
    backward pass per step, step halving when the objective would rise, stopping once a
    step gains less than ``tol`` (relative). Converges in a handful of steps on these
    small problems, deterministically.
    """
    prior = start.detach()
    lam = precision.to(prior.dtype)
    z = prior.clone()

    def objective(vec: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
        dz = vec - prior
        return loss_terms(out)[0] + dz @ lam @ dz

    for _ in range(max(int(steps), 1)):
        jac, out = row_gradients(outputs, z, n, with_outputs=True)
        total, g, h = loss_terms(out)
        dz = z - prior
        grad = jac.T @ g + 2.0 * lam @ dz
        hess = (jac.T @ (h[:, None] * jac) if h.dim() == 1 else jac.T @ h @ jac) + 2.0 * lam
        step = torch.linalg.solve(hess.double(), grad.double()).to(z.dtype)
        current = total + dz @ lam @ dz
        size = 1.0
        for _halving in range(8):
            trial = z - size * step
            with torch.no_grad():
                out_trial = outputs(trial.reshape(1, -1).expand(n, -1))
            if objective(trial, out_trial) <= current + 1e-7:
                break
            size /= 2.0
        else:
            break
        z = trial
        new = float(objective(z, out_trial))
        if float(current) - new <= tol * max(abs(new), 1.0):
            break
    return z.detach()


def row_gradients(fn: Callable[[torch.Tensor], torch.Tensor], z: torch.Tensor, n: int,
                  with_outputs: bool = False):
    """(n, d): the gradient of output ``k`` of ``fn`` with respect to the person's vector
    ``z``, for each of ``n`` outputs, where ``fn`` maps row ``k`` of ``z`` repeated n times
    to output ``k`` (one backward pass instead of n). With ``with_outputs`` also returns
    the outputs themselves."""
    rows = z.detach().reshape(1, -1).expand(n, -1).clone().requires_grad_(True)
    with torch.enable_grad():
        out = fn(rows)
        (grad,) = torch.autograd.grad(out.sum(), rows)
    return (grad, out.detach()) if with_outputs else grad


def prior_precision(vectors: np.ndarray, ridge: float = 1e-3) -> tuple[np.ndarray, np.ndarray]:
    """(mean, precision) of the training users' vectors: the Gaussian prior a new person's
    vector is folded in against (``ridge``, relative to the mean variance, keeps the
    covariance invertible)."""
    v = np.asarray(vectors, dtype=np.float64)
    d = v.shape[1]
    mean = v.mean(axis=0) if len(v) else np.zeros(d)
    cov = np.atleast_2d(np.cov(v, rowvar=False)) if len(v) > 1 else np.eye(d)
    scale = float(np.mean(np.diag(cov))) if d else 1.0
    cov = cov + ridge * max(scale, 1e-12) * np.eye(d)
    return mean, np.linalg.inv(cov)


def pull_contributions(target_grads: torch.Tensor, pick_pulls: torch.Tensor,
                       precision: torch.Tensor) -> np.ndarray:
    """(targets x picks) share of each pick in each target's score.

    At the fold-in optimum of ``Σᵢ lossᵢ(z) + (z - z̄)ᵀΛ(z - z̄)`` the person's vector is
    ``z - z̄ = ½ Λ⁻¹ Σᵢ gᵢ`` with ``gᵢ = -∇lossᵢ`` (the pull of pick i), so to first order
    a target's score moves by ``∇sⱼᵀ ½Λ⁻¹ gᵢ`` because of pick i: the pick with the largest
    share is the model's own reason for the recommendation.
    """
    solved = torch.linalg.solve(precision.double(), pick_pulls.double().T) / 2.0
    return (target_grads.double() @ solved).cpu().numpy()


class KeptMoviesNet:
    """Save and restore for a torch recommender over a subset of the catalog (``self.kept``):
    the subset, the weights and the training curves. A subclass builds its net in
    ``_build(kept, n_catalog)``, names its validation metric in ``_history_metric()`` and may
    cache what scoring needs in ``_finish()``."""

    def _build(self, kept: np.ndarray, n_catalog: int) -> None:
        raise NotImplementedError

    def _history_metric(self) -> str:
        raise NotImplementedError

    def _finish(self) -> None:
        """Called once the weights are in place (after fitting or loading)."""

    def state(self) -> dict[str, np.ndarray]:
        self._need()
        return {"kept": self.kept, **module_state(self.net), **self.history.as_state()}

    def _restore(self, state: dict[str, np.ndarray], dataset) -> None:
        self._build(state["kept"], len(dataset.catalog))
        load_module_state(self.net, state)
        self.history = History.from_state(state, metric=self._history_metric())
        self._finish()
