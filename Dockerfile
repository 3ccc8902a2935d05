# Production image: gunicorn serving Django, the same image runs the Celery worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 gettext fonts-dejavu-core curl \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml ./
RUN python -c "import tomllib;print('\n'.join(tomllib.load(open('pyproject.toml','rb'))['project']['dependencies']))" > /tmp/req.txt \
    && pip install -r /tmp/req.txt
COPY . .
# Build-time only values: collectstatic and compilemessages need settings to load.
RUN DEBUG=0 SECRET_KEY=build-only ALLOWED_HOSTS=build python manage.py collectstatic --noinput \
    && DEBUG=0 SECRET_KEY=build-only ALLOWED_HOSTS=build python manage.py compilemessages -v 0 \
    && useradd --system --uid 1000 portal && mkdir -p /app/private_media && chown portal /app/private_media
USER portal
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60"]
