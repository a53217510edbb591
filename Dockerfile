# Multi-stage build of both binaries. (No Docker engine runs on the development machines of
# this project: this file is kept correct by reading, see README.)
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin qunyun-api --bin qunyun-worker \
 && cp target/release/qunyun-api target/release/qunyun-worker /usr/local/bin/

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home /var/lib/qunyun --create-home qunyun
COPY --from=build /usr/local/bin/qunyun-api /usr/local/bin/qunyun-worker /usr/local/bin/
USER qunyun
WORKDIR /var/lib/qunyun
ENV HOST=0.0.0.0 PORT=8080
EXPOSE 8080
ENTRYPOINT ["qunyun-api"]
