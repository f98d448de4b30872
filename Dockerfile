# syntax=docker/dockerfile:1
FROM python:3.11-slim AS build
WORKDIR /src
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY pyproject.toml README.md requirements.lock ./
COPY bot ./bot
COPY handlers ./handlers
COPY integrations ./integrations
COPY locales ./locales
RUN python -m venv /opt/shopbot \
 && /opt/shopbot/bin/pip install --upgrade pip \
 && /opt/shopbot/bin/pip install --require-hashes -r requirements.lock \
 && /opt/shopbot/bin/pip install --no-deps . \
 && /opt/shopbot/bin/pybabel compile -d "$(/opt/shopbot/bin/python -c 'import locales, os; print(os.path.dirname(locales.__file__))')" -D shopbot

FROM python:3.11-slim
RUN useradd --system --create-home --home-dir /var/lib/shopbot --uid 10001 shopbot
COPY --from=build /opt/shopbot /opt/shopbot
ENV PATH=/opt/shopbot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    HTTP_HOST=0.0.0.0 \
    HTTP_PORT=8080 \
    DATABASE_URL=sqlite+aiosqlite:////var/lib/shopbot/shopbot.db
USER shopbot
WORKDIR /var/lib/shopbot
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('HTTP_PORT', '8080')}/healthz\", timeout=4)"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["shopbot"]
CMD ["run"]
