"""What a star rating says about liking: the one definition used everywhere.

Every part of movierec that needs to know whether a person liked a movie -- profiles,
splitters and their ground truth, the models' positives, the peers' implicit interactions,
the metrics' relevant sets -- reads it here, so a change of mind is one line.

* `LIKED_AT` (4.0 on the 5-star scale): a rating at or above it means *liked*. This is the
  threshold of the MovieLens literature (and of implicit's MovieLens example).
* `NEUTRAL_AT` (3.0): the middle of the scale. A rating's *preference* is signed around it,
  ``(stars - 3) / 2`` clipped to [-1, 1]: 5 stars is +1, 1 star is -1, 3 stars is 0. A pick
  with a preference above 0 is something to go on; it is not necessarily *liked*.
"""

from __future__ import annotations

import numpy as np

LIKED_AT = 4.0
NEUTRAL_AT = 3.0
HALF_SCALE = 2.0   # stars from the neutral point to either end of the 1..5 scale


def is_liked(stars) -> np.ndarray:
    """True where a rating means the person liked the movie (``stars >= LIKED_AT``)."""
    return np.asarray(stars) >= LIKED_AT


def preference(stars) -> np.ndarray:
    """Signed strength in [-1, 1] of each rating: ``(stars - NEUTRAL_AT) / 2``, clipped."""
    values = np.asarray(stars, dtype=np.float32)
    return np.clip((values - NEUTRAL_AT) / HALF_SCALE, -1.0, 1.0).astype(np.float32)
