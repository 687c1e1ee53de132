#!/bin/bash
# tests/integration/prometheus.sh - --prometheus against the real kernel, a
# real node_exporter and a real Prometheus (the Debian packages).
#
#   textfile   lsconntrack --prometheus as the quiet daemon in namespace H,
#              into a root-owned directory writable by its group (the
#              group is kept across the drop to nobody); node_exporter's
#              textfile collector reads it; Prometheus scrapes node_exporter
#              every second.  Known TCP traffic from H to two ports of P:
#              sum by (peer_port) of the sent bytes' increase (the value
#              after the traffic minus the value before) is the payload
#              within 1%, opened and closed are exact, and
#              node_textfile_scrape_error is 0
#   openmetrics  a second daemon writes OpenMetrics (LSCT_PROM_OPENMETRICS=1),
#              served over HTTP with the OpenMetrics content type and
#              scraped by the same Prometheus: up is 1, its samples are
#              there; promtool checks both files (check metrics; the
#              OpenMetrics parser of tsdb create-blocks-from)
#   rootdir    a root:root 0755 directory: one line naming the fix, exit 1
#   stream     -c 3 -d 0.5 --json --prometheus: three NDJSON lines, the file
#   vanish     the directory removed while the daemon runs: it says so on
#              stderr, keeps running, and ends with 0 on SIGTERM
#   monitor    the full-screen monitor (tmux) writes the file after its
#              snapshots; a directory it can no longer write is said in its
#              header while it keeps running; q ends it with 0
#   full       a full tmpfs (private mount namespace): no FILE and no
#              temporary file, ENOSPC on stderr; once there is room again
#              FILE appears whole
#
#   listen     a third daemon, --netns H --listen on the host's loopback,
#              scraped directly (OpenMetrics by Accept): the same bytes and
#              connections
#
# Another source is one more job in prometheus.yml and one more job= in
# the checks.
#
# Needs root, prometheus, promtool, prometheus-node-exporter, curl, python3.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
SUITE=prometheus
N_TESTS=35
NODE_EXPORTER=$(command -v prometheus-node-exporter || command -v node_exporter)
NS_TOOLS="tmux python3 curl prometheus promtool unshare nsenter ${NODE_EXPORTER:-prometheus-node-exporter}"
NS_TAG=x
NS_NET=229
. tests/integration/nslib.sh

TM=(tmux -L "lsct-prom-$$" -f /dev/null)
tm() { "${TM[@]}" "$@"; }
suite_cleanup() {
	tm kill-server 2>/dev/null
	rm -f "/tmp/tmux-0/lsct-prom-$$"
}

# A free loopback port (the kernel picks it; a tiny race, loopback only).
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# promq EXPR [TIME]: the instant query's result as "labels value" lines.
promq() {
	curl -sf --max-time 5 "http://127.0.0.1:$PROM_PORT/api/v1/query" \
		--data-urlencode "query=$1" ${2:+--data-urlencode "time=$2"} |
		python3 -c 'import json,sys
d = json.load(sys.stdin)
assert d["status"] == "success", d
for r in d["data"]["result"]:
    print(",".join("%s=%s" % kv for kv in sorted(r["metric"].items())), r["value"][1])'
}

