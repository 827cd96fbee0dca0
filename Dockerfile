# syntax=docker/dockerfile:1
# The service as it ships: compiled JavaScript, production dependencies only, run as the image's non-root user.
#   docker build -t cognito-jwt-api .
#   docker run --env-file .env -p 3000:3000 cognito-jwt-api

# Every stage on one Node line in support (the one CI also runs the suite on; package.json's engines admit it).
# Compiles src/ to dist/ with the full dependency set (TypeScript is a dev dependency).
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# Production dependencies only, installed apart so no dev dependency reaches the final image.
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json openapi.yaml ./
USER node
# 3000: the API; 9464: Prometheus metrics, when METRICS_PORT=9464 is set.
EXPOSE 3000 9464
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/main.js"]
