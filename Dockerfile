# Image of every Airflow component of docker-compose.yml: the project's pinned set
# (requirements.lock) and its code. Build context: this repository (.dockerignore keeps out
# .venv/, var/ and .git/).
FROM python:3.11-slim

# curl: the healthchecks; DejaVu fonts and Chromium: the notices and the campaign report's PDF
# (the same engine on every worker, so every worker writes the same files)
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl fonts-dejavu-core chromium \
    && rm -rf /var/lib/apt/lists/*

# uid 50000, gid 0: the owner of the shared volumes, as in Airflow's own image
RUN useradd --uid 50000 --gid 0 --home-dir /opt/airflow --create-home airflow

WORKDIR /opt/caqes
COPY requirements.lock ./
RUN pip install --no-cache-dir --disable-pip-version-check -r requirements.lock && pip check
COPY --chown=airflow:0 . .
RUN pip install --no-cache-dir --disable-pip-version-check --no-deps -e .

ENV AIRFLOW_HOME=/opt/airflow
USER airflow
