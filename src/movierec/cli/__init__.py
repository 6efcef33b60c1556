"""`movierec` command line: thin typer commands over the library.

Every command that needs data takes ``--data NAME`` (default: The Movies Dataset) and
prepares it on first use; ``--json`` prints one JSON object whose ``results`` list holds one
object per movie (or per model), so scripts can consume it.
"""

from movierec.cli.main import app

__all__ = ["app"]
