#!/bin/sh
# A private CA and a broker certificate for trying the compose deployment; an estate's own CA
# should issue the real ones. Usage: deploy/mosquitto/make-dev-certs.sh [PUBLIC_HOST] [DIR]
set -eu
host=${1:-localhost}
dir=${2:-deploy/mosquitto/certs}
mkdir -p "$dir"
cd "$dir"
if [ -e server.crt ]; then echo "$dir/server.crt exists; remove it to make new ones" >&2; exit 1; fi
umask 077
openssl req -x509 -newkey rsa:3072 -sha256 -days 825 -nodes -subj "/CN=dampwatch dev CA" \
  -keyout ca.key -out ca.crt
openssl req -newkey rsa:3072 -sha256 -nodes -subj "/CN=$host" -keyout server.key -out server.csr
printf 'subjectAltName=DNS:%s,DNS:mosquitto,DNS:localhost,IP:127.0.0.1\n' "$host" > san.ext
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 825 -sha256 \
  -extfile san.ext -out server.crt
rm -f server.csr san.ext ca.srl
# The broker runs as uid 1883 in the eclipse-mosquitto image and must read its key.
chmod 644 ca.crt server.crt server.key
echo "certificates in $dir: ca.crt (give it to devices and services), server.crt, server.key"
