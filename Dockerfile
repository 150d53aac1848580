# docker build -t tinykube . && docker run -p 8080:8080 -v data:/data tinykube
FROM node:20-slim
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary matches.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
COPY scripts/build.js ./scripts/build.js
COPY bin ./bin
COPY src ./src
# npm ci also bundles src/ into dist/ (the prepare script), so the server starts without tsx.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY openapi ./openapi
COPY proto ./proto
COPY fixtures ./fixtures
VOLUME /data
EXPOSE 8080
ENTRYPOINT ["node", "bin/tinykube.js", "serve", "--address", "0.0.0.0", "--port", "8080", "--data", "/data"]
