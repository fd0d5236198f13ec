#!/usr/bin/env bash
# Builds a k8s-nettrace cluster description for real out of network namespaces,
# from the tool's own output (ip link/addr/route/neigh, bridge fdb,
# iptables-save via `k8s-nettrace exec`), runs the flows of a flows.tsv with
# real servers (nginx, a small python server) and curl, captures every
# interface with tcpdump -w, and tears everything down.
#
#   sudo bash scripts/lab/run.sh [OUTDIR]     build, run every flow, capture into OUTDIR/FLOW/, tear down
#   sudo bash scripts/lab/run.sh down         tear down only (after a crash)
#   LAB_FLOWS="hairpin nodeport" bash scripts/lab/run.sh /tmp/out   only these flows
#
# Environment: LAB_FIXTURE (default test/fixtures/lab/cluster.yaml), LAB_FLOWS_FILE
# (default test/fixtures/lab/flows.tsv), LAB_PREFIX (default ktl-: every namespace we
# create starts with it; nothing else on the machine is touched), LAB_WORK
# (scratch directory, default /tmp/k8s-nettrace-lab), LAB_TCPDUMP_OPTS (extra
# tcpdump options, e.g. -p for no promiscuous mode), LAB_KERNEL_TCP_RMEM=1 (keep
# this kernel's tcp_rmem instead of the pre-6.16 default the simulator models).
#
# Needs root, iproute2, iptables (nft), tcpdump, curl, ethtool, python3, conntrack,
# and nginx (when missing, `apt-get download nginx` is unpacked into LAB_WORK; no
# package is installed and no service started). Run from the repository root.
set -euo pipefail
export LC_ALL=C TZ=UTC
cd "$(dirname "$0")/../.."
FIXTURE=${LAB_FIXTURE:-test/fixtures/lab/cluster.yaml}
FLOWS_FILE=${LAB_FLOWS_FILE:-test/fixtures/lab/flows.tsv}
P=${LAB_PREFIX:-ktl-}
WORK=${LAB_WORK:-/tmp/k8s-nettrace-lab}
OUT=${1:-test/fixtures/lab}

