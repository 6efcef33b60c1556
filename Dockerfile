# movierec web app in a container: docker build -t movierec . && docker run -p 7860:7860 movierec
# Raw data is downloaded on first start (MovieLens from GroupLens by default), or mounted:
#   docker run -p 7860:7860 -v /path/to/data:/data:ro -e MOVIEREC_DATA=/data \
#              -e MOVIEREC_DATASET=the-movies-dataset -v movierec-home:/home/movierec/.cache movierec
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    GRADIO_ANALYTICS_ENABLED=False \
    MOVIEREC_DATASET=ml-latest-small

# implicit uses OpenMP (libgomp); everything else ships as manylinux wheels
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgomp1 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/movierec
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install ".[app,download]"

# an unprivileged user; prepared data, models and feedback live in its cache (MOVIEREC_HOME)
RUN useradd --create-home --uid 1000 movierec
USER movierec
ENV MOVIEREC_HOME=/home/movierec/.cache/movierec
VOLUME ["/home/movierec/.cache"]

EXPOSE 7860
# prepare the dataset (downloading its raw files only when none are mounted), then serve
CMD ["sh", "-c", "python -c \"import logging, sys; logging.basicConfig(level=logging.INFO); from movierec.app.deploy import ensure_data; ensure_data(sys.argv[1])\" \"$MOVIEREC_DATASET\" && exec movierec serve --host 0.0.0.0 --port 7860 --data \"$MOVIEREC_DATASET\""]
