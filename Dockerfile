# LLM Explainer in a container: one replica of the app, CPU only, offline once built, warm on start.
#
#   docker build -t llm-explainer .
#   docker run --rm -p 8501:8501 llm-explainer          # then open http://localhost:8501
#
# Built and run with Podman 4.3 on Debian 12 by `make container-test` (deploy/container_test.sh),
# which also starts three replicas behind HAProxy and puts a class of thirty on them; figures in
# bench/RESULTS.md, "Container recipe". For a school's deployment see deploy/ and the README,
# "For a large class or a school".
#
# Build arguments:
#   BASE            the image to start from. Default: the public Python image. Any Debian 12
#                   based image works: without python3.11 in it, Debian's own python3 (3.11) is
#                   installed (e.g. an image made with debootstrap where no registry is reachable).
#   TORCH_SOURCE    where torch==2.13.0 comes from: PyTorch's CPU index URL by default (a plain
#                   PyPI torch is the CUDA build, gigabytes); "pypi" for PyPI itself; "wheels"
#                   for the wheel(s) put in deploy/wheels/ (e.g. a CPU wheel the machine has).
# A proxy that inspects HTTPS needs its certificate: pass it as the build secret `ca`
# (`--secret id=ca,src=/etc/ssl/certs/ca-certificates.crt`); it is used while building and not
# kept in the image.
ARG BASE=python:3.11-slim-bookworm

# --- JavaScript for BertViz's views (d3, require.js, jQuery from npm), without node in the app image
FROM ${BASE} AS js
RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm ca-certificates \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /js
COPY package.json package-lock.json ./
RUN --mount=type=secret,id=ca \
    if [ -s /run/secrets/ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca; fi; \
    npm ci --no-audit --no-fund --loglevel=error

# --- the app's files, less the wheels the build installs from (they stay out of the image)
FROM ${BASE} AS source
COPY . /src
RUN rm -rf /src/deploy/wheels

# --- the app
FROM ${BASE}
ARG TORCH_SOURCE=https://download.pytorch.org/whl/cpu

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    OMP_NUM_THREADS=1 \
    PATH=/opt/venv/bin:$PATH

# Python 3.11 from the base image, or Debian 12's own; the app's packages in /opt/venv.
RUN if ! command -v python3.11 >/dev/null; then \
        apt-get update \
        && apt-get install -y --no-install-recommends python3 python3-venv ca-certificates \
        && rm -rf /var/lib/apt/lists/*; \
    fi \
    && python3.11 -m venv /opt/venv \
    && useradd --create-home --uid 1000 explainer
WORKDIR /app

COPY requirements.txt requirements-nodeps.txt ./
RUN --mount=type=secret,id=ca --mount=type=bind,source=deploy/wheels,target=/tmp/torch-wheels \
    if [ -s /run/secrets/ca ]; then export PIP_CERT=/run/secrets/ca; fi; \
    case "$TORCH_SOURCE" in \
        wheels) pip install --find-links /tmp/torch-wheels torch==2.13.0 ;; \
        pypi) pip install torch==2.13.0 ;; \
        *) pip install --index-url "$TORCH_SOURCE" torch==2.13.0 ;; \
    esac \
    && pip install -r requirements.txt \
    && pip install --no-deps -r requirements-nodeps.txt \
    && python -c "import torch; assert torch.__version__.startswith('2.13.0') and not torch.cuda.is_available(), torch.__version__"

COPY --from=js /js/node_modules ./node_modules
COPY --from=source --chown=explainer:explainer /src/ ./
USER explainer

# SmolLM2's float32 copy (from the 4-bit file its package ships) is made now, not at first start.
RUN python -c "from lm_core.models.smollm2_cache import ensure_cache; print('SmolLM2 cache:', ensure_cache())"

# The port and address come from Streamlit's own variables, so replicas can differ (deploy/compose.yaml).
ENV STREAMLIT_SERVER_PORT=8501 \
    STREAMLIT_SERVER_ADDRESS=0.0.0.0
EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=180s \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/_stcore/health' % os.environ.get('STREAMLIT_SERVER_PORT', '8501'), timeout=4)"
# ui/launch.py warms up (imports, job workers, every model, SmolLM2) before the port opens.
CMD ["python", "-m", "streamlit", "run", "ui/launch.py"]
