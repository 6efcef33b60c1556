"""movierec: name three movies you love, get a wall of posters you would watch next.

The library is organised as one flow (see docs/ARCHITECTURE.md):
raw files -> prepare -> Dataset (Catalog + Ratings) -> fit -> Recommender -> service -> you.

``movierec.recommend(["Toy Story", "Finding Nemo", "Up"])`` returns an explained `Answer`
(see `movierec.service.api.recommend`); heavy modules load on first use.
"""

__version__ = "0.1.0"


def recommend(picks, **options):
    """Explained recommendations for ``picks``: see `movierec.service.api.recommend`."""
    from movierec.service.api import recommend as _recommend

    return _recommend(picks, **options)


def search(query, **options):
    """Typo-tolerant title search: see `movierec.service.api.search`."""
    from movierec.service.api import search as _search

    return _search(query, **options)


def together(members, **options):
    """One list for a group of 2-8 people: see `movierec.service.api.together`."""
    from movierec.service.api import together as _together

    return _together(members, **options)
