"""The load test: locust against gunicorn + PostgreSQL on the 100k-customer set."""
