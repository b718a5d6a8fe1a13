# LLM Explainer in a container: one replica of the app, CPU only, fully offline once built.
#
#   docker build -t llm-explainer .
#   docker run --rm -p 8501:8501 llm-explainer          # then open http://localhost:8501
#
# Written for Docker/Podman on a 64-bit Linux host; it could not be built where it was written
# (no container engine there), so the first build is also its first test. torch is installed
# from PyTorch's CPU index first: requirements.txt pins torch==2.13.0, which the CPU wheel
# (2.13.0+cpu) satisfies, so pip keeps it; a plain PyPI install of torch would pull the CUDA
# build and about 15 nvidia-* packages (gigabytes). For several replicas behind a proxy see the
# README, "For a large class or a school".
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    OMP_NUM_THREADS=1

# npm fetches the three JavaScript files BertViz's attention views need (package-lock.json).
RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 1000 explainer
WORKDIR /app

COPY requirements.txt ./
RUN pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0 \
    && pip install -r requirements.txt \
    && python -c "import torch; assert torch.__version__.startswith('2.13.0') and not torch.cuda.is_available(), torch.__version__"

COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

COPY --chown=explainer:explainer . .
USER explainer

EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4)"
CMD ["python", "-m", "streamlit", "run", "ui/launch.py", "--server.address", "0.0.0.0", "--server.port", "8501"]
