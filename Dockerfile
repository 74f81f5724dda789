# One image for every Paritrana service; the command picks the service.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY shared shared
COPY services services
RUN pip install --no-cache-dir . && useradd --system paritrana
USER paritrana
ENV PARITRANA_BACKEND=kafka
EXPOSE 8000
CMD ["python", "-m", "shared.serve", "ranking", "--host", "0.0.0.0", "--port", "8000"]
