"""movierec: name three movies you love, get a wall of posters you would watch next.

The library is organised as one flow (see docs/DESIGN.md):
raw files -> prepare -> Dataset (Catalog + Ratings) -> fit -> Recommender -> recommend(profile).
"""

__version__ = "0.1.0"
