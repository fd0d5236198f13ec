#!/usr/bin/env node
// Turns k8s-nettrace's own view of a cluster into the shell commands that build
// it for real out of network namespaces. Everything kernel-side comes from the
// tool's `exec` output (ip link/addr/route/neigh, bridge fdb, iptables-save);
// the description is read only for the list of nodes, pods and external hosts,
// the VXLAN parameters and the two sysctl switches.
//
//   node scripts/lab/plan.mjs FIXTURE PREFIX OUTDIR
//
// writes OUTDIR/build.sh (bash, run as root), OUTDIR/iptables-NODE.rules (the
// tool's iptables-save per node) and OUTDIR/lab.json (namespaces, interfaces,
// addresses, the servers to start), which run.sh reads.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as yaml from "js-yaml";

const [fixture, prefix = "ktl-", outDir = "/tmp/k8s-nettrace-lab"] = process.argv.slice(2);
if (!fixture) {
  console.error("usage: plan.mjs FIXTURE [PREFIX] [OUTDIR]");
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const cli = process.env.K8S_NETTRACE ?? join(root, "bin/k8s-nettrace.js");

function tool(target, ...cmd) {
  const r = spawnSync(process.execPath, [cli, "exec", "-f", fixture, target, "--", ...cmd], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`k8s-nettrace exec ${target} -- ${cmd.join(" ")} failed:\n${r.stderr}`);
  return r.stdout;
}

/** `ip link` → [{index, name, peerIndex, mtu, master, mac}] */
function parseLinks(text) {
  const links = [];
  for (const line of text.split("\n")) {
    let m = /^(\d+): ([^:@]+)(?:@if(\d+)|@[^:]+)?: <[^>]*> mtu (\d+)(.*)$/.exec(line);
    if (m) {
      const master = / master (\S+)/.exec(m[5])?.[1];
      links.push({ index: Number(m[1]), name: m[2], peerIndex: m[3] ? Number(m[3]) : undefined, mtu: Number(m[4]), master });
      continue;
    }
    m = /^\s+link\/ether (\S+)/.exec(line);
    if (m && links.length) links.at(-1).mac = m[1];
  }
  return links;
}

/** `ip addr` → [{dev, cidr, brd}] (IPv4, not lo) */
function parseAddrs(text) {
  const out = [];
  for (const line of text.split("\n")) {
    const m = /^\s+inet (\S+)(?: brd (\S+))? scope \S+ (?:secondary )?(\S+)$/.exec(line);
    if (m && m[3] !== "lo") out.push({ cidr: m[1], brd: m[2], dev: m[3] });
  }
  return out;
}

/** Main-table routes the kernel does not add by itself. */
function parseRoutes(text) {
  return text.split("\n").map((l) => l.trim()).filter((l) => l && !/ proto kernel /.test(l));
}

function parseNeigh(text) {
  return text.split("\n").flatMap((l) => {
    const m = /^(\S+) dev (\S+) lladdr (\S+) PERMANENT/.exec(l.trim());
    return m ? [{ ip: m[1], dev: m[2], mac: m[3] }] : [];
  });
}

/** Static VTEP entries (flannel's); learned bridge entries come from the kernel itself. */
function parseVtepFdb(text) {
  return text.split("\n").flatMap((l) => {
    const m = /^(\S+) dev (\S+) dst (\S+) self permanent/.exec(l.trim());
    return m ? [{ mac: m[1], dev: m[2], dst: m[3] }] : [];
  });
}

const desc = yaml.load(readFileSync(fixture, "utf8"));
const net = desc.network ?? {};
const vni = net.vxlan?.vni ?? 1;
const vxlanPort = net.vxlan?.port ?? 8472;
const brNetfilter = net.brNetfilter ?? true;
const hairpin = net.hairpin ?? true;
if ((net.backend ?? "vxlan") !== "vxlan") throw new Error("the lab builds the vxlan backend only");

const ns = (name) => `${prefix}${name.replace(/^default\//, "")}`;
const sh = [];
const emit = (s) => sh.push(s);
const ipn = (n, rest) => emit(`ip -n ${n} ${rest}`);
const lab = { prefix, underlay: `${prefix}underlay`, namespaces: [], captures: [], servers: [], nodes: {} };

// The underlay: one bridge (a switch) with the gateway's address.
const gw = desc.underlay?.gateway;
emit(`ip netns add ${lab.underlay}`);
ipn(lab.underlay, "link set lo up");
ipn(lab.underlay, "link add br0 type bridge");
if (gw) ipn(lab.underlay, `addr add ${gw}/${(desc.underlay.cidr ?? "0/24").split("/")[1]} brd + dev br0`);
ipn(lab.underlay, "link set br0 up");
lab.namespaces.push(lab.underlay);

/** A host's NIC: a veth whose other end is a port of the underlay switch. */
function underlayNic(n, link, short) {
  const port = `u-${short}`.slice(0, 15);
  ipn(n, `link add ${link.name} mtu ${link.mtu} address ${link.mac} type veth peer name ${port} netns ${lab.underlay}`);
  ipn(lab.underlay, `link set ${port} master br0`);
  // A physical NIC's offloaded checksums are filled in on the way to the wire: the
  // switch ports compute them, so the sender's capture shows them partial and the
  // receiver's complete, as with real hardware.
  emit(`ip netns exec ${lab.underlay} ethtool -K ${port} tx off >/dev/null`);
  ipn(lab.underlay, `link set ${port} up`);
}

function commonSysctls(n) {
  // The TCP receive buffer default of kernels before 6.16 (wscale 7), which the simulator
  // models; LAB_KERNEL_TCP_RMEM=1 keeps this kernel's own (see docs/facts/trace-lab.md).
  if (!process.env.LAB_KERNEL_TCP_RMEM) emit(`ip netns exec ${n} sysctl -qw net.ipv4.tcp_rmem="4096 131072 6291456"`);
}

function addAddrsRoutes(n, target, addrs) {
  for (const a of addrs) ipn(n, `addr add ${a.cidr}${a.brd ? " brd +" : ""} dev ${a.dev}`);
  for (const r of parseRoutes(tool(target, "ip", "route"))) ipn(n, `route add ${r}`);
}

const podsByNode = new Map();
for (const p of desc.pods ?? []) {
  const key = `${p.namespace ?? "default"}/${p.name}`;
  if (!podsByNode.has(p.node)) podsByNode.set(p.node, []);
  podsByNode.get(p.node).push(key);
}

for (const node of desc.nodes ?? []) {
  const n = ns(node.name);
  lab.namespaces.push(n);
  const links = parseLinks(tool(node.name, "ip", "link"));
  const addrs = parseAddrs(tool(node.name, "ip", "addr"));
  const nic = node.interface ?? "eth0";
  const nodeIp = addrs.find((a) => a.dev === nic).cidr.split("/")[0];
  lab.nodes[node.name] = { netns: n, ip: nodeIp, links: links.map((l) => l.name).filter((x) => x !== "lo") };
  emit(`# node ${node.name}`);
  emit(`ip netns add ${n}`);
  ipn(n, "link set lo up");
  commonSysctls(n);
  emit(`ip netns exec ${n} sysctl -qw net.ipv4.ip_forward=1`);
  emit(`ip netns exec ${n} sysctl -qw net.bridge.bridge-nf-call-iptables=${brNetfilter ? 1 : 0}`);
  const bridges = new Set(links.filter((l) => l.master).map((l) => l.master));
  const vethsByIndex = new Map();
  for (const l of links) {
    if (l.name === "lo") continue;
    if (l.name === nic) underlayNic(n, l, node.name);
    else if (/^flannel\.\d+$/.test(l.name))
      ipn(n, `link add ${l.name} mtu ${l.mtu} address ${l.mac} type vxlan id ${vni} local ${nodeIp} dev ${nic} dstport ${vxlanPort} nolearning`);
    else if (bridges.has(l.name)) ipn(n, `link add ${l.name} mtu ${l.mtu} type bridge`);
    else if (l.master && l.peerIndex !== undefined) vethsByIndex.set(l.index, l);
    else throw new Error(`${node.name}: do not know how to build link ${l.name}`);
  }
  for (const l of links) if (l.name !== "lo" && !vethsByIndex.has(l.index)) ipn(n, `link set ${l.name} up`);
  for (const podKey of podsByNode.get(node.name) ?? []) {
    const p = ns(podKey);
    lab.namespaces.push(p);
    const plinks = parseLinks(tool(podKey, "ip", "link"));
    const eth0 = plinks.find((l) => l.name === "eth0");
    const veth = vethsByIndex.get(eth0.peerIndex);
    if (!veth) throw new Error(`${podKey}: no host veth with index ${eth0.peerIndex} on ${node.name}`);
    emit(`# pod ${podKey} on ${node.name}`);
    emit(`ip netns add ${p}`);
    ipn(p, "link set lo up");
    commonSysctls(p);
    // CNI creates the pair inside the pod and moves the host end out.
    ipn(p, `link add eth0 mtu ${eth0.mtu} address ${eth0.mac} type veth peer name ${veth.name} mtu ${veth.mtu} address ${veth.mac} netns ${n}`);
    ipn(n, `link set ${veth.name} master ${veth.master}`);
    if (hairpin) ipn(n, `link set ${veth.name} type bridge_slave hairpin on`);
    ipn(n, `link set ${veth.name} up`);
    emit(`ip netns exec ${p} sysctl -qw net.ipv4.conf.eth0.arp_notify=1`);
    ipn(p, "link set eth0 up");
    addAddrsRoutes(p, podKey, parseAddrs(tool(podKey, "ip", "addr")));
    lab.captures.push({ target: podKey, netns: p, iface: "eth0", file: `${podKey.replace("/", "_")}-eth0` });
    const ports = (desc.pods.find((x) => `${x.namespace ?? "default"}/${x.name}` === podKey).containers ?? [])
      .flatMap((c) => c.ports ?? []).filter((x) => (x.protocol ?? "TCP") === "TCP").map((x) => x.containerPort);
    if (ports.length) lab.servers.push({ netns: p, ports, kind: "nginx" });
  }
  addAddrsRoutes(n, node.name, addrs);
  for (const e of parseNeigh(tool(node.name, "ip", "neigh"))) ipn(n, `neigh add ${e.ip} lladdr ${e.mac} dev ${e.dev} nud permanent`);
  for (const e of parseVtepFdb(tool(node.name, "bridge", "fdb")))
    emit(`bridge -n ${n} fdb append ${e.mac} dev ${e.dev} dst ${e.dst} self permanent`);
  writeFileSync(join(outDir, `iptables-${node.name}.rules`), tool(node.name, "iptables-save"));
  emit(`ip netns exec ${n} iptables-restore < ${join(outDir, `iptables-${node.name}.rules`)}`);
  for (const l of links) if (l.name !== "lo") lab.captures.push({ target: node.name, netns: n, iface: l.name, file: `${node.name}-${l.name}` });
  // Expected cni0 MAC (the kernel picks the lowest port MAC; run.sh checks it).
  for (const b of bridges) lab.nodes[node.name].bridgeMac = { dev: b, mac: links.find((l) => l.name === b).mac };
}

for (const ext of desc.externals ?? []) {
  const n = ns(ext.name);
  lab.namespaces.push(n);
  const links = parseLinks(tool(ext.name, "ip", "link"));
  emit(`# external host ${ext.name}`);
  emit(`ip netns add ${n}`);
  ipn(n, "link set lo up");
  commonSysctls(n);
  for (const l of links) if (l.name !== "lo") {
    underlayNic(n, l, ext.name);
    ipn(n, `link set ${l.name} up`);
    lab.captures.push({ target: ext.name, netns: n, iface: l.name, file: `${ext.name}-${l.name}` });
  }
  addAddrsRoutes(n, ext.name, parseAddrs(tool(ext.name, "ip", "addr")));
  const ports = (ext.ports ?? []).filter((x) => (x.protocol ?? "TCP") === "TCP").map((x) => x.port);
  if (ports.length) lab.servers.push({ netns: n, ports, kind: "plain" });
}


writeFileSync(join(outDir, "build.sh"), `set -e\n${sh.join("\n")}\n`);
writeFileSync(join(outDir, "lab.json"), JSON.stringify(lab, null, 2));
