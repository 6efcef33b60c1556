"""Mult-VAE (Liang et al. 2018): a variational autoencoder over the movies each person liked.

Every training person is a bag of liked movies (rating >= ``like_at`` becomes 1). The
encoder maps the bag to a Gaussian over a small latent taste vector; the decoder maps a
taste vector to a multinomial over movies. The loss is the multinomial log-likelihood of the
whole bag plus ``beta`` x KL(q(z|x) || N(0, I)), ``beta`` annealed from 0 to ``anneal_cap``
(partial regularisation ranks better than the full ELBO). Three changes from the paper, each
measured on ML-100k held-out people (see `MultVAE`):

- input dropout drops a share of each bag drawn uniformly in [0, ``dropout``] *before* the
  L2 normalisation (the paper: a fixed 0.5 after it), so training inputs range from a few
  movies -- what a new person types -- to nearly whole histories;
- the served weights are a moving average of the trained ones (``average_epochs``), which
  smooths the epoch-to-epoch noise of a small dataset;
- early stopping watches NDCG@``val_k`` of hidden movies: a tenth of the people (at least
  `MIN_VALIDATION`) have a fifth of their liked movies hidden, and the model ranks them back
  both from all the rest and from ``val_picks`` of them. Those people train on the rest
  only, so nothing hidden leaks.

A new person is *natively* folded in: their liked picks are the input bag, and the
decoder's log-probabilities (encoder mean, no sampling) are the scores. Disliked picks are
pushed down by the lift they would cause: ``log p(j | disliked) - log p(j | nothing)``,
where positive, is subtracted (times ``dislike_weight``), so movies that people who liked
the disliked movies also liked sink. Only the ``max_items`` most-liked movies are modelled;
every other movie (nobody liked it, or cut) scores NaN and the hybrid falls back to content for it;
a person none of whose liked picks is modelled gets NaN everywhere (nothing to go on).

Explanations are the model's own evidence: the pick whose one-movie input raises the
recommended movie's probability most ("4.2x likelier given it"), plus shared traits.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from movierec.data.dataset import Dataset
from movierec.data.liking import LIKED_AT
from movierec.evaluation.metrics import mean_ndcg_at_k
from movierec.models import explain as ex
from movierec.models.base import ModelConfig, Recommender
from movierec.models.neural.common import (KeptMoviesNet, adam, deadline_in, epoch_sample,
                                           epoch_size, seed_all, torch, torch_device,
                                           torch_threads, train_with_early_stopping)
from movierec.models.profile import LIKE, LastPerson, Profile

METRIC = "ndcg@{k}"
MIN_STEPS = 10             # an "epoch" is at least this many batches (repeat tiny data)
MIN_VALIDATION = 50        # at least this many validation people (all, when fewer)
MAX_VALIDATION = 2000      # at most this many (their bags are scored densely every epoch)


@dataclass(frozen=True)
class MultVAEConfig(ModelConfig):
    """Defaults tuned on ML-100k with new people folded in (see `MultVAE`)."""

    hidden: int = 600            # encoder/decoder hidden layer (tanh)
    latent: int = 200            # taste vector size
    dropout: float = 0.9         # each training bag loses a share in [0, dropout] of its movies
    like_at: float = LIKED_AT    # ratings at or above this are the liked bag
    max_items: int = 20000       # most-liked movies modelled; the rest score NaN
    epochs: int = 200            # at most; early stopping usually ends sooner
    patience: int = 20           # epochs without a better validation NDCG before stopping
    batch_size: int = 128
    lr: float = 1e-3
    weight_decay: float = 0.0
    anneal_cap: float = 0.2      # largest KL weight beta
    anneal_epochs: int = 40      # epochs for beta to grow from 0 to anneal_cap
    average_epochs: float = 15.0  # horizon of the moving average of the weights that is served
    val_users: float = 0.1       # share of people whose hidden movies decide early stopping
    val_holdout: float = 0.2     # share of those people's liked movies hidden
    val_k: int = 100             # NDCG cut-off for early stopping
    val_picks: int = 3           # also validate from this many of their movies (0 = only all)
    dislike_weight: float = 1.0  # how hard a disliked pick pushes its look-alikes down
    threads: int = 1             # torch CPU threads (small nets: 1 is fastest on shared cores)
    epoch_cap: int = 20000       # people per epoch at most (a fresh sample each; 0: all)
    max_minutes: float = 20.0    # time budget of the training epochs (0: none)


class VAENet(torch.nn.Module):
    """Encoder (bag -> mean, log-variance) and decoder (taste -> movie logits)."""

    def __init__(self, n_items: int, hidden: int, latent: int, dropout: float):
        super().__init__()
        self.latent = latent
        self.dropout = dropout
        self.enc = torch.nn.Sequential(torch.nn.Linear(n_items, hidden), torch.nn.Tanh(),
                                       torch.nn.Linear(hidden, 2 * latent))
        self.dec = torch.nn.Sequential(torch.nn.Linear(latent, hidden), torch.nn.Tanh(),
                                       torch.nn.Linear(hidden, n_items))

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if self.training and self.dropout > 0:
            # each bag loses its own share of movies, drawn uniformly in [0, dropout], then is
            # normalised: thinned to a few movies it looks like a few picks, lightly thinned
            # like a long history -- the encoder learns both
            share = torch.rand(x.shape[0], 1, device=x.device) * self.dropout
            x = x * (torch.rand_like(x) >= share)
        h = self.enc(torch.nn.functional.normalize(x, dim=1))
        return h[:, :self.latent], h[:, self.latent:]

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        mu, logvar = self.encode(x)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar) if self.training else mu
        return self.dec(z), mu, logvar

    def log_probs(self, x: torch.Tensor) -> torch.Tensor:
        """log p(movie | bag) per row, from the encoder mean (evaluation mode)."""
        return torch.log_softmax(self.dec(self.encode(x)[0]), dim=1)

    @torch.no_grad()
    def bag_hidden(self, bags: list[np.ndarray]) -> torch.Tensor:
        """The decoder's last hidden layer for 0/1 bags given as the positions of their
        movies (evaluation mode): the output layer of these rows is what a bag scores.

        A new person's bag holds a few picks: the first layer reads only those columns of
        its weights instead of multiplying a 20,000-wide mostly-zero row."""
        first = self.enc[0]
        rows = []
        for positions in bags:
            pos = torch.as_tensor(np.asarray(positions, dtype=np.int64),
                                  device=first.weight.device)
            h = first.bias.clone()
            if len(pos):                           # a bag of n ones, normalised: 1/sqrt(n)
                h += first.weight[:, pos].sum(dim=1) / float(np.sqrt(len(pos)))
            rows.append(h)
        mu = self.enc[2](self.enc[1](torch.stack(rows)))[:, :self.latent]
        return self.dec[1](self.dec[0](mu))

    @torch.no_grad()
    def bag_log_probs(self, bags: list[np.ndarray]) -> torch.Tensor:
        """`log_probs` of bags given as positions (see `bag_hidden`)."""
        return torch.log_softmax(self.dec[2](self.bag_hidden(bags)), dim=1)

    @torch.no_grad()
    def single_log_norms(self, chunk: int = 512) -> torch.Tensor:
        """log Σⱼ exp(logitⱼ) of every one-movie bag: with it, the lift one pick gives a
        recommended movie (the explanation's evidence) needs that movie's logit only, not
        a pass over every movie per pick."""
        n = self.dec[2].out_features
        out = [torch.logsumexp(self.dec[2](self.bag_hidden(
            [np.array([j]) for j in range(start, min(start + chunk, n))])), dim=1)
            for start in range(0, n, chunk)]
        return torch.cat(out) if out else torch.zeros(0)


def ema_update(average: torch.nn.Module, current: torch.nn.Module, decay: float) -> None:
    """``average <- decay * average + (1 - decay) * current``, parameter by parameter."""
    with torch.no_grad():
        for a, c in zip(average.parameters(), current.parameters()):
            a.lerp_(c, 1.0 - decay)


def most_liked(matrix: sp.csr_matrix, like_at: float, max_items: int) -> np.ndarray:
    """Catalog indices of the ``max_items`` most-liked movies (ties: lower index), ascending.

    A movie nobody rated >= ``like_at`` is never a training target of a model of likes, so
    it is not modelled at all (it scores NaN): that keeps the output layer -- the cost of
    these models -- to movies the data can say something about.
    """
    counts = np.bincount(matrix.indices[matrix.data >= like_at], minlength=matrix.shape[1])
    liked = np.flatnonzero(counts > 0)
    top = liked[np.argsort(-counts[liked], kind="stable")][: max(int(max_items), 0)]
    return np.sort(top).astype(np.int64)


def liked_mask(profile: Profile, like_at: float) -> np.ndarray:
    """Which picks count as liked: rated >= ``like_at`` (unrated picks count as loved) or
    thumbed up; when none is, every positive pick (so a lukewarm profile still gets answers)."""
    pref = profile.preference()
    liked = (profile.effective_ratings() >= like_at) | (profile.feedback_array() == LIKE)
    liked &= pref > 0
    return liked if liked.any() else pref > 0


def few_picks(bags: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """The same bags with only ``n`` of each row's movies (drawn at random) left in."""
    out = np.zeros_like(bags)
    for r, row in enumerate(bags):
        liked = np.flatnonzero(row > 0)
        out[r, rng.choice(liked, size=min(n, len(liked)), replace=False)] = row[liked[0]]
    return out


def split_validation(bags: sp.csr_matrix, share_users: float, share_items: float,
                     rng: np.random.Generator) -> tuple[sp.csr_matrix, sp.csr_matrix, np.ndarray]:
    """(training bags, hidden bags, validation rows): chosen people lose some liked movies.

    At least `MIN_VALIDATION` people are chosen (everyone, on tiny data) and at most
    `MAX_VALIDATION`: they still train on the rest of their bag, so a larger validation set
    costs only the hidden movies (and the time to score it).
    """
    counts = np.diff(bags.indptr)
    eligible = np.flatnonzero(counts >= 2)
    n_val = 0
    if share_users > 0:
        n_val = min(max(int(round(share_users * bags.shape[0])), MIN_VALIDATION), MAX_VALIDATION)
    if n_val < 2 or len(eligible) < 2:
        return bags, sp.csr_matrix(bags.shape, dtype=np.float32), np.zeros(0, np.int64)
    rows = np.sort(rng.choice(eligible, size=min(n_val, len(eligible)), replace=False))
    hide = np.zeros(bags.nnz, dtype=bool)
    for r in rows:
        start, stop = bags.indptr[r], bags.indptr[r + 1]
        n_hide = max(1, int(round(share_items * (stop - start))))
        hide[start + rng.choice(stop - start, size=n_hide, replace=False)] = True
    coo = bags.tocoo()
    keep = sp.csr_matrix((coo.data[~hide], (coo.row[~hide], coo.col[~hide])), shape=bags.shape)
    hidden = sp.csr_matrix((coo.data[hide], (coo.row[hide], coo.col[hide])), shape=bags.shape)
    return keep, hidden, rows


class MultVAE(KeptMoviesNet, Recommender):
    """Variational autoencoder over liked movies; a new person's picks are its input.

    Tuning (ML-100k, `heldout_users` with split seed 1 so that the reported seed-0 numbers
    are not tuned on; NDCG@10 from 3 picks | from 80% of a person's liked movies): the
    paper's set-up (dropout 0.5 after normalising, no averaging) 0.456 | 0.286; averaging
    the weights 0.466 | 0.291; dropping before normalising 0.488 | 0.271; a share drawn in
    [0, 0.9] per bag (the default) 0.489 | 0.288. Graded bags ((stars - 3) / 2) were worse
    (0.472 | 0.278), so were a swish activation and a larger net. EASE scores 0.460 | 0.332
    on the same split: this model wins clearly from a few picks (what the app gets) and
    loses from long histories, where linear item-item models are hard to beat on data this
    small (`benchmarks/bench_neural_topn.py` has the seed-0 comparison).
    """

    name = "vae"
    Config = MultVAEConfig

    # --- fit -------------------------------------------------------------------------------
    def _fit(self, dataset: Dataset) -> None:
        cfg = self.config
        seed_all(cfg.seed)
        self._single_norms = None
        rng = np.random.default_rng(cfg.seed)
        matrix = dataset.ratings.matrix.tocsr()
        kept = most_liked(matrix, cfg.like_at, cfg.max_items)
        sub = matrix[:, kept].tocsr()
        liked = sp.csr_matrix(((sub.data >= cfg.like_at).astype(np.float32), sub.indices,
                               sub.indptr), shape=sub.shape)
        liked.eliminate_zeros()
        liked = liked[np.diff(liked.indptr) > 0]          # people who liked nothing teach nothing
        train, hidden, val_rows = split_validation(liked, cfg.val_users, cfg.val_holdout, rng)
        self._build(kept, len(dataset.catalog))
        device = self._device
        average = self.net                 # what is validated, kept and served
        net = copy.deepcopy(average)        # what the optimiser trains
        optimizer = adam(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
        n_rows = train.shape[0]
        per_epoch = epoch_size(n_rows, cfg.epoch_cap)
        batches = max(1, -(-per_epoch // cfg.batch_size))
        passes = -(-MIN_STEPS // batches)
        anneal_steps = max(1, cfg.anneal_epochs * batches * passes)
        decay = 1.0 - 1.0 / max(1.0, cfg.average_epochs * batches * passes)
        step = 0

        def train_epoch(epoch: int) -> float:
            nonlocal step
            total = 0.0
            net.train()
            for b in range(batches * passes):
                if b % batches == 0:
                    order = epoch_sample(n_rows, cfg.epoch_cap, rng)
                rows = order[(b % batches) * cfg.batch_size:(b % batches + 1) * cfg.batch_size]
                x = torch.from_numpy(train[rows].toarray()).to(device)
                beta = cfg.anneal_cap * min(1.0, step / anneal_steps)
                logits, mu, logvar = net(x)
                nll = -(torch.log_softmax(logits, dim=1) * x).sum(dim=1).mean()
                kl = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(dim=1).mean()
                loss = nll + beta * kl
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                ema_update(average, net, min(decay, (1.0 + step) / (10.0 + step)))
                total += float(loss.detach()) * len(rows)
                step += 1
            return total / (per_epoch * passes)

        known = train[val_rows].toarray()
        inputs = [torch.from_numpy(known).to(device)]
        if cfg.val_picks > 0:
            inputs.append(torch.from_numpy(few_picks(known, cfg.val_picks, rng)).to(device))
        val_truth = hidden[val_rows]

        def validate() -> float:
            """Mean NDCG of the hidden movies, from all the rest and from a few picks."""
            values = []
            for x in inputs:
                scores = average.log_probs(x).cpu().numpy()
                scores[known > 0] = -np.inf       # known likes are not answers
                values.append(mean_ndcg_at_k(scores, val_truth, cfg.val_k))
            return float(np.mean(values))

        deadline = deadline_in(cfg.max_minutes)
        with torch_threads(cfg.threads):
            self.history = train_with_early_stopping(
                average, cfg.epochs, train_epoch, validate if len(val_rows) else None, cfg.patience,
                higher_is_better=True, label="Mult-VAE", metric=self._history_metric(),
                deadline=deadline)
        self._finish()

    def _build(self, kept: np.ndarray, n_catalog: int) -> None:
        cfg = self.config
        self._device = torch_device()
        self.kept = np.asarray(kept, dtype=np.int64)
        self._pos = np.full(n_catalog, -1, dtype=np.int64)
        self._pos[self.kept] = np.arange(len(self.kept))
        self._n = n_catalog
        self.net = VAENet(len(self.kept), cfg.hidden, cfg.latent, cfg.dropout).to(self._device)

    def _finish(self) -> None:
        """Cache the decoder's answer for an empty bag (the baseline lifts are measured from)
        and the log-normaliser of every one-movie bag (saved with the model: computing it
        is a pass of the catalog through the net)."""
        self.net.eval()
        self._last = LastPerson()
        self._prior = self._log_probs([np.zeros(0, np.int64)])[0]
        norms = getattr(self, "_single_norms", None)
        if norms is None or len(norms) != len(self.kept):
            with torch_threads(self.config.threads):
                norms = self.net.single_log_norms().cpu().numpy().astype(np.float64)
        self._single_norms = norms

    # --- scoring ---------------------------------------------------------------------------
    def _log_probs(self, bags: list[np.ndarray]) -> np.ndarray:
        """log p(movie | bag) for bags given as model positions, one row per bag."""
        with torch.no_grad(), torch_threads(self.config.threads):
            return self.net.bag_log_probs(bags).cpu().numpy().astype(np.float64)

    def _liked_and_disliked(self, profile: Profile) -> tuple[np.ndarray, np.ndarray]:
        """Model positions of the liked picks (the input bag) and of the disliked ones."""
        liked = liked_mask(profile, self.config.like_at)
        pos = self._pos[profile.items]
        return pos[liked & (pos >= 0)], pos[(profile.preference() < 0) & (pos >= 0)]

    def _answers(self, profile: Profile) -> tuple[np.ndarray, np.ndarray]:
        """(liked positions, scores of the modelled movies); the last person's answer is
        kept, since `recommend` asks for scores and then for explanations."""
        return self._last.get(profile, self._answers_now)

    def _answers_now(self, profile: Profile) -> tuple[np.ndarray, np.ndarray]:
        liked, disliked = self._liked_and_disliked(profile)
        scores = np.zeros(0)
        if len(liked):
            logp = self._log_probs([liked] + ([disliked] if len(disliked) else []))
            scores = logp[0]
            if len(disliked):
                lift = np.maximum(logp[1] - self._prior, 0.0)
                scores = scores - self.config.dislike_weight * lift
        return liked, scores

    def lifts(self, picks: np.ndarray, targets: np.ndarray) -> np.ndarray:
        """(picks x targets) ``log p(t | {pick}) - log p(t | {})`` for model positions: how
        much likelier each pick alone makes each target, from the targets' logits and the
        saved log-normalisers."""
        out_layer = self.net.dec[2]
        with torch.no_grad(), torch_threads(self.config.threads):
            hidden = self.net.bag_hidden([np.array([p]) for p in picks])
            t = torch.as_tensor(targets, device=hidden.device)
            logits = hidden @ out_layer.weight[t].T + out_layer.bias[t]
            logits = logits.cpu().numpy().astype(np.float64)
        return logits - self._single_norms[picks][:, None] - self._prior[targets][None, :]

    def score(self, profile: Profile) -> np.ndarray:
        self._need()
        liked, scores = self._answers(profile)
        out = np.full(self._n, np.nan)
        if len(liked):                            # else no modelled pick: nothing to go on
            out[self.kept] = scores
        return out

    def explain(self, profile: Profile, items: np.ndarray, scores: np.ndarray) -> list[str]:
        catalog = self._need().catalog
        liked, _ = self._answers(profile)
        items = np.asarray(items, dtype=np.int64)
        target = self._pos[items]
        if len(liked) == 0:
            return [ex.popularity_evidence(catalog, int(i)) for i in items]
        modelled = target[target >= 0]
        lift = self.lifts(liked, modelled)                  # picks x modelled targets
        reasons, column = [], 0
        for item, t in zip(items, target):
            if t < 0:
                reasons.append(ex.popularity_evidence(catalog, int(item)))
                continue
            best = int(np.argmax(lift[:, column]))
            pick = int(self.kept[liked[best]])
            ratio = float(np.exp(lift[best, column]))
            column += 1
            evidence = f"{ratio:.1f}x likelier given it" if ratio >= 1.05 else "taste match"
            reasons.append(ex.because(catalog, int(item), pick, evidence))
        return reasons

    # --- persistence -----------------------------------------------------------------------
    def state(self) -> dict[str, np.ndarray]:
        return {**super().state(), "single_norms": self._single_norms}

    def _restore(self, state: dict[str, np.ndarray], dataset) -> None:
        self._single_norms = state.get("single_norms")     # older saves: computed again
        super()._restore(state, dataset)

    def _history_metric(self) -> str:
        return METRIC.format(k=self.config.val_k)
