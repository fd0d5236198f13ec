#!/usr/bin/env bash
# Builds a realistic flannel node out of network namespaces, captures what
# iproute2 / net-tools / bridge-utils print inside it, and tears it all down.
# The captures are the reference transcripts in test/fixtures/iproute2/ that
# the printers in src/render/ must reproduce byte for byte.
#
#   bash test/oracle/lab-node.sh [OUTDIR]   build, capture into OUTDIR, tear down
#   bash test/oracle/lab-node.sh down       tear down only (after a crash)
#
# Needs root, iproute2, net-tools, bridge-utils, iputils-ping, perl (holds the TUN open).
# Every name we create carries the $P prefix in the root view (/run/netns), so
# the lab never touches the machine's own devices; inside the namespaces the
# devices carry their real names (eth0, cni0, flannel.1, vethXXXXXXXX).
#
# Namespaces:
#   ${P}underlay  the L2 segment (bridge br0, gateway 192.168.1.1)
#   ${P}node      the node: eth0, docker0, kube-ipvs0, flannel.1, cni0, 2 veths
#   ${P}pod1/2    pods attached to cni0 the way the CNI bridge plugin does it
#   ${P}nodeudp   the same node with flannel's udp backend (TUN flannel0)
set -euo pipefail
export LC_ALL=C
P=${LAB_PREFIX:-ntl-}
OUT=${1:-test/fixtures/iproute2}
TUN_PID_FILE=/tmp/${P}tun-holder.pid

# Inputs a real node gets from elsewhere (flannel lease of the remote node,
# CNI's random veth names, docker's 02:42 MAC). Kernel-chosen values (our
# own MACs, ifindexes, netnsids) are left to the kernel and recorded.
REMOTE_VTEP_MAC=9e:3f:52:1c:7a:04
REMOTE_PUBLIC_IP=10.167.226.38
DOCKER0_MAC=02:42:8c:1f:6e:35
VETH1=veth3c9a1f2e
VETH2=vethb7d40a91

teardown() {
  if [[ -f $TUN_PID_FILE ]]; then
    kill "$(cat "$TUN_PID_FILE")" 2>/dev/null || true
    rm -f "$TUN_PID_FILE"
  fi
  for ns in pod1 pod2 node nodeudp underlay; do
    ip netns del "${P}$ns" 2>/dev/null || true
  done
}

if [[ ${1:-} == down ]]; then teardown; exit 0; fi
trap teardown EXIT
teardown

n() { ip -n "${P}$1" "${@:2}"; }             # ip inside a lab namespace
nsx() { ip netns exec "${P}$1" "${@:2}"; }    # any command inside it

build_underlay() {
  ip netns add "${P}underlay"
  n underlay link set lo up
  n underlay link add name br0 type bridge
  n underlay addr add 192.168.1.1/24 brd + dev br0
  n underlay link set br0 up
}

# eth0 stands in for the NIC: a veth whose other end sits on the underlay bridge.
build_node_eth0() { # ns addr
  ip netns add "${P}$1"
  n "$1" link set lo up
  n "$1" link add name eth0 type veth peer name "n-$1" netns "${P}underlay"
  [[ $1 == node ]] && n underlay link set "n-$1" master br0
  n underlay link set "n-$1" up
  n "$1" link set eth0 up
  # brd +: DHCP clients and the Go netlink library always set the broadcast.
  n "$1" addr add "$2/24" brd + dev eth0
  n "$1" route add default via 192.168.1.1 dev eth0
}

# docker daemon: bridge with a 02:42 MAC it sets itself, no containers -> NO-CARRIER.
build_docker0() {
  n node link add name docker0 type bridge
  n node link set docker0 address "$DOCKER0_MAC"
  n node addr add 172.17.0.1/16 brd + dev docker0
  n node link set docker0 up
}

# kube-proxy IPVS mode: dummy device, never set up, one /32 per ClusterIP.
# This lab kernel has no dummy driver (CONFIG_DUMMY unset), so ifb stands in:
# both do ether_setup, set NOARP, clear MULTICAST and take a random MAC
# (drivers/net/dummy.c dummy_setup, drivers/net/ifb.c ifb_setup); only the
# queue length differs (ifb 32, dummy 1000 from ether_setup), so we set it.
# While the device stays down, everything ip/ifconfig print is identical.
build_kube_ipvs0() {
  if ! n node link add name kube-ipvs0 type dummy 2>/dev/null; then
    n node link add name kube-ipvs0 txqueuelen 1000 type ifb
  fi
  n node addr add 10.96.0.1/32 dev kube-ipvs0
  n node addr add 10.96.0.10/32 dev kube-ipvs0
}

