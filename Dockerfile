# syntax=docker/dockerfile:1
# Build:  docker build -t mle-roadmap-bot .
# Run:    docker run --env-file .env -v mlebot-data:/data mle-roadmap-bot

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY content ./content
COPY scheduler ./scheduler
COPY storage ./storage
# The postgres extra (psycopg) too, so one image serves SQLite and PostgreSQL (compose.yaml).
RUN pip wheel --no-cache-dir --wheel-dir /wheels ".[postgres]"

FROM python:3.11-slim AS runtime
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MLEBOT_DATABASE=/data/mlebot.sqlite3
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin mlebot \
    && mkdir -p /data && chown mlebot /data
USER mlebot
WORKDIR /data
VOLUME /data
HEALTHCHECK --interval=60s --timeout=10s --start-period=60s --retries=3 CMD ["mle-bot", "health"]
ENTRYPOINT ["mle-bot"]
CMD ["run"]
