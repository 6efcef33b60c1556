"""What an evaluation runs by default when the data is large (The Movies Dataset's full 26M
ratings): the methods and peers whose fits fit the time, one split, peers on every core.

`movierec evaluate --data the-movies-dataset-full --max-users 5000` should finish both
protocols in well under an hour on a laptop-class machine (docs/SCALE.md). Run as on small
data it would fit 17 methods and 9 peers on 21M ratings, five times over for the ratings
protocol: days. So from `LARGE` ratings on, the *default* sets ("all") leave out what
`benchmarks/bench_scale.py` measured to be slow at that size, and the ratings protocol
makes one split instead of five folds. Each omission is a note in the result, naming how
to ask for it; methods, peers or folds named on the command line are always run as asked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from movierec.evaluation.choice import chosen_names, means_all
from movierec.evaluation.peers import RATING_PEERS

LARGE = 5_000_000      # ratings from which the default sets and folds shrink

# method -> why it is not in the default set at scale (fit times at 26M on 2 cores)
SLOW_METHODS: dict[str, str] = {
    "svd": "a Gibbs-sampled fit (about 7 min)",
    "nmf": "a multiplicative-update fit (about 6 min)",
    "blend": "fits EASE, user-kNN and RP3beta twice to learn its weights (about 5 min)",
    "embeddings": "encodes every movie's text with MiniLM on its first run (about 20 min)",
    "mlp": "trains a neural net on its time budget (20 min)",
    "ncf": "trains a neural net on its time budget (20 min)",
    "vae": "trains a neural net on its time budget (20 min)",
    "sasrec": "trains a neural net on its time budget (20 min)",
}
# ...except the rating models the ratings protocol would otherwise lose altogether
KEPT_FOR_RATINGS = ("svd", "nmf")

SLOW_PEERS: dict[str, str] = {
    "peer:surprise-svd": "pure-Python-loop SGD over every rating, 20 epochs (about 15 min)",
    "peer:surprise-svdpp": "SVD++ over every rating (hours)",
    "peer:surprise-knnbaseline": "a dense 45k x 45k movie similarity matrix (16 GB)",
}


@dataclass
class ScalePlan:
    """What "all" leaves out here (methods, peers), the folds to make, and why (notes)."""

    skip_models: tuple[str, ...] = ()
    skip_peers: tuple[str, ...] = ()
    folds: int | None = None
    peer_threads: int = 1        # 1: the peers' numbers reproduce exactly; 0: every core
    notes: list[str] = field(default_factory=list)


def plan_for(n_ratings: int, protocol: str, models, peers, folds: int | None,
             large: int = LARGE) -> ScalePlan:
    """The run for data of ``n_ratings``: nothing changes below ``large`` ratings, nor for
    what is named (``models``/``peers`` other than "all", ``folds`` given); at scale, "all"
    skips the slow methods and peers, and the ratings protocol makes one split."""
    plan = ScalePlan(folds=folds)
    if n_ratings < large:
        return plan
    size = f"{n_ratings:,} ratings"
    if means_all(models):
        plan.skip_models = tuple(m for m in SLOW_METHODS
                                 if not (protocol == "ratings" and m in KEPT_FOR_RATINGS))
        why = "; ".join(f"{m}: {SLOW_METHODS[m]}" for m in plan.skip_models)
        plan.notes.append(f"at {size}, 'all' leaves out the methods slow to fit at this size "
                          f"({why}); name them with --models to include them")
    if means_all(peers):
        plan.skip_peers = tuple(SLOW_PEERS)
        applies = [p for p in SLOW_PEERS if (p in RATING_PEERS) == (protocol == "ratings")]
        if applies:
            why = "; ".join(f"{p.removeprefix('peer:')}: {SLOW_PEERS[p]}" for p in applies)
            plan.notes.append(f"at {size}, 'all' leaves out the peers slow to fit at this "
                              f"size ({why}); name them with --peers to include them")
    plan.peer_threads = 0
    if protocol != "ratings" and chosen_names(peers) != []:    # where implicit's peers run
        plan.notes.append(f"at {size}, implicit's peers train on every core (BPR's and LMF's "
                          "parallel updates make their numbers vary slightly from run to run; "
                          "one thread, as on small data, takes 16 min for BPR alone)")
    if protocol == "ratings" and folds is None:
        plan.folds = 1
        plan.notes.append(f"at {size}, the ratings protocol makes one 80/20 split instead of "
                          "5 folds; --folds 5 asks for all five")
    return plan
