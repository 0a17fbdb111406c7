# The API and the workers, one image: `remit serve` or `remit worker`.
FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# The libraries WeasyPrint renders invoice PDFs with (Pango, HarfBuzz with its subsetter),
# and fonts to render them in.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 \
        fonts-dejavu-core fonts-liberation \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 10001 remit
WORKDIR /app

COPY pyproject.toml README.md ./
# With GraphiQL's files and the console when `make graphiql` and `make console` have put
# them into src/ before the build.
COPY src ./src
RUN pip install .

USER remit
ENV REMIT_OUTBOX_DIR=/home/remit/outbox
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz').status != 200)" || exit 1
ENTRYPOINT ["remit"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
