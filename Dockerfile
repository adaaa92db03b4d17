# tokdash hosted demo (Hugging Face Spaces with the Docker SDK, or any container host).
# The vocabularies are fetched and verified at build time by the same `make fetch` that
# `make run` / `make test` (and CI) use, so the running container needs no network.
FROM python:3.11-slim

RUN apt-get update && apt-get install -y --no-install-recommends make \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 1000 app
USER app
WORKDIR /home/app/tokdash
ENV PATH=/home/app/tokdash/.venv/bin:$PATH \
    TOKDASH_CACHE_DIR=/home/app/.cache/tokdash \
    TOKDASH_HOSTED=1 \
    STREAMLIT_SERVER_MAX_UPLOAD_SIZE=20 \
    PORT=7860 \
    PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu

COPY --chown=app:app requirements.txt requirements-dev.txt requirements-ray.txt Makefile ./
RUN make deps
COPY --chown=app:app . .
RUN make fetch

EXPOSE 7860
CMD ["sh", "-c", "streamlit run app.py --server.port ${PORT} --server.address 0.0.0.0"]
