"""movierec on Hugging Face Spaces (or anywhere): `python app.py`.

Serves the Gradio app. A bundle made by `movierec deploy` carries the prepared dataset and
the fitted default method in ./home, linked into MOVIEREC_HOME at start, so nothing is
downloaded or trained first; without it the dataset is downloaded and prepared on the
first start (set MOVIEREC_DATA to a folder holding the raw files to skip the download).
Environment: MOVIEREC_DATASET (default 'the-movies-dataset'), GRADIO_SERVER_NAME, GRADIO_SERVER_PORT.
"""

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
for source in (HERE / "src", HERE):  # a repository checkout, or a Space bundle
    if (source / "movierec" / "__init__.py").is_file():
        sys.path.insert(0, str(source))
        break

DATASET = os.environ.get("MOVIEREC_DATASET", 'the-movies-dataset')

if __name__ == "__main__":
    from movierec.app.deploy import seed_home, space_home

    space_home()
    if (HERE / "home").is_dir():
        seed_home(HERE / "home")
    from movierec.cli import app

    app(["serve", "--data", DATASET,
         "--host", os.environ.get("GRADIO_SERVER_NAME", "0.0.0.0"),
         "--port", os.environ.get("GRADIO_SERVER_PORT", "7860")])
