FROM python:3.11-slim-bookworm

# Pango and HarfBuzz for WeasyPrint's PDF reports; fonts that cover Malay, Indonesian,
# Finnish and Frisian text.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-noto-core \
    && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DEBUG=0
WORKDIR /app
COPY requirements.lock .
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY . .
RUN SECRET_KEY=build-only python manage.py collectstatic --no-input \
    && useradd --system --home /app clientwatch && mkdir -p /app/var && chown clientwatch /app/var
USER clientwatch
EXPOSE 8000
CMD ["gunicorn", "clientwatch.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
