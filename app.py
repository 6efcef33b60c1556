"""movierec on Hugging Face Spaces (or anywhere): `python app.py`.

Downloads and prepares the dataset on first start when no copy is found (set MOVIEREC_DATA
to a folder holding the raw files to skip the download), then serves the Gradio app.
Environment: MOVIEREC_DATASET (default 'ml-latest-small'), GRADIO_SERVER_NAME, GRADIO_SERVER_PORT.
"""

import logging
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
for source in (HERE / "src", HERE):  # a repository checkout, or a Space bundle
    if (source / "movierec" / "__init__.py").is_file():
        sys.path.insert(0, str(source))
        break

DATASET = os.environ.get("MOVIEREC_DATASET", 'ml-latest-small')

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    from movierec.app.deploy import ensure_data, space_home

    space_home()
    ensure_data(DATASET)
    from movierec.app import launch

    launch(data=DATASET, host=os.environ.get("GRADIO_SERVER_NAME", "0.0.0.0"),
           port=int(os.environ.get("GRADIO_SERVER_PORT", "7860")))
