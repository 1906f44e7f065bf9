# Production-like image: Python app + front-end packages from npm (no CDN at run time).
FROM node:20-bookworm-slim AS frontend
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DATA_DIR=/var/lib/jemput MEDIA_DIR=/var/lib/jemput/media
WORKDIR /app
# Runtime packages only, each checked against its hash (no pytest, Playwright, ruff here).
COPY requirements.lock pyproject.toml README.md ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY server ./server
COPY sync ./sync
COPY pwa ./pwa
COPY --from=frontend /app/node_modules ./node_modules
RUN pip install --no-cache-dir --no-deps . && useradd --system --home /var/lib/jemput jemput \
    && mkdir -p /var/lib/jemput/media && chown -R jemput /var/lib/jemput
USER jemput
EXPOSE 8000
CMD ["jemput", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "4"]
