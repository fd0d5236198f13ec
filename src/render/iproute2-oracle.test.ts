// Live oracle: builds a small flannel-like namespace for real (unshare -rnm),
// runs the real iproute2 / net-tools / bridge-utils in it, and compares with
// our printers over the same state. MACs are set explicitly so nothing is
// random; counters are read from /proc/net/dev after the IPv6 chatter of the
// first second is over. Not needed in CI (the fixture tests are the judge):
// it skips, with the reason, when a tool or user namespaces are unavailable.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import type { FdbEntry, Link, Netns, Route } from "../model/kernel.js";
import type { LinkExtras, LinkStats } from "./kernel-derived.js";
import { bridgeFdb, bridgeLink, ipAddr, ipLink, ipNeigh, ipRoute } from "./iproute2.js";
import { brctlShow, ifconfig, netstatRn, routeN } from "./nettools.js";
import { ip, netns } from "../../test/support/lab-node.js";
import { parseCidr } from "../model/addr.js";

const TOOLS = ["unshare", "ip", "bridge", "ifconfig", "route", "netstat", "brctl", "sysctl"];

const BUILD = `
set -e
mount -t sysfs none /sys
ip link set lo up
sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.default.accept_ra=0
ip link add name eth0 address 02:00:00:00:03:01 type veth peer name uplink address 02:00:00:00:02:01
ip link set uplink up
ip link set eth0 up
ip addr add 192.168.1.221/24 brd + dev eth0
ip addr add 192.168.1.230/24 brd + dev eth0
ip route add default via 192.168.1.1 dev eth0
# No dummy driver on some kernels: ifb prints the same while down (see lab-node.sh).
ip link add name kube-ipvs0 address 0a:00:00:00:04:01 type dummy 2>/dev/null ||
  ip link add name kube-ipvs0 address 0a:00:00:00:04:01 txqueuelen 1000 type ifb
ip addr add 10.96.0.1/32 dev kube-ipvs0
ip link add flannel.1 address 0e:00:00:00:05:01 type vxlan id 1 local 192.168.1.221 dev eth0 dstport 8472 nolearning
ip link set flannel.1 mtu 1450
ip addr add 172.30.20.0/32 dev flannel.1
ip link set flannel.1 up
ip neigh replace 172.30.83.0 lladdr 9e:00:00:00:83:01 dev flannel.1 nud permanent
bridge fdb append 9e:00:00:00:83:01 dev flannel.1 dst 10.167.226.38 self permanent
bridge fdb append 9e:00:00:00:84:01 dev flannel.1 dst 10.167.226.39 self permanent
ip route replace 172.30.83.0/24 via 172.30.83.0 dev flannel.1 onlink
ip link add name cni0 address 0e:00:00:00:06:01 mtu 1450 type bridge
ip link set cni0 up
ip link add name vethaaaa0001 address 0e:00:00:00:08:01 mtu 1450 type veth peer name pod0 address 0e:00:00:00:07:01 mtu 1450
ip link set vethaaaa0001 up
ip link set vethaaaa0001 master cni0
ip link set vethaaaa0001 type bridge_slave hairpin on
ip link set pod0 up
ip addr add 172.30.20.1/24 brd + dev cni0
bridge fdb add 02:00:00:00:99:01 dev vethaaaa0001 master permanent
ip link add name docker0 type bridge
ip link set docker0 address 02:42:ac:11:00:01
ip addr add 172.17.0.1/16 brd + dev docker0
ip link set docker0 up
ip route add 10.10.0.0/16 via 192.168.1.254 metric 100 proto static
ip route add 10.10.0.0/24 via 192.168.1.253
ip route add 10.20.0.5 via 192.168.1.254
sleep 2
`;

const COMMANDS: Record<string, (ns: Netns) => string> = {
  "ip addr": (ns) => ipAddr(ns),
  "ip -4 addr": (ns) => ipAddr(ns, { family4Only: true }),
  "ip addr show dev eth0": (ns) => ipAddr(ns, { dev: "eth0" }),
  "ip link": (ns) => ipLink(ns),
  "ip link show vethaaaa0001": (ns) => ipLink(ns, { dev: "vethaaaa0001" }),
  "ip route": (ns) => ipRoute(ns),
  "ip route show table local": (ns) => ipRoute(ns, { table: "local" }),
  "ip neigh": ipNeigh,
  "bridge fdb": bridgeFdb,
  "bridge link": bridgeLink,
  "route -n": routeN,
  "netstat -rn": netstatRn,
  "ifconfig": (ns) => ifconfig(ns),
  "ifconfig -a": (ns) => ifconfig(ns, undefined, { all: true }),
  "ifconfig kube-ipvs0": (ns) => ifconfig(ns, "kube-ipvs0"),
  "brctl show": brctlShow,
};

