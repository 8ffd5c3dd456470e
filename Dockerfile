# Production image: the same code runs web (gunicorn), worker and beat.
FROM python:3.11-slim
# Production unless told otherwise: its settings fail closed without their secrets.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_ENV=production
WORKDIR /app
# Video rooms: the page's client libraries (collected as static files) and the
# worker's tools to convert and mix the rooms' recordings.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
       libjs-janus-gateway libjs-webrtc-adapter janus-tools ffmpeg \
    && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml ./
RUN pip install --no-cache-dir . && useradd --create-home app
COPY . .
# Production settings refuse to start without their services; collecting
# static files needs none of them, so placeholders do for the build.
RUN DJANGO_SECRET_KEY=build-only DJANGO_ALLOWED_HOSTS=localhost \
    DATABASE_URL=postgres://build@localhost/build CACHE_URL=dummycache:// \
    CELERY_BROKER_URL=memory:// SITE_URL=https://build.invalid \
    RECORDING_KEYS=build-only:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA \
    python manage.py collectstatic --no-input -v0 \
    && python manage.py compile_translations -v0 \
    && mkdir -p /app/var/media /app/var/recordings /app/var/rooms && chown -R app /app/var
USER app
EXPOSE 8000
CMD ["gunicorn", "-c", "config/gunicorn.py"]
