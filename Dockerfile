# carbon-ops image: build with the full toolchain, run with production dependencies only.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No src/ yet, so the prepare script (npm run build) does nothing here: the build runs below, once src/ is in.
RUN npm install --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:22-bookworm-slim
ENV NODE_ENV=production
# The root filesystem is read-only in Kubernetes: a terminal role run in the pod (carbon run, carbon shell) logs
# under the /tmp emptyDir. The bot and the workers write nothing (docs/image.md).
ENV CARBON_DATA_DIR=/tmp/carbon
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only: no embedded PostgreSQL, no tsx (devDependencies; docs/image.md has the sizes).
RUN npm install --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY catalogue ./catalogue
COPY policy ./policy
COPY runbooks ./runbooks
COPY manifests/phases ./manifests/phases
USER 10001:10001
ENTRYPOINT ["node", "bin/carbon.js"]
CMD ["bot"]