function skipReason(): string | undefined {
  if (process.getuid?.() !== 0) return "live oracle needs root (fixture tests still judge the printers)";
  const missing = TOOLS.filter((t) => spawnSync("sh", ["-c", `command -v ${t}`]).status !== 0);
  if (missing.length) return `live oracle: tools not installed: ${missing.join(", ")}`;
  // The printers reproduce these versions; another version may differ in spacing on purpose.
  const versions = spawnSync("sh", ["-c", "ip -V; ifconfig --version 2>&1"], { encoding: "utf8" }).stdout;
  if (!versions.includes("iproute2-6.1.0") || !versions.includes("net-tools 2.10")) {
    return `live oracle: printers emulate iproute2 6.1.0 / net-tools 2.10, found: ${versions.replace(/\n/g, "; ")}`;
  }
  return undefined;
}

/** Runs BUILD then every command, each output after a marker line; plus /proc/net/dev. */
function runLive(): { outputs: Map<string, string>; stats: Map<string, Partial<LinkStats>> } | string {
  const cmds = Object.keys(COMMANDS).map((c) => `echo "@@@ ${c}"; ${c}`).join("\n");
  const r = spawnSync("unshare", ["-rnm", "sh", "-c", `${BUILD}\necho "@@@ /proc/net/dev"; cat /proc/net/dev\n${cmds}`], {
    encoding: "utf8", env: { ...process.env, LC_ALL: "C" },
  });
  if (r.status !== 0) return `live oracle: could not build the namespace (${r.stderr.trim() || r.error?.message})`;
  const outputs = new Map<string, string>();
  for (const part of r.stdout.split("@@@ ").slice(1)) {
    const nl = part.indexOf("\n");
    outputs.set(part.slice(0, nl), part.slice(nl + 1));
  }
  return { outputs, stats: parseProcNetDev(outputs.get("/proc/net/dev") ?? "") };
}

function parseProcNetDev(text: string): Map<string, Partial<LinkStats>> {
  const out = new Map<string, Partial<LinkStats>>();
  for (const line of text.split("\n").slice(2)) {
    const m = /^\s*([^:]+):(.*)$/.exec(line);
    if (!m) continue;
    const v = m[2]!.trim().split(/\s+/).map(Number);
    out.set(m[1]!, {
      rxBytes: v[0], rxPackets: v[1], rxErrors: v[2], rxDropped: v[3], rxOverruns: v[4], rxFrame: v[5],
      txBytes: v[8], txPackets: v[9], txErrors: v[10], txDropped: v[11], txOverruns: v[12], collisions: v[13], txCarrier: v[14],
    });
  }
  return out;
}

const UP = ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"];

function l(index: number, name: string, kind: Link["kind"], mac: string, rest: Partial<Link & LinkExtras> = {}): Link {
  return { index, name, kind, mtu: 1500, mac, flags: UP, operState: "UP", qdisc: "noqueue", txqlen: 1000, addrs: [], ...rest };
}

const a = (text: string, brd?: string) => ({ cidr: parseCidr(text)!, scope: "global" as const, ...(brd ? { broadcast: ip(brd) } : {}) });

function r(dst: string, dev: string, rest: Partial<Route> = {}): Route {
  return { table: "main", type: "unicast", dst: parseCidr(dst.includes("/") ? dst : `${dst}/32`)!, dev, scope: "global", ...rest };
}

function local(addr: string, dev: string, type: "local" | "broadcast" = "local", src = addr): Route {
  return r(addr, dev, { table: "local", type, proto: "kernel", scope: type === "local" ? "host" : "link", src: ip(src) });
}

