# One image for every Ledgerline process; SERVICE picks the entry point at run time:
#   docker build -t ledgerline:dev .
#   docker run --rm -e SERVICE=identity ledgerline:dev
#   docker run --rm ledgerline:dev ledgerline migrate        (CMD replaced; the ops CLI is on PATH)
# See deploy/README.md for the measured size and the layer layout; scripts/test-image.sh builds and
# boots it. No `# syntax=` line on purpose: BuildKit's built-in frontend handles the cache mounts,
# and a syntax line makes every build fetch a frontend image (offline and air-gapped builds fail).

ARG NODE_IMAGE=node:24.21.0-slim

# ── manifests: only the package.json files, so dependency layers are rebuilt only when they change
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN mkdir -p /out \
 && find . -name package.json -not -path '*/node_modules/*' -exec cp --parents {} /out \; \
 && cp package-lock.json /out/

# ── build: every dependency (dev included), prisma generate, tsc through turbo
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV TURBO_TELEMETRY_DISABLED=1 NEXT_TELEMETRY_DISABLED=1 PRISMA_HIDE_UPDATE_MESSAGE=1
COPY --from=manifests /out/ ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY . .
# `npm run build` runs every workspace's build, the ops CLI's included (its bin prefers dist/);
# services with read models run `prisma generate` first (scripts/prisma-generate.mjs), so the Prisma
# client is generated here, never at run time.
RUN npm run build
# What the runtime needs from each workspace a service or tool reaches (never packages/testing):
# its manifest, compiled code, SQL migrations, CLI bin, shipped config (billing's default plans).
RUN chmod 0755 tools/ops/bin/ledgerline.js \
 && mkdir -p /dist \
 && for dir in $(node deploy/docker/prune-deps.mjs --workspaces); do \
      mkdir -p "/dist/$dir"; \
      for part in package.json dist bin migrations prisma config; do \
        if [ -e "$dir/$part" ]; then cp -R "$dir/$part" "/dist/$dir/"; fi; \
      done; \
    done \
 && mkdir -p /dist/deploy/docker && cp deploy/docker/*.mjs /dist/deploy/docker/

# ── prod-deps: production dependencies of the runnable workspaces (services, tools) only. No install
# scripts: nothing at run time needs them (argon2 ships prebuilt binaries, the Prisma client runs on
# the pg adapter without engines). npm still installs more than anything can reach (every
# workspace's dependencies, optional peers such as the Prisma CLI): prune-deps.mjs keeps only what
# services/* and tools/* reach, then drops maps, type declarations and unused Prisma compilers.
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY --from=manifests /out/ ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
      $(for dir in services/* tools/*; do [ -f "$dir/package.json" ] && printf -- '--workspace=%s ' "$dir"; done) \
 && rm -rf deploy bench e2e
COPY --from=build /dist/ ./
RUN node deploy/docker/prune-deps.mjs \
 && rm -rf deploy/docker/prune-deps.mjs \
 && find node_modules -xtype l -delete

# ── runtime
FROM ${NODE_IMAGE} AS runtime
ARG SERVICE=api-gateway
ENV NODE_ENV=production \
    SERVICE=${SERVICE} \
    PORT=3000 \
    HEALTH_PORT=8081 \
    NODE_OPTIONS=--enable-source-maps
WORKDIR /app
# A fixed numeric uid/gid so Kubernetes' runAsNonRoot can verify it without a passwd lookup.
RUN groupadd --system --gid 10001 ledgerline \
 && useradd --system --uid 10001 --gid ledgerline --home-dir /app --shell /usr/sbin/nologin ledgerline
COPY --from=prod-deps --chown=root:root /app/ ./
# `ledgerline migrate` (the Helm hook, compose, one-off ops commands): the ops CLI on PATH.
RUN ln -s /app/tools/ops/bin/ledgerline.js /usr/local/bin/ledgerline
USER 10001:10001
# 3000: the gateway's HTTP; 8081: /healthz and /readyz of the NATS-only services.
EXPOSE 3000 8081
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "deploy/docker/healthcheck.mjs"]
# node is PID 1 and handles SIGTERM itself (drain, then exit): no shell in between. A CMD, not an
# ENTRYPOINT, so the migrate job and one-off ops commands replace it with `ledgerline …`.
CMD ["node", "deploy/docker/start.mjs"]
