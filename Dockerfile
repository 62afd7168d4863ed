# One image for the three services; SERVICE selects which one runs (ingest | detector | alerts).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.base.json ./
COPY scripts/runtime-tree.mjs ./scripts/
COPY packages ./packages
COPY services ./services
RUN npm ci --ignore-scripts && npm run build

# Only what production runs: the services, the CLI and the workspaces they depend on (built), with
# production dependencies. runtime-tree.mjs removes every other workspace (testkit, e2e, reliability)
# from the workspace list and deletes it, so the prune also drops what only they needed
# (testcontainers, archiver, fast-check); the dev tools (typescript, eslint, vite) go with --omit=dev.
FROM build AS runtime-tree
RUN node scripts/runtime-tree.mjs \
 && npm prune --omit=dev --ignore-scripts \
 && find node_modules -mindepth 1 -maxdepth 1 -type d -empty -delete \
 && rm -rf scripts tsconfig.json tsconfig.base.json

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=runtime-tree /app/package.json /app/package-lock.json ./
COPY --from=runtime-tree /app/node_modules ./node_modules
COPY --from=runtime-tree /app/packages ./packages
COPY --from=runtime-tree /app/services ./services
USER node
ARG SERVICE=detector
ENV SERVICE=${SERVICE}
EXPOSE 8080 8081 8082
HEALTHCHECK --interval=10s --timeout=3s --retries=5 CMD node -e "const p={ingest:8080,detector:8081,alerts:8082}[process.env.SERVICE];fetch('http://127.0.0.1:'+(process.env.PORT||p)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["sh", "-c", "exec node services/${SERVICE}/dist/main.js"]
