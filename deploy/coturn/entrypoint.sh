#!/bin/sh
# coturn with the TURN REST API's shared secret (TURN_SECRET, the same as the
# product's); relays only to public addresses, never into the private network.
set -eu
: "${TURN_SECRET:?set TURN_SECRET}" "${TURN_REALM:?set TURN_REALM}"
exec turnserver -n --log-file=stdout --no-cli --fingerprint \
    --use-auth-secret --static-auth-secret="${TURN_SECRET}" --realm="${TURN_REALM}" \
    --listening-port=3478 --min-port="${TURN_MIN_PORT:-49160}" --max-port="${TURN_MAX_PORT:-49359}" \
    ${TURN_EXTERNAL_IP:+--external-ip="${TURN_EXTERNAL_IP}"} \
    --no-multicast-peers --no-tcp-relay \
    --denied-peer-ip=0.0.0.0-0.255.255.255 --denied-peer-ip=10.0.0.0-10.255.255.255 \
    --denied-peer-ip=127.0.0.0-127.255.255.255 --denied-peer-ip=169.254.0.0-169.254.255.255 \
    --denied-peer-ip=172.16.0.0-172.31.255.255 --denied-peer-ip=192.168.0.0-192.168.255.255 \
    --denied-peer-ip=100.64.0.0-100.127.255.255
