# syntax=docker/dockerfile:1
# One image for the Python services (ingest, assess, api, sim, mosquitto-init): build a virtual
# environment with the extras in a build stage, copy only it into a slim runtime as a non-root user.
ARG PYTHON_IMAGE=python:3.11.10-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/dampwatch
COPY pyproject.toml README.md ./
COPY core core
COPY ingest ingest
COPY api api
COPY gateway gateway
COPY firmware-sim firmware-sim
COPY grafana/dampwatch_grafana grafana/dampwatch_grafana
COPY stack stack
ARG EXTRAS=ingest,api,sim,postgres
RUN /opt/dampwatch/bin/pip install ".[${EXTRAS}]"

FROM ${PYTHON_IMAGE} AS runtime
# LightGBM (`dampwatch predict`) links the GNU OpenMP runtime, which the slim image lacks.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgomp1 \
 && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 dampwatch \
 && useradd --system --uid 10001 --gid dampwatch --home-dir /var/lib/dampwatch \
      --shell /usr/sbin/nologin dampwatch \
 && install -d -o dampwatch -g dampwatch -m 0750 /var/lib/dampwatch
COPY --from=build /opt/dampwatch /opt/dampwatch
COPY deploy/docker/entrypoint.py deploy/docker/healthcheck.py /opt/dampwatch/deploy/
COPY deploy/mosquitto/dynsec_bootstrap.py /opt/dampwatch/deploy/
ENV PATH=/opt/dampwatch/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DAMPWATCH_DATA_DIR=/var/lib/dampwatch
WORKDIR /var/lib/dampwatch
USER dampwatch:dampwatch
ENTRYPOINT ["python", "/opt/dampwatch/deploy/entrypoint.py"]
CMD ["--help"]
