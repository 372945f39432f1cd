# syntax=docker/dockerfile:1
# pixelsmith's chat UI on an NVIDIA GPU, with Ray Serve for `pixelsmith serve` (README: "Running with Docker and a GPU").
#
#   docker build -t pixelsmith .
#   docker run --gpus all -p 8501:8501 -v pixelsmith-hf:/data/hf -v pixelsmith-data:/data/pixelsmith pixelsmith
#
# torch comes from PyPI with its own CUDA libraries (CUDA 13 builds, as in the test
# environment); the base image matches them. For a CUDA 12 driver, build with
#   --build-arg CUDA_IMAGE=nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04
#   --build-arg PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cu128
ARG CUDA_IMAGE=nvidia/cuda:13.0.2-cudnn-runtime-ubuntu24.04
FROM ${CUDA_IMAGE}

ARG PIP_EXTRA_INDEX_URL=""
ENV DEBIAN_FRONTEND=noninteractive \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/pixelsmith \
    PATH=/opt/pixelsmith/bin:$PATH

# 1. Python (a venv: Ubuntu's system Python is externally managed) and tini as PID 1.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv ca-certificates tini \
 && rm -rf /var/lib/apt/lists/*

# 2. The project with the server extras: the same pip install as .ci/run, with [ray] for [dev].
WORKDIR /src
COPY pyproject.toml README.md ./
COPY pixelsmith ./pixelsmith
RUN --mount=type=cache,target=/root/.cache/pip \
    python3 -m venv "$VIRTUAL_ENV" \
 && pip install ".[ray]" \
 && python -c "import pixelsmith, torch, diffusers, transformers, ray; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'ray', ray.__version__)"

# 3. A non-root user; models and sessions live on volumes that outlive the container.
RUN useradd --create-home --uid 10001 pixelsmith \
 && mkdir -p /data/hf /data/pixelsmith \
 && chown -R pixelsmith:pixelsmith /data
ENV HF_HOME=/data/hf \
    PIXELSMITH_DATA_DIR=/data/pixelsmith \
    HF_HUB_DISABLE_TELEMETRY=1 \
    RAY_USAGE_STATS_ENABLED=0
VOLUME ["/data/hf", "/data/pixelsmith"]
USER pixelsmith
WORKDIR /home/pixelsmith

EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4)"
ENTRYPOINT ["tini", "--"]
CMD ["pixelsmith", "ui", "--host", "0.0.0.0", "--port", "8501"]
