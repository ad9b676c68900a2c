# syntax=docker/dockerfile:1
# Build a static binary, then ship it alone on a distroless base with CA
# certificates (distroless ships them), running as a non-root user; the
# zone database is compiled into the binary (time/tzdata).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=unknown
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT}" \
      -o /out/seatwarden ./cmd/seatwarden && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/seatwarden /usr/local/bin/seatwarden
COPY --from=build --chown=65532:65532 /out/data /var/lib/seatwarden
# The embedded store's file lives here unless REDIS_URL is set.
ENV SEATWARDEN_DATA_DIR=/var/lib/seatwarden
VOLUME ["/var/lib/seatwarden"]
USER nonroot:nonroot
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/seatwarden"]
CMD ["serve"]
