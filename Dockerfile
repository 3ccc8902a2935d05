# Production image: gunicorn serving Django; the same image runs the Celery worker and beat.
# The build steps are scripts/build.sh, the same script CI runs, so the image cannot drift from CI.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PYTHON=python
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
       gettext fonts-dejavu-core curl postgresql-client \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml ./
COPY scripts/build.sh scripts/
RUN scripts/build.sh install
COPY . .
RUN scripts/build.sh assets && scripts/build.sh check \
    && useradd --system --uid 1000 portal && mkdir -p /app/private_media && chown portal /app/private_media
USER portal
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--config", "config/gunicorn.py"]
