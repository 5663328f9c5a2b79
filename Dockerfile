# Production image: gunicorn serving dealercrm; the same image runs the Celery worker and beat.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
RUN pip install --upgrade pip && pip install .
COPY . .
# The manifest storage of production needs the manifest built here; the key is a throwaway.
RUN DJANGO_ENV=production SECRET_KEY=collectstatic-only-not-a-secret-0123456789abcdefghijklmnop python manage.py collectstatic --noinput
RUN useradd --system --uid 1000 dealercrm && chown -R dealercrm /app
USER dealercrm
EXPOSE 8000
CMD ["gunicorn", "-c", "gunicorn.conf.py", "dealercrm.wsgi:application"]
