"""The data layer: raw files in their original formats -> one clean, cached `Dataset`."""

from movierec.data.catalog import Catalog
from movierec.data.dataset import Dataset
from movierec.data.ratings import Ratings
from movierec.data.rawfiles import DataError, MissingFileError
from movierec.data.sources import DEFAULT_SOURCE, SOURCES, get_spec


def load_dataset(name: str | None = None, **kwargs) -> Dataset:
    """Prepared dataset ``name`` (default: The Movies Dataset), preparing it on first use.

    Keyword arguments: ``from_path`` (folder or zip), ``data_dir``, ``movie_list``,
    ``tmdb_path``, ``force``, ``progress`` -- see `movierec.data.prepare.load_dataset`.
    """
    from movierec.data.prepare import load_dataset as _load

    return _load(name, **kwargs)


__all__ = ["Catalog", "DataError", "Dataset", "Ratings", "MissingFileError", "DEFAULT_SOURCE", "SOURCES",
           "get_spec", "load_dataset"]
