# syntax=docker/dockerfile:1
# dcvix-director image (docs/install.md).
#   docker build -t dcvix-director .
#   docker run -d --init --name dcvix-director --hostname director.example.com -p 8445:8445 \
#     -v /srv/dcvix/etc:/etc/dcvix:ro -v dcvix-data:/var/lib/dcvix-director dcvix-director

# Build stage: the two commands CI runs (.ci/run): `npm ci`, then `npm run build`.
# Bun is a devDependency pinned in package-lock.json (bun 1.4.5, with its platform binary), so `npm ci`
# installs exactly the Bun the tests ran with. The official oven/bun:1.4.5 image has no npm; with it
# the lockfile would be read by `bun install --frozen-lockfile` instead of `npm ci` and a second Bun
# (the image's) would be pinned separately. node:20-bookworm also has git, which scripts/build.ts
# runs for the version string (without .git in the context the commit shows as "unknown").
FROM node:20-bookworm AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && ./dist/dcvix-director --version

# Runtime: the single-file executable (it needs only glibc) and what it calls at run time:
# hostname (`hostname -f` names the server certificate; Essential in Debian), libpam0g and
# libpam-modules (PAM backend), ca-certificates (LDAPS or PrivacyIDEA with public CAs when no ca_file
# is set), and curl, only for the HEALTHCHECK (the binary has no health-check mode).
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl libpam0g libpam-modules \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 dcvix \
 && useradd --system --uid 10001 --gid dcvix --home-dir /var/lib/dcvix-director --shell /usr/sbin/nologin dcvix \
 && install -d -o dcvix -g dcvix -m 0700 /var/lib/dcvix-director \
 && install -d -m 0755 /etc/dcvix
COPY --from=build /src/dist/dcvix-director /usr/local/bin/dcvix-director

# Non-root. The PAM backend with pam_unix needs root or the shadow group (docs/install.md).
USER dcvix
# Config (dcvix-director.conf, users.json, pools.json) and data (CA, keys, agents.db).
VOLUME ["/etc/dcvix", "/var/lib/dcvix-director"]
EXPOSE 8445
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD curl -fsk https://127.0.0.1:8445/v1/health || exit 1
ENTRYPOINT ["/usr/local/bin/dcvix-director"]
CMD ["--config", "/etc/dcvix/dcvix-director.conf"]