lab_namespaces() { ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^${P}" || true; }

SERVER_PIDS=()

teardown() {
  local ns pid
  # Our servers first (by pid, then reaped, so nothing is left as a zombie)...
  for pid in "${SERVER_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${SERVER_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  SERVER_PIDS=()
  # ...then anything else still living in our own namespaces (left by a crashed run), by pid.
  for ns in $(lab_namespaces); do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
  done
  sleep 0.2
  for ns in $(lab_namespaces); do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
}

if [[ ${1:-} == down ]]; then teardown; exit 0; fi
[[ $(id -u) == 0 ]] || { echo "run.sh: needs root" >&2; exit 1; }
for t in ip bridge iptables-restore tcpdump curl ethtool python3 conntrack node; do
  command -v "$t" >/dev/null || { echo "run.sh: $t is missing (apt-get install iproute2 iptables tcpdump curl ethtool conntrack)" >&2; exit 1; }
done

trap teardown EXIT
teardown
rm -rf "$WORK" && mkdir -p "$WORK"

# nginx: the real one, as the pods of the description run nginx:1.25.
NGINX=$(command -v nginx || true)
if [[ -z $NGINX ]]; then
  NGINX=/tmp/k8s-nettrace-lab-nginx/usr/sbin/nginx
  if [[ ! -x $NGINX ]]; then
    mkdir -p /tmp/k8s-nettrace-lab-nginx
    (cd /tmp/k8s-nettrace-lab-nginx && apt-get download nginx >/dev/null 2>&1 && dpkg -x nginx_*.deb .)
  fi
fi
[[ -x $NGINX ]] || { echo "run.sh: no nginx binary (apt-get download nginx failed)" >&2; exit 1; }

echo "== plan from k8s-nettrace exec ($FIXTURE)"
node scripts/lab/plan.mjs "$FIXTURE" "$P" "$WORK"
echo "== build"
bash "$WORK/build.sh"

# What the plan says about the lab, as shell lines.
node -e '
const lab = require(process.argv[1]);
for (const c of lab.captures) console.log(["cap", c.netns, c.iface, c.file].join(" "));
for (const s of lab.servers) console.log(["srv", s.netns, s.kind, ...s.ports].join(" "));
for (const [name, n] of Object.entries(lab.nodes)) console.log(["mac", n.netns, n.bridgeMac.dev, n.bridgeMac.mac].join(" "));
' "$WORK/lab.json" > "$WORK/lab.lines"

# The bridge takes the lowest port MAC by itself; say so if that is not the tool's.
while read -r kind ns dev mac; do
  [[ $kind == mac ]] || continue
  real=$(ip -n "$ns" -br link show dev "$dev" | awk '{print $3}')
  [[ $real == "$mac" ]] || echo "warning: $ns $dev has MAC $real, the tool says $mac" >&2
done < "$WORK/lab.lines"

echo "== servers"
mkdir -p "$WORK/html"
cp scripts/lab/nginx-index.html "$WORK/html/index.html"
# The mtime nginx 1.25.3's packaged page has (Last-Modified, ETag as the simulator prints them).
touch -d @1698155207 "$WORK/html/index.html"
chmod -R a+rX "$WORK/html"
while read -r kind ns what ports; do
  [[ $kind == srv ]] || continue
  if [[ $what == nginx ]]; then
    listen=$(for p in $ports; do printf 'listen %s; ' "$p"; done)
    mkdir -p "$WORK/nginx-$ns"
    # The official nginx image's nginx.conf + default.conf (sendfile on, tcp_nopush off).
    cat > "$WORK/nginx-$ns/nginx.conf" <<EOF
user root;
worker_processes 1;
daemon off;
pid $WORK/nginx-$ns/nginx.pid;
error_log $WORK/nginx-$ns/error.log notice;
events { worker_connections 64; }
http {
  types { text/html html htm; }
  default_type application/octet-stream;
  access_log off;
  sendfile on;
  keepalive_timeout 65;
  client_body_temp_path $WORK/nginx-$ns/body;
  proxy_temp_path $WORK/nginx-$ns/proxy;
  fastcgi_temp_path $WORK/nginx-$ns/fastcgi;
  uwsgi_temp_path $WORK/nginx-$ns/uwsgi;
  scgi_temp_path $WORK/nginx-$ns/scgi;
  server { $listen server_name localhost; location / { root $WORK/html; index index.html index.htm; } }
}
EOF
    ip netns exec "$ns" "$NGINX" -e "$WORK/nginx-$ns/error.log" -c "$WORK/nginx-$ns/nginx.conf" &
    SERVER_PIDS+=($!)
  else
    for p in $ports; do
      ip netns exec "$ns" python3 scripts/lab/httpd.py "$p" "${ns#"$P"}" >/dev/null 2>&1 &
      SERVER_PIDS+=($!)
    done
  fi
done < "$WORK/lab.lines"

# Let link-up settle: IPv6 DAD/MLD/RS teach the bridges every MAC (as on a live
# node, where the tool shows the pods' MACs learned in `bridge fdb`).
sleep 4
for ns in $(lab_namespaces); do ip -n "$ns" neigh flush all 2>/dev/null || true; done

mkdir -p "$OUT"
{
  echo "kernel: $(uname -r)"
  echo "tcpdump: $(tcpdump --version 2>&1 | head -1) / $(tcpdump --version 2>&1 | sed -n 2p)"
  echo "iptables: $(iptables --version)"
  echo "iproute2: $(ip -V)"
  echo "curl: $(curl --version | head -1 | cut -d' ' -f1-2)"
  echo "nginx: $("$NGINX" -v 2>&1 | sed 's/.*: //')"
  echo "python3: $(python3 --version 2>&1)"
  echo "k8s-nettrace: $(git rev-parse --short HEAD 2>/dev/null || echo '?') ($FIXTURE)"
} > "$OUT/versions.txt"

run_flow() { # name source dest
  local name=$1 src=$2 dest=$3 dir="$OUT/$1" kind ns iface file pids=() pid url
  echo "== flow $name: $src → $dest"
  rm -rf "$dir" && mkdir -p "$dir" "$WORK/cap-$name"
  # A fresh network for every flow, as each `trace` is: empty ARP caches and
  # conntrack tables (the bridges keep their learned MACs, as on a live node).
  for ns in $(lab_namespaces); do
    ip -n "$ns" neigh flush all 2>/dev/null || true
    ip netns exec "$ns" conntrack -F >/dev/null 2>&1 || true
  done
  while read -r kind ns iface file; do
    [[ $kind == cap ]] || continue
    # shellcheck disable=SC2086 # LAB_TCPDUMP_OPTS is a list of options (e.g. -p)
    ip netns exec "$ns" tcpdump ${LAB_TCPDUMP_OPTS:-} -i "$iface" -n -U -Z root -w "$dir/$file.pcap" 'not ip6' 2> "$WORK/cap-$name/$file.err" &
    pids+=($!)
  done < "$WORK/lab.lines"
  for _ in $(seq 100); do
    [[ $(grep -l "listening on" "$WORK"/cap-"$name"/*.err 2>/dev/null | wc -l) -ge ${#pids[@]} ]] && break
    sleep 0.1
  done
  sleep 0.3
  url="http://$dest/"
  ip netns exec "$P$src" curl -s -o /dev/null -m 5 -w "$name: %{http_code} %{local_ip}:%{local_port} -> %{remote_ip}:%{remote_port}\n" "$url" || echo "$name: curl exit $?"
  sleep 1
  for pid in "${pids[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  # Keep only the interfaces the flow crossed.
  for file in "$dir"/*.pcap; do [[ $(stat -c %s "$file") -gt 24 ]] || rm -f "$file"; done
}

grep -v '^#' "$FLOWS_FILE" | while IFS=$'\t' read -r name src dest _; do
  [[ -n $name ]] || continue
  if [[ -n ${LAB_FLOWS:-} && " $LAB_FLOWS " != *" $name "* ]]; then continue; fi
  run_flow "$name" "$src" "$dest" < /dev/null
done
echo "== done: $OUT"