# wait_for SECONDS CMD...: until CMD succeeds.
wait_for() {
	local n=$(( $1 * 10 ))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

ns_setup
bg "$P" socat -u "TCP4-LISTEN:3306,bind=$P4,reuseaddr,fork" OPEN:/dev/null,wronly
bg "$P" socat -u "TCP4-LISTEN:5432,bind=$P4,reuseaddr,fork" OPEN:/dev/null,wronly
wait_listen "$P" t 3306 || ns_fail "server 3306"
wait_listen "$P" t 5432 || ns_fail "server 5432"
# TIME_WAIT entries leave H's table within a second: the flows close for sure.
inh sysctl -qw net.netfilter.nf_conntrack_tcp_timeout_time_wait=1

# --- rootdir: root:root 0755 is not writable by nobody ---
mkdir "$TMP/rootdir"
chmod 755 "$TMP/rootdir"
inh "$LSCT" -n --prometheus "$TMP/rootdir/flows.prom" -d 0.5 >"$TMP/rootdir.out" 2>"$TMP/rootdir.err"
assert_eq "root-owned 0755 directory: exit 1" "$?" 1
assert_lines "root-owned 0755 directory: one line" "$(cat "$TMP/rootdir.err")" 1
assert_match "root-owned 0755 directory: names the fix" "$(cat "$TMP/rootdir.err")" 'chgrp GROUP DIR; chmod g\+w DIR'

# --- textfile: a root-owned directory writable by its group ---
GROUP=prometheus
getent group "$GROUP" >/dev/null || GROUP=nogroup
TF=$TMP/textfile
mkdir "$TF"
chown "root:$GROUP" "$TF"
chmod 2775 "$TF"
bg "$H" "$LSCT" -n --prometheus "$TF/lsconntrack.prom" -d 0.5
DAEMON=${PIDS[-1]}
OM=$TMP/om
mkdir "$OM"
chmod 1777 "$OM"
bg "$H" env LSCT_PROM_OPENMETRICS=1 "$LSCT" -n --prometheus "$OM/flows.om" -d 0.5
wait_for 10 test -s "$TF/lsconntrack.prom" || ns_fail "no textfile"
wait_for 10 test -s "$OM/flows.om" || ns_fail "no OpenMetrics file"
assert_eq "textfile: owned by the dropped user, the directory's group" \
	"$(stat -c '%U %G' "$TF/lsconntrack.prom")" "$(getent passwd lsconntrack >/dev/null && echo lsconntrack || echo nobody) $GROUP"
assert_eq "textfile: only FILE in the directory" "$(ls -A "$TF")" "lsconntrack.prom"

LISTEN_PORT=$(free_port)
"$LSCT" -n --netns "$H" --listen "127.0.0.1:$LISTEN_PORT" -d 0.5 >/dev/null 2>>"$TMP/bg.err" </dev/null &
PIDS+=($!)
NE_PORT=$(free_port)
"$NODE_EXPORTER" --collector.disable-defaults --collector.textfile \
	--collector.textfile.directory="$TF" --web.listen-address="127.0.0.1:$NE_PORT" \
	>"$TMP/ne.log" 2>&1 &
PIDS+=($!)
# OpenMetrics over HTTP, with its content type, from the second daemon's file.
OM_PORT=$(free_port)
python3 - "$OM/flows.om" "$OM_PORT" >"$TMP/omhttp.log" 2>&1 <<'PY' &
import http.server, sys
path, port = sys.argv[1], int(sys.argv[2])
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = open(path, "rb").read()
        self.send_response(200)
        self.send_header("Content-Type", "application/openmetrics-text; version=1.0.0; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
PY
PIDS+=($!)
PROM_PORT=$(free_port)
cat >"$TMP/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: textfile
    static_configs: [{ targets: ["127.0.0.1:$NE_PORT"] }]
  - job_name: openmetrics
    static_configs: [{ targets: ["127.0.0.1:$OM_PORT"] }]
  - job_name: listen
    static_configs: [{ targets: ["127.0.0.1:$LISTEN_PORT"] }]
YML
promtool check config "$TMP/prometheus.yml" >/dev/null 2>&1 || ns_fail "promtool check config"
prometheus --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/tsdb" \
	--web.listen-address="127.0.0.1:$PROM_PORT" >"$TMP/prom.log" 2>&1 &
PIDS+=($!)
up_all() { [ "$(promq "sum(up)" 2>/dev/null)" = " 3" ]; }
wait_for 30 up_all || ns_fail "Prometheus does not scrape both targets: $(tail -n 3 "$TMP/prom.log")"
has_series() { [ -n "$(promq 'lsconntrack_snapshots_total{job="textfile"}' 2>/dev/null)" ]; }
wait_for 15 has_series || ns_fail "no lsconntrack series in Prometheus"
sleep 1.5
T0=$(date +%s.%N)
sleep 1.5

# Known traffic: 5 x 400,000 bytes to 3306, 3 x 1,000,000 bytes to 5432.
for i in 1 2 3 4 5; do send "$H" 400000 "TCP4:$P4:3306"; done
for i in 1 2 3; do send "$H" 1000000 "TCP4:$P4:5432"; done
# Closed (TIME_WAIT, then gone), dumped, written, collected, scraped.
sleep 5
T1=$(date +%s.%N)

SENT='sum by (peer_port) (lsconntrack_flow_sent_bytes_total{job="textfile",direction="active",peer_port=~"3306|5432"})'
declare -A before after
while read -r l v; do [ -n "$l" ] && before[$l]=$v; done < <(promq "$SENT" "$T0")
while read -r l v; do [ -n "$l" ] && after[$l]=$v; done < <(promq "$SENT" "$T1")
within() {	# NAME GOT WANT: GOT within 1% above WANT (headers), never below
	python3 -c "import sys; g, w = float(sys.argv[1]), float(sys.argv[2]); sys.exit(0 if w <= g <= w * 1.01 else 1)" "$2" "$3"
	assert_eq "$1: $2 within 1% of $3" "$?" 0
}
within "increase of sent bytes to 3306" \
	"$(python3 -c "print(${after[peer_port=3306]:-0} - ${before[peer_port=3306]:-0})")" 2000000
within "increase of sent bytes to 5432" \
	"$(python3 -c "print(${after[peer_port=5432]:-0} - ${before[peer_port=5432]:-0})")" 3000000
assert_eq "connections opened per port" \
	"$(promq 'sum by (peer_port) (lsconntrack_flow_connections_opened_total{job="textfile",peer_port=~"3306|5432"})' "$T1" | sort)" \
	"$(printf '%s\n' 'peer_port=3306 5' 'peer_port=5432 3')"
assert_eq "connections closed per port" \
	"$(promq 'sum by (peer_port) (lsconntrack_flow_connections_closed_total{job="textfile",peer_port=~"3306|5432"})' "$T1" | sort)" \
	"$(printf '%s\n' 'peer_port=3306 5' 'peer_port=5432 3')"
assert_eq "no open connections left" \
	"$(promq 'sum(lsconntrack_flow_connections{job="textfile",peer_port=~"3306|5432"})' "$T1")" " 0"
assert_eq "node_textfile_scrape_error is 0" "$(promq 'node_textfile_scrape_error' "$T1")" \
	"__name__=node_textfile_scrape_error,instance=127.0.0.1:$NE_PORT,job=textfile 0"
assert_match "the table's size is exported" "$(promq 'lsconntrack_table_max{job="textfile"}')" ' [1-9][0-9]*$'
# The same traffic, counted by the OpenMetrics daemon and parsed by Prometheus's OpenMetrics parser.
assert_eq "openmetrics: the same connections" \
	"$(promq 'sum by (peer_port) (lsconntrack_flow_connections_opened_total{job="openmetrics",peer_port=~"3306|5432"})' "$T1" | sort)" \
	"$(printf '%s\n' 'peer_port=3306 5' 'peer_port=5432 3')"
LSENT='sum by (peer_port) (lsconntrack_flow_sent_bytes_total{job="listen",direction="active",peer_port=~"3306|5432"})'
declare -A lafter
while read -r l v; do [ -n "$l" ] && lafter[$l]=$v; done < <(promq "$LSENT" "$T1")
within "listen: sent bytes to 5432" "${lafter[peer_port=5432]:-0}" 3000000
assert_eq "listen: the same connections" \
	"$(promq 'sum by (peer_port) (lsconntrack_flow_connections_opened_total{job="listen",peer_port=~"3306|5432"})' "$T1" | sort)" \
	"$(printf '%s\n' 'peer_port=3306 5' 'peer_port=5432 3')"
assert_eq "openmetrics: build info" \
	"$(promq 'count(lsconntrack_build_info{job="openmetrics"})')" " 1"

promtool check metrics <"$TF/lsconntrack.prom" >"$TMP/check.out" 2>&1
assert_eq "promtool check metrics: the live textfile" "$?" 0
sed -E '/^#/!s/$/ 1700000000/' "$OM/flows.om" >"$TMP/om.ts"
promtool tsdb create-blocks-from openmetrics "$TMP/om.ts" "$TMP/omblocks" >"$TMP/omcheck.out" 2>&1
assert_eq "promtool's OpenMetrics parser: the live OpenMetrics file" "$?" 0
assert_eq "OpenMetrics file ends with # EOF" "$(tail -n 1 "$OM/flows.om")" "# EOF"

kill -TERM "$DAEMON"
wait "$DAEMON"
assert_eq "daemon: SIGTERM ends it with 0" "$?" 0

# --- stream: -c 3 --json with a textfile ---
inh "$LSCT" -n -c 3 -d 0.5 --json --prometheus "$OM/stream.prom" >"$TMP/stream.out" 2>"$TMP/stream.err"
assert_eq "stream: exit 0" "$?" 0
assert_eq "stream: three NDJSON lines" "$(wc -l <"$TMP/stream.out")" 3
assert_match "stream: the file" "$(cat "$OM/stream.prom")" 'lsconntrack_snapshots_total 3'

# --- vanish: the directory removed mid-run ---
VD=$TMP/vanish
mkdir "$VD"
chmod 1777 "$VD"
ip netns exec "$H" "$LSCT" -n --prometheus "$VD/f.prom" -d 0.3 >/dev/null 2>"$TMP/vanish.err" &
VPID=$!
PIDS+=($VPID)
wait_for 10 test -s "$VD/f.prom" || ns_fail "vanish: no file"
rm -rf "$VD"
sleep 1.5
assert_eq "vanish: still running" "$(kill -0 "$VPID" 2>/dev/null && echo yes)" yes
assert_match "vanish: said on stderr" "$(cat "$TMP/vanish.err")" 'cannot write .*/f.prom: No such file or directory'
assert_lines "vanish: said once" "$(cat "$TMP/vanish.err")" 1
kill -TERM "$VPID"
wait "$VPID"
assert_eq "vanish: SIGTERM ends it with 0" "$?" 0

# --- monitor: the screen writes the file, and says when it cannot ---
MD=$TMP/monitor
mkdir "$MD"
chmod 1777 "$MD"
tm new-session -d -s mon -x 160 -y 30 \
	"ip netns exec $H $LSCT -n --prometheus $MD/f.prom -d 0.3; echo EXIT=\$?; sleep 100000" ||
	ns_fail "tmux new-session"
wait_for 10 test -s "$MD/f.prom"
assert_match "monitor: the file after its snapshots" "$(cat "$MD/f.prom" 2>/dev/null)" \
	'lsconntrack_snapshots_total [1-9]'
chmod 755 "$MD"	# the user it dropped to can no longer write there
assert_eq "monitor: the failed write in the header" \
	"$(wait_screen mon 'cannot write .*/f.prom: Permission denied' 5 && echo yes)" yes
tm send-keys -t mon q
assert_eq "monitor: still ran until q, exit 0" "$(exit_of mon 5)" 0
assert_eq "monitor: the old file stays, no temporary file" "$(ls -A "$MD")" "f.prom"

# --- full: a tmpfs with no room, in a private mount namespace ---
FD=$TMP/full
mkdir "$FD"
ip netns exec "$H" unshare -m --propagation private sh -c "
	mount -t tmpfs -o size=256k,mode=1777 lsct-full '$FD' &&
	dd if=/dev/zero of='$FD/fill' bs=4k 2>/dev/null
	exec '$LSCT' -n --prometheus '$FD/f.prom' -d 0.3" >/dev/null 2>"$TMP/full.err" &
FPID=$!
PIDS+=($FPID)
full_said() { grep -q 'No space left on device' "$TMP/full.err"; }
wait_for 10 full_said
assert_match "full: ENOSPC on stderr" "$(cat "$TMP/full.err")" 'cannot write .*/f.prom: No space left on device'
assert_eq "full: no FILE, no temporary file" "$(nsenter -t "$FPID" -m ls -A "$FD")" "fill"
nsenter -t "$FPID" -m rm -f "$FD/fill"
room() { nsenter -t "$FPID" -m test -s "$FD/f.prom"; }
wait_for 10 room
assert_match "full: once there is room, FILE whole" "$(nsenter -t "$FPID" -m tail -n 2 "$FD/f.prom")" \
	'lsconntrack_build_info\{version="[^"]+"\} 1'
kill -TERM "$FPID"
wait "$FPID"
assert_eq "full: SIGTERM ends it with 0" "$?" 0

t_summary "$SUITE"
