# Whiteflag: multi-stage, non-root image that runs with a read-only root filesystem.
# Build: docker build -t whiteflag:latest .   Run: see compose.yaml and docs/deploy.md.

FROM node:20-bookworm-slim AS build
WORKDIR /app
# Native modules (sodium-native, argon2, sharp) come prebuilt; nothing is compiled here.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# The operator console (React) is built once, here; then dev dependencies go.
RUN npm run build && npm prune --omit=dev --no-audit --no-fund \
  && rm -rf test bench docs console/src .git

FROM node:20-bookworm-slim
# pg_dump/pg_restore for `backup create`/`restore` (the client's major must be >= the server's);
# tini reaps children and forwards signals so that shutdown is graceful.
RUN apt-get update \
  && apt-get install -y --no-install-recommends postgresql-client-15 tini ca-certificates \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    WHITEFLAG_DATA_DIR=/var/lib/whiteflag \
    TSX_DISABLE_CACHE=1
WORKDIR /app
# Code is owned by root and read-only to the app user: a compromised process cannot rewrite itself.
COPY --from=build --chown=root:root /app /app
RUN mkdir -p /var/lib/whiteflag && chown node:node /var/lib/whiteflag
USER node
VOLUME ["/var/lib/whiteflag"]
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/livez').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
# Role: web (HTTP only), worker (jobs, delivery, bot polling) or all. Set WHITEFLAG_ROLE.
CMD ["node", "--import", "tsx", "src/main.ts"]
