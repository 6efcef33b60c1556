# movierec web app in a container, from a clean checkout:
#   docker build -t movierec . && docker run -p 7860:7860 -v movierec-home:/home/movierec/.cache movierec
# The same entry as the Space (app.py -> `movierec serve`): on the first start The Movies
# Dataset is downloaded from Kaggle (kagglehub; pass -e KAGGLE_USERNAME -e KAGGLE_KEY where
# Kaggle wants a login; MovieLens' ml-latest-small from GroupLens if Kaggle refuses), prepared
# once into the volume, and served; later starts reuse it. Or mount files you already have:
#   docker run -p 7860:7860 -v /path/to/data:/data:ro -e MOVIEREC_DATA=/data movierec
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    GRADIO_ANALYTICS_ENABLED=False \
    GRADIO_SERVER_NAME=0.0.0.0 \
    GRADIO_SERVER_PORT=7860 \
    MOVIEREC_DATASET=the-movies-dataset

# implicit uses OpenMP (libgomp); everything else ships as manylinux wheels
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgomp1 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/movierec
COPY pyproject.toml README.md app.py ./
COPY src ./src
RUN pip install ".[app,download]"

# an unprivileged user; prepared data, models and feedback live in its cache (MOVIEREC_HOME)
RUN useradd --create-home --uid 1000 movierec
USER movierec
ENV MOVIEREC_HOME=/home/movierec/.cache/movierec
VOLUME ["/home/movierec/.cache"]

EXPOSE 7860
CMD ["python", "app.py"]
