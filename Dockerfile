# hypercache-server container image (CONTRACT §9.1).
#
# Node.js 22 LTS: package.json declares engines.node ">=20.19"; Node 20 reached end of life on
# 2026-04-30, so the runtime is the oldest *supported* LTS major that satisfies the range (22),
# the smallest step from the Node 20 line the test suite runs on. Build and runtime use the same
# major so that the pruned node_modules/ is built for the Node that runs it.
# Override with --build-arg NODE_IMAGE=node:24-slim (also satisfies engines.node).
ARG NODE_IMAGE=node:22-slim

# ---------------------------------------------------------------------------------------------
# Build stage: locked install (dev dependencies included), TypeScript build, then drop dev deps.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false
COPY package.json package-lock.json ./
# The TypeScript client (clients/typescript) is an npm workspace: npm ci needs its package.json to
# match the lock file. The image holds the server only (build:server), never the client.
COPY clients/typescript/package.json ./clients/typescript/package.json
# --ignore-scripts: the only package with an install script is @scarf/scarf (install analytics);
# nothing needs a native build.
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src/ ./src/
RUN npm run build:server \
 && npm prune --omit=dev --ignore-scripts \
 && rm -rf node_modules/@hypercache \
 && npm cache clean --force

# ---------------------------------------------------------------------------------------------
# Runtime stage: dist/, production node_modules/, package.json (read for the version) and the
# committed OpenAPI documents openapi/*.yaml, which the server serves byte for byte at runtime
# (src/openapi/document-yaml.ts reads <app>/openapi/, one level above dist/).
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Files stay owned by root and read-only for the runtime user; nothing under /app is written.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules/ ./node_modules/
COPY --from=build /app/dist/ ./dist/
COPY openapi/ ./openapi/

# Non-root (uid/gid 65532, no passwd entry needed). Runs with a read-only root filesystem: the
# process writes only to stdout/stderr (and at most /tmp, mounted as tmpfs/emptyDir).
USER 65532:65532

# client API, management, dist (peer)
EXPOSE 8080 8081 7946

# Exec form, no shell, no curl: GET http://127.0.0.1:<port of HYPERCACHE_MGMT_ADDR>/health/live.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "dist/healthcheck.js"]

# node is PID 1 (or a child of the runtime's init) and handles SIGTERM/SIGINT itself (§1.4).
ENTRYPOINT ["node", "dist/main.js"]