# flannel vxlan backend (pkg/backend/vxlan): device, /32 on the lease's .0,
# then per remote lease: permanent ARP, FDB to the remote VTEP, onlink route.
build_flannel_vxlan() {
  n node link add flannel.1 type vxlan id 1 local 192.168.1.221 dev eth0 dstport 8472 nolearning
  n node link set flannel.1 mtu 1450
  n node addr add 172.30.20.0/32 dev flannel.1
  n node link set flannel.1 up
  n node neigh replace 172.30.83.0 lladdr "$REMOTE_VTEP_MAC" dev flannel.1 nud permanent
  nsx node bridge fdb append "$REMOTE_VTEP_MAC" dev flannel.1 dst "$REMOTE_PUBLIC_IP" self permanent
  n node route replace 172.30.83.0/24 via 172.30.83.0 dev flannel.1 onlink
  # host-gw backend / DirectRouting form for a node on the same L2 segment.
  n node route add 172.30.84.0/24 via 192.168.1.222 dev eth0
}

# CNI bridge plugin (plugins/main/bridge): ensureBridge, then per pod
# setupVeth (veth made inside the pod, host end vethXXXXXXXX in the node),
# hairpin on, then ConfigureIface in the pod, then the gateway on the bridge.
build_cni0() {
  n node link add name cni0 mtu 1450 type bridge
  nsx node sysctl -qw net.ipv6.conf.cni0.accept_ra=0
  n node link set cni0 up
}

add_pod() { # pod hostveth podaddr
  local pod=$1 veth=$2 addr=$3
  ip netns add "${P}$pod"
  n "$pod" link set lo up   # the loopback CNI plugin
  n "$pod" link add name eth0 mtu 1450 type veth peer name "$veth" mtu 1450 netns "${P}node"
  n node link set "$veth" up
  nsx node sysctl -qw "net.ipv6.conf.$veth.accept_ra=0"
  n node link set "$veth" master cni0
  n node link set "$veth" type bridge_slave hairpin on
  nsx "$pod" sysctl -qw net.ipv6.conf.eth0.accept_dad=0 net.ipv4.conf.eth0.arp_notify=1
  n "$pod" link set eth0 up
  n "$pod" addr add "$addr/24" brd + dev eth0
  n "$pod" route add 172.30.0.0/16 via 172.30.20.1 dev eth0
  n "$pod" route add default via 172.30.20.1 dev eth0
  if ! n node -4 addr show dev cni0 | grep -q inet; then
    n node addr add 172.30.20.1/24 brd + dev cni0
    nsx node sysctl -qw net.ipv4.ip_forward=1
  fi
}

# flannel udp backend: TUN flannel0 held open by flanneld (here: perl), /32,
# MTU ext-28, route for the whole Network (pkg/backend/udp configureIface).
build_flannel_udp() {
  n nodeudp tuntap add name flannel0 mode tun
  # TUNSETIFF(IFF_TUN|IFF_NO_PI) attaches a queue: carrier on, like flanneld.
  # `ip netns exec` execs perl, so $! is perl's own pid; its output must not
  # hold our stdout open.
  ip netns exec "${P}nodeudp" perl -e 'open(my $f, "+<", "/dev/net/tun") or die "tun: $!";
    my $ifr = pack("a16 s", "flannel0", 0x1001);
    ioctl($f, 0x400454ca, $ifr) or die "TUNSETIFF: $!";
    $SIG{TERM} = sub { exit 0 }; sleep 1 while 1;' </dev/null >/dev/null 2>&1 &
  echo $! >"$TUN_PID_FILE"
  sleep 0.5
  n nodeudp addr add 172.30.20.0/32 dev flannel0
  n nodeudp link set flannel0 mtu 1472
  n nodeudp link set flannel0 up
  # flanneld asks for scope universe explicitly; `ip route add` alone would pick link.
  n nodeudp route add 172.30.0.0/16 dev flannel0 scope global
}

# Runs a command in a namespace the way a user on the node (or kubectl exec in
# the pod) sees it: /run/netns hidden, so `link-netnsid N` prints instead of
# the lab's own namespace names.
view() { # ns cmd...
  ip netns exec "${P}$1" unshare -m sh -c 'mount -t tmpfs none /run/netns && exec "$@"' sh "${@:2}"
}

capture() { # ns dir file cmd...
  local ns=$1 dir=$OUT/$2 file=$3
  mkdir -p "$dir"
  view "$ns" "${@:4}" >"$dir/$file.txt" 2>&1 || echo "exit $?" >>"$dir/$file.txt"
}

