# syntax=docker/dockerfile:1
# The qrstream image: one wheel (Python packages plus the native module), every command.
#   docker build -t qrstream .
#   docker run --rm qrstream --help
# docker-compose.yml and deploy/k8s run it as worker, sink, SIEM forwarder, loadgen and init job.

# Bookworm's Python is 3.11, the ABI of the runtime stage below, so the cp311 wheel built here
# installs there unchanged.
FROM rust:1-slim-bookworm AS build
# cmake, a C compiler and libclang build AWS-LC (aws-lc-sys) inside the native module.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        build-essential clang cmake libclang-dev python3 python3-dev python3-venv \
    && rm -rf /var/lib/apt/lists/*
RUN python3 -m venv /opt/maturin \
    && /opt/maturin/bin/pip install --no-cache-dir "maturin>=1.9.4,<2"
WORKDIR /src
COPY Cargo.toml Cargo.lock pyproject.toml README.md ./
COPY native/ native/
COPY streams/ streams/
COPY topics/ topics/
COPY models/ models/
COPY loadgen/ loadgen/
COPY bench/ bench/
# Cargo.lock is used as is (pyproject.toml: locked). The plain linux tag, not manylinux: the
# wheel only has to install on the runtime stage's own Debian release.
RUN /opt/maturin/bin/maturin build --release --compatibility linux --interpreter python3 \
    --out /dist

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    QR_VAR_DIR=/var/lib/qrstream \
    QR_KEYS_DIR=/var/lib/qrstream/keys \
    QR_LOG_FORMAT=json \
    QR_METRICS_HOST=0.0.0.0
COPY --from=build /dist/ /tmp/dist/
RUN pip install --no-cache-dir /tmp/dist/*.whl && rm -rf /tmp/dist
# streams/sinks/ddl.py reads the schema from deploy/clickhouse beside the installed packages
# (the repository layout); the wheel does not carry it.
COPY deploy/clickhouse/ /usr/local/lib/python3.11/site-packages/deploy/clickhouse/
# A fixed non-root uid. The state directories exist in the image so that an empty named volume
# mounted on one (docker-compose.yml) starts out owned by that user.
RUN useradd --system --uid 10001 --home-dir /var/lib/qrstream qrstream \
    && install -d -o qrstream -g qrstream -m 0700 /var/lib/qrstream \
        /var/lib/qrstream/keys /var/lib/qrstream/trust /var/lib/qrstream/faust \
        /var/lib/qrstream/siem /var/lib/qrstream/loadgen
USER 10001
WORKDIR /var/lib/qrstream
ENTRYPOINT ["qrstream"]
CMD ["--help"]
