# tinykube's container image. The README's "In a container" section tells how to use it:
#   docker build -t tinykube .
#   mkdir -p tinykube-data
#   docker run --rm -p 127.0.0.1:8080:8080 -v "$PWD/tinykube-data:/data" --user "$(id -u):$(id -g)" tinykube
#   KUBECONFIG=tinykube-data/kubeconfig kubectl get nodes
# Arguments after the image name are more `tinykube serve` flags (`tinykube serve --help`).
# test/dockerfile.test.ts checks this file and runs its build and start commands outside Docker.

# Node.js 22, an LTS line. Not 24: from 24.19, better-sqlite3 12's statements abort the process
# when garbage collected (nodejs/node#65446; better-sqlite3 13 fixes it and needs Node 22). Both
# stages use the same one: better-sqlite3 is a native addon, built for the Node.js that builds it.
ARG NODE_IMAGE=node:22-trixie-slim

# The build stage: compilers, every dependency (esbuild and TypeScript build dist/), then only
# what the server needs at run time is kept.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary matches.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
# The dependencies in a layer of their own, so that editing src/ does not recompile the addon.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && npm rebuild --no-audit --no-fund
COPY tsconfig*.json ./
COPY scripts ./scripts
COPY src ./src
# dist/: the server bundled by esbuild (and the library's type declarations).
RUN npm run build
# Then the dev dependencies go. The etcd client stays, so that --store etcd works here too: it is
# an optional peer dependency of the package (a dev dependency of this repository), which the image
# installs as a user would (`npm install etcd3`), at the version package-lock.json pins.
RUN v="$(node -p "require('./package.json').devDependencies?.etcd3 ?? ''")" \
 && if [ -n "$v" ]; then npm pkg delete devDependencies.etcd3 && npm pkg set "dependencies.etcd3=$v"; fi \
 && npm prune --omit=dev --no-audit --no-fund

# The runtime stage: Node.js, the bundle and its run-time dependencies; no compilers, no npm
# cache, no sources. Everything under /app belongs to root: the server cannot change its own code.
FROM ${NODE_IMAGE}
WORKDIR /app
COPY package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY openapi ./openapi
COPY proto ./proto
# Example manifests: `docker run ... tinykube --fixtures /app/fixtures`.
COPY fixtures ./fixtures
# The store, the kubeconfig and the TLS files. `node` (uid 1000) owns it in the image, so a named
# volume starts writable; a mounted host directory must be writable by the container's user (--user).
RUN mkdir /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 8080
# Ready once the API serves (kube's /readyz). Slim images have no curl: node's fetch, over HTTP or,
# when the server was started with --tls, HTTPS (its certificate is the cluster's own CA's).
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0'; const get = (scheme) => fetch(scheme + '://127.0.0.1:8080/readyz', { signal: AbortSignal.timeout(4000) }); get('http').catch(() => get('https')).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# On every interface of the container, so that a published port reaches it; the kubeconfig it
# writes into /data names http://127.0.0.1:8080, right from the host when published on 8080.
ENTRYPOINT ["node", "--enable-source-maps", "dist/cli.js", "serve", "--address", "0.0.0.0", "--port", "8080", "--data", "/data"]
