# syntax=docker/dockerfile:1
# One image for the whole SMILE suite; the command picks the service and the process:
#   smile-catalogue api --host 0.0.0.0 --port 8000      (also: agreements, records, ewp-gateway, indicators)
#   smile-catalogue worker --health-host 0.0.0.0 --health-port 8001
#   smile-catalogue migrate
# Build from the repository root:  docker build -t smile:0.1.0 .
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
COPY constraints.txt ./
COPY libs libs
COPY services services
COPY suite suite
COPY deploy/docker/install.sh deploy/docker/install.sh
RUN sh deploy/docker/install.sh /opt/smile

FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="SMILE" \
      org.opencontainers.image.description="Incoming international student mobility services (catalogue, agreements, records, EWP gateway, indicators)" \
      org.opencontainers.image.licenses="EUPL-1.2"
ENV PATH=/opt/smile/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    SMILE_DATA_DIR=/var/lib/smile
RUN groupadd --system --gid 10001 smile \
 && useradd --system --uid 10001 --gid smile --home-dir /var/lib/smile --no-create-home --shell /usr/sbin/nologin smile \
 && install -d -o smile -g smile -m 0750 /var/lib/smile /var/lib/smile-documents \
 && install -d -o smile -g smile -m 0700 /var/lib/smile-ewp-keys
COPY --from=build /opt/smile /opt/smile
COPY deploy/docker/healthcheck.py /opt/smile/bin/smile-healthcheck
USER 10001:10001
WORKDIR /var/lib/smile
EXPOSE 8000 8001
HEALTHCHECK --interval=30s --timeout=5s --start-period=40s --retries=3 CMD ["smile-healthcheck"]
CMD ["smile", "--help"]
