# The edge-chaos project image, for machines that reach a registry: the
# reference hub (the default command), a fleet shard
# (harness/runtime/fleet/shard/main.ts, what the containers and kubernetes
# fleet runners start) and the embedded Toxiproxy (toxiproxy/main.ts), from
# the TypeScript sources run through tsx.
#
#   docker build -t REGISTRY/edge-chaos:TAG . && docker push REGISTRY/edge-chaos:TAG
#   docker run --rm -p 8080:8080 IMAGE                                        # the hub on :8080
#   docker run --rm -p 8474:8474 IMAGE node --import tsx toxiproxy/main.ts --host 0.0.0.0 --allow-non-loopback
#   npm run scenario loop -- --fleet-runner kubernetes --image REGISTRY/edge-chaos:TAG ...   # shards (docs/distributed.md)
#
# Where no registry is reachable, `npm run hub:image` builds an equivalent
# image from this machine's own node instead (harness/runtime/docker/); the
# test suite uses that one. Both run as uid 1000 with the project under /app.
#
# Layout: sources + tsx, as the project runs today. When it ships a compiled
# dist/, copy dist/ in place of the source folders, drop the tsx install and
# run `node dist/...`.

ARG NODE_VERSION=20

# --- dependencies: the full image has python3, make and g++ for better-sqlite3's addon ---
FROM node:${NODE_VERSION}-bookworm AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
# Two devDependencies the image runs: tsx (runs the .ts sources) and the
# Kubernetes client (a coordinator run inside the cluster with --fleet-runner
# kubernetes). Each installed alone at the version the lockfile pins, with its
# own dependencies inside its folder, so nothing mixes with the production tree.
RUN for pkg in tsx @kubernetes/client-node; do \
      version="$(node -p "require('./package-lock.json').packages['node_modules/$pkg'].version")"; \
      npm install --global --no-audit --no-fund "$pkg@$version" || exit 1; \
    done

# --- runtime ---
FROM node:${NODE_VERSION}-bookworm-slim
WORKDIR /app
# EDGE_HUB_DB: the hub's default command database (/app is not writable by the image's user).
# HOST: listen on the container's own interfaces; the harness sets HOST=127.0.0.1 under host networking.
ENV NODE_ENV=production EDGE_HUB_DB=/tmp/edge-hub.sqlite HOST=0.0.0.0
COPY --from=deps /app/node_modules ./node_modules
COPY --from=deps /usr/local/lib/node_modules/tsx /usr/local/lib/node_modules/tsx
COPY --from=deps /usr/local/lib/node_modules/@kubernetes/client-node /usr/local/lib/node_modules/@kubernetes/client-node
# `node --import tsx` and import('@kubernetes/client-node') resolve from /app/node_modules.
RUN mkdir -p node_modules/@kubernetes \
 && ln -s /usr/local/lib/node_modules/tsx node_modules/tsx \
 && ln -s /usr/local/lib/node_modules/@kubernetes/client-node node_modules/@kubernetes/client-node
# Sources last: an edit rebuilds only this layer (.dockerignore keeps node_modules, reports and .git out).
COPY . .
# The official image's `node` user, by number so Kubernetes can verify runAsNonRoot.
USER 1000:1000
# Node as pid 1 gets SIGTERM: the hub, the shard and Toxiproxy each handle it (flush, close, exit).
CMD ["node", "--import", "tsx", "server/main.ts", "--allow-non-loopback"]
