# One image for every Paritrana service and the dashboard; the command picks which (docker-compose.yml,
# deploy/k8s/): `python -m shared.serve SERVICE` or `python -m services.dashboard` (its templates, static
# files and catalogs come with services/).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY shared shared
COPY services services
RUN pip install --no-cache-dir . \
    && useradd --system --uid 10001 --no-create-home paritrana \
    && mkdir -p /data && chown 10001 /data
# the one-shot topic creation (compose's `topics`, the k8s Job)
COPY deploy/compose/create_topics.py deploy/compose/create_topics.py
# numeric, so Kubernetes' runAsNonRoot can check it
USER 10001
ENV PARITRANA_BACKEND=kafka PARITRANA_DATA_DIR=/data
EXPOSE 8000
CMD ["python", "-m", "shared.serve", "ranking", "--host", "0.0.0.0", "--port", "8000"]