/** The same namespace as BUILD, written as the compiler would. */
function model(): Netns {
  const links = [
    l(1, "lo", "loopback", "00:00:00:00:00:00", { mtu: 65536, flags: ["LOOPBACK", "UP", "LOWER_UP"], operState: "UNKNOWN", addrs: [{ cidr: parseCidr("127.0.0.1/8")!, scope: "host" }] }),
    l(2, "uplink", "veth", "02:00:00:00:02:01", { peer: { netns: "live", ifindex: 3, name: "eth0" } }),
    l(3, "eth0", "veth", "02:00:00:00:03:01", { peer: { netns: "live", ifindex: 2, name: "uplink" }, addrs: [a("192.168.1.221/24", "192.168.1.255"), a("192.168.1.230/24", "192.168.1.255")] }),
    l(4, "kube-ipvs0", "dummy", "0a:00:00:00:04:01", { flags: ["BROADCAST", "NOARP"], operState: "DOWN", qdisc: "noop", addrs: [a("10.96.0.1/32")] }),
    l(5, "flannel.1", "vxlan", "0e:00:00:00:05:01", { mtu: 1450, operState: "UNKNOWN", addrs: [a("172.30.20.0/32")] }),
    l(6, "cni0", "bridge", "0e:00:00:00:06:01", { mtu: 1450, addrs: [a("172.30.20.1/24", "172.30.20.255")] }),
    l(7, "pod0", "veth", "0e:00:00:00:07:01", { mtu: 1450, peer: { netns: "live", ifindex: 8, name: "vethaaaa0001" } }),
    l(8, "vethaaaa0001", "veth", "0e:00:00:00:08:01", { mtu: 1450, master: "cni0", peer: { netns: "live", ifindex: 7, name: "pod0" } }),
    l(9, "docker0", "bridge", "02:42:ac:11:00:01", { flags: ["NO-CARRIER", "BROADCAST", "MULTICAST", "UP"], operState: "DOWN", addrs: [a("172.17.0.1/16", "172.17.255.255")] }),
  ];
  const kernel = { proto: "kernel" as const, scope: "link" as const };
  const routes: Route[] = [
    r("0.0.0.0/0", "eth0", { gateway: ip("192.168.1.1") }),
    r("192.168.1.0/24", "eth0", { ...kernel, src: ip("192.168.1.221") }),
    r("172.30.83.0/24", "flannel.1", { gateway: ip("172.30.83.0"), onlink: true }),
    r("172.30.20.0/24", "cni0", { ...kernel, src: ip("172.30.20.1") }),
    r("172.17.0.0/16", "docker0", { ...kernel, src: ip("172.17.0.1") }),
    r("10.10.0.0/16", "eth0", { gateway: ip("192.168.1.254"), metric: 100, proto: "static" }),
    r("10.10.0.0/24", "eth0", { gateway: ip("192.168.1.253") }),
    r("10.20.0.5", "eth0", { gateway: ip("192.168.1.254") }),
    r("127.0.0.0/8", "lo", { table: "local", type: "local", proto: "kernel", scope: "host", src: ip("127.0.0.1") }),
    local("127.0.0.1", "lo"), local("127.255.255.255", "lo", "broadcast", "127.0.0.1"),
    local("192.168.1.221", "eth0"), local("192.168.1.230", "eth0", "local", "192.168.1.221"),
    local("192.168.1.255", "eth0", "broadcast", "192.168.1.221"), local("10.96.0.1", "kube-ipvs0"),
    local("172.30.20.0", "flannel.1"), local("172.30.20.1", "cni0"), local("172.30.20.255", "cni0", "broadcast", "172.30.20.1"),
    local("172.17.0.1", "docker0"), local("172.17.255.255", "docker0", "broadcast", "172.17.0.1"),
  ];
  const fdb: FdbEntry[] = [
    { mac: "9e:00:00:00:83:01", dev: "flannel.1", dst: ip("10.167.226.38"), self: true, permanent: true },
    { mac: "9e:00:00:00:84:01", dev: "flannel.1", dst: ip("10.167.226.39"), self: true, permanent: true },
    { mac: "0e:00:00:00:06:01", dev: "cni0", master: "cni0", self: false, permanent: true },
    { mac: "0e:00:00:00:08:01", dev: "vethaaaa0001", master: "cni0", self: false, permanent: true },
    // Learned from pod0's own MLD report when it came up (IPv6 chatter is real traffic).
    { mac: "0e:00:00:00:07:01", dev: "vethaaaa0001", master: "cni0", self: false, permanent: false },
    { mac: "02:00:00:00:99:01", dev: "vethaaaa0001", master: "cni0", self: false, permanent: true },
    { mac: "02:42:ac:11:00:01", dev: "docker0", master: "docker0", self: false, permanent: true },
  ];
  const neigh = [{ dev: "flannel.1", ip: ip("172.30.83.0"), lladdr: "9e:00:00:00:83:01", state: "PERMANENT" as const }];
  return netns("live", "node", links, routes, neigh, fdb);
}

test("printers match the real tools on a live namespace", (t) => {
  const reason = skipReason();
  if (reason) return t.skip(reason);
  const live = runLive();
  if (typeof live === "string") return t.skip(live);
  const ns = model();
  for (const link of ns.links as (Link & LinkExtras)[]) link.stats = live.stats.get(link.name) ?? {};
  for (const [cmd, print] of Object.entries(COMMANDS)) {
    assert.equal(print(ns), live.outputs.get(cmd), `\`${cmd}\` differs from the real tool`);
  }
});