capture_common() { # ns dir devs...
  local ns=$1 dir=$2 d
  capture "$ns" "$dir" ip-addr ip addr
  capture "$ns" "$dir" ip-4-addr ip -4 addr
  capture "$ns" "$dir" ip-link ip link
  capture "$ns" "$dir" ip-route ip route
  capture "$ns" "$dir" ip-route-table-local ip route show table local
  capture "$ns" "$dir" ip-neigh ip neigh
  capture "$ns" "$dir" bridge-fdb bridge fdb
  capture "$ns" "$dir" bridge-link bridge link
  capture "$ns" "$dir" route-n route -n
  capture "$ns" "$dir" netstat-rn netstat -rn
  capture "$ns" "$dir" ifconfig ifconfig
  capture "$ns" "$dir" ifconfig-a ifconfig -a
  capture "$ns" "$dir" brctl-show brctl show
  for d in "${@:3}"; do
    capture "$ns" "$dir" "ip-addr-show-dev-$d" ip addr show dev "$d"
    capture "$ns" "$dir" "ip-link-show-$d" ip link show "$d"
    capture "$ns" "$dir" "ifconfig-$d" ifconfig "$d"
  done
}

# Facts for docs/kernel-facts.md that the printers do not reproduce.
capture_details() {
  local dir=$OUT/details
  capture node details ip-d-link ip -d link
  capture node details ip-s-link ip -s link
  capture node details bridge-d-link bridge -d link
  capture node details ip-route-table-all ip route show table all
  capture nodeudp details nodeudp-ip-d-link ip -d link
  capture pod1 details pod1-ip-d-link ip -d link
  # The containerd view: named netns in /run/netns print as link-netns NAME.
  ip -n "${P}node" link show "$VETH1" >"$dir/ip-link-named-netns.txt"
  # Error messages for a device that does not exist.
  capture node details no-such-device sh -c 'ip addr show dev nope; ip link show nope; ifconfig nope; true'
  # A bridge with no port and a random MAC keeps carrier (UNKNOWN); docker0
  # lost it when docker set its MAC (br_set_mac_address -> br_port_state_selection).
  n node link add name br-probe type bridge
  n node link set br-probe up
  capture node details bridge-no-port-random-mac ip link show br-probe
  n node link del br-probe
  for f in addr_gen_mode accept_ra accept_dad disable_ipv6; do
    echo "$f: $(nsx node sysctl -n net.ipv6.conf.default.$f)"
  done >"$dir/sysctl-defaults.txt"
  echo "default_qdisc: $(sysctl -n net.core.default_qdisc)" >>"$dir/sysctl-defaults.txt"
}

traffic() {
  nsx pod1 ping -c1 -W1 172.30.20.3 >/dev/null
  nsx pod1 ping -c1 -W1 172.30.20.1 >/dev/null
  nsx node ping -c1 -W1 172.30.20.2 >/dev/null
  nsx node ping -c1 -W1 192.168.1.1 >/dev/null
  nsx node ping -c1 -W1 172.30.83.5 >/dev/null || true   # vxlan, nobody answers
}

main() {
  build_underlay
  build_node_eth0 node 192.168.1.221
  build_docker0
  build_kube_ipvs0
  build_flannel_vxlan
  build_cni0
  add_pod pod1 "$VETH1" 172.30.20.2
  add_pod pod2 "$VETH2" 172.30.20.3
  build_node_eth0 nodeudp 192.168.1.221
  build_flannel_udp
  sleep 4   # IPv6 DAD and the first MLD reports are over; no tentative addresses
  rm -rf "${OUT:?}"/{node,pod1,pod2,nodeudp,details} "$OUT/versions.txt"   # only what we write
  capture_common node node eth0 docker0 kube-ipvs0 flannel.1 cni0 "$VETH1" lo
  capture_common pod1 pod1 eth0 lo
  capture_common pod2 pod2 eth0
  capture_common nodeudp nodeudp flannel0
  capture_details
  traffic
  for ns in node pod1; do
    capture "$ns" "$ns/after-traffic" ip-neigh ip neigh
    capture "$ns" "$ns/after-traffic" bridge-fdb bridge fdb
    capture "$ns" "$ns/after-traffic" ip-link ip link
    capture "$ns" "$ns/after-traffic" ifconfig ifconfig
  done
  { uname -r; ip -V; bridge -V; ifconfig --version 2>&1 | head -1; brctl --version; } >"$OUT/versions.txt"
}

main
