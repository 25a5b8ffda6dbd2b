# crebot: one process serving webhooks, Slack, the API, health and metrics on port 8080.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

# The same install as the README, without the test extra: a plain install of the project.
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY migrations ./migrations
COPY playbooks ./playbooks
RUN pip install . && useradd --create-home --uid 10001 crebot && mkdir /data && chown crebot /data

USER crebot
WORKDIR /data
# Mount crebot.yaml and playbooks/ here, or set CREBOT_CONFIG / CREBOT_PLAYBOOKS_DIR.
ENV CREBOT_DATABASE_URL=sqlite:////data/crebot.db
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4).status == 200 else 1)"
CMD ["crebot", "serve", "--host", "0.0.0.0", "--port", "8080"]
