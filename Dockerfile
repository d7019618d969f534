# Production image of Deadbolt (Z6). Node 24 runs the TypeScript sources directly (type stripping):
# no build step. Build: docker build -t deadbolt . ; run: see deploy/compose.yaml or deploy/k8s/.
FROM node:24-slim

ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0 \
    DATA_DIR=/var/lib/deadbolt
WORKDIR /app

COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

COPY bin ./bin
COPY scripts/node24.cjs ./scripts/node24.cjs
COPY src ./src
COPY views ./views
COPY static ./static
COPY config ./config

# Non-root (the image's "node" user, uid 1000); only DATA_DIR is writable.
RUN mkdir -p /var/lib/deadbolt && chown node:node /var/lib/deadbolt
USER node

EXPOSE 3000
# Z4: SIGTERM drains in-flight requests (SHUTDOWN_DRAIN_MS) and exits 0.
STOPSIGNAL SIGTERM
# /healthz answers 200 only while both PostgreSQL and Redis answer (X5); no curl in -slim: use node.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "src/main.ts"]
