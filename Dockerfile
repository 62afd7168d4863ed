# One image for the three services; SERVICE selects which one runs (ingest | detector | alerts).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.base.json ./
COPY packages ./packages
COPY services ./services
RUN npm ci --ignore-scripts && npm run build && npm prune --omit=dev --ignore-scripts

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app /app
USER node
ARG SERVICE=detector
ENV SERVICE=${SERVICE}
EXPOSE 8080 8081 8082
HEALTHCHECK --interval=10s --timeout=3s --retries=5 CMD node -e "const p={ingest:8080,detector:8081,alerts:8082}[process.env.SERVICE];fetch('http://127.0.0.1:'+(process.env.PORT||p)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["sh", "-c", "exec node services/${SERVICE}/dist/main.js"]
