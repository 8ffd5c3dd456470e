#!/bin/sh
# Fill the @NAME@ placeholders of the product's Janus configuration from the
# environment (the same files `manage.py janus_config` renders), then run Janus.
set -eu
: "${JANUS_ADMIN_KEY:?set JANUS_ADMIN_KEY}" "${JANUS_EVENTS_PASSWORD:?set JANUS_EVENTS_PASSWORD}"
conf=/etc/janus-product
mkdir -p "$conf"
lib=$(dirname "$(ls -d /usr/lib/*/janus/plugins | head -n1)")
nat=""
[ -n "${JANUS_PUBLIC_IP:-}" ] && nat="nat_1_1_mapping = \"${JANUS_PUBLIC_IP}\""
for source in /opt/janus-product/*.jcfg; do
    sed -e "s|@CONFIG_DIR@|$conf|g" -e "s|@LIB_DIR@|$lib|g" \
        -e "s|@ADMIN_KEY@|${JANUS_ADMIN_KEY}|g" \
        -e "s|@EVENTS_URL@|${JANUS_EVENTS_URL:-http://web:8000/rooms/janus-events/}|g" \
        -e "s|@EVENTS_USER@|${JANUS_EVENTS_USER:-janus}|g" \
        -e "s|@EVENTS_PASSWORD@|${JANUS_EVENTS_PASSWORD}|g" \
        -e "s|@SERVER_NAME@|interpreted-calls|g" \
        -e "s|@HTTP_PORT@|8088|g" -e "s|@HTTP_IP@|0.0.0.0|g" \
        -e "s|@WS_ON@|true|g" -e "s|@WS_PORT@|8188|g" \
        -e "s|@RTP_PORTS@|${JANUS_RTP_PORTS:-20000-20199}|g" \
        -e "s|@NAT_LINES@|$nat|g" \
        "$source" > "$conf/$(basename "$source")"
done
exec janus -C "$conf/janus.jcfg" -F "$conf" -o
