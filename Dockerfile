# syntax=docker/dockerfile:1
# steadyflow's container image: the UI's browser libraries and the wheel are built in the first two
# stages; the runtime stage holds Python and the installed wheel only, and runs as a non-root user.
#   docker build -t steadyflow .
#   docker run -p 8080:8080 steadyflow            # serve on SQLite in the container's volume
#   docker run steadyflow worker --db postgresql+psycopg://...

FROM node:20-bookworm-slim AS assets
WORKDIR /src/webui
COPY webui/package.json webui/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

FROM python:3.11-slim-bookworm AS wheel
WORKDIR /src
RUN python -m pip install --no-cache-dir build==1.6.1
COPY . .
COPY --from=assets /src/webui/node_modules webui/node_modules
RUN python -m build --wheel --outdir /dist .

FROM python:3.11-slim-bookworm AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    STEADYFLOW_DATA_DIR=/var/lib/steadyflow
RUN groupadd --system --gid 10001 steadyflow \
    && useradd --system --uid 10001 --gid steadyflow --home-dir /var/lib/steadyflow --create-home steadyflow
COPY --from=wheel /dist/ /tmp/dist/
RUN python -m pip install --no-cache-dir /tmp/dist/*.whl && rm -rf /tmp/dist
COPY examples/ /opt/steadyflow/examples/
USER 10001:10001
WORKDIR /var/lib/steadyflow
VOLUME ["/var/lib/steadyflow"]
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/health', timeout=4)"]
ENTRYPOINT ["steadyflow"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8080"]
