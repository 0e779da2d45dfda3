# The production image: the shop under gunicorn (compose.yaml runs it, its worker
# and its migrations). Dependencies come from the lock, as in bin/test and bin/demo.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=shop.settings.production
WORKDIR /app

COPY requirements/production.lock requirements/
RUN pip install --no-cache-dir -r requirements/production.lock

COPY . .
RUN pip install --no-cache-dir --no-deps -e . \
    && SECRET_KEY=build ALLOWED_HOSTS=build DATABASE_URL=sqlite:////tmp/build.sqlite3 REDIS_URL=redis://build:6379/0 \
       S3_BUCKET_MEDIA=build S3_BUCKET_PRESCRIPTIONS=build S3_ACCESS_KEY_ID=build S3_SECRET_ACCESS_KEY=build \
       python manage.py collectstatic --noinput -v0 \
    && useradd --create-home shop
USER shop
EXPOSE 8000
CMD ["gunicorn", "-c", "shop/gunicorn.conf.py", "shop.wsgi:application"]
