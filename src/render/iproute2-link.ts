// `ip link`, `ip addr` and `bridge link` as iproute2 6.1 prints them
// (ip/ipaddress.c print_linkinfo / print_addrinfo, bridge/link.c). Tokens are
// printed as "%s " by iproute2, which is where the trailing spaces come from.

import type { Addr, Link, Netns } from "../model/kernel.js";
import { formatIp4, networkOf } from "../model/addr.js";
import {
  DeviceNotFoundError, extrasOf, hasCarrier, inet6Of, isUp, linkFlagsInKernelOrder, type Inet6Addr,
} from "./kernel-derived.js";

export interface IpLinkOptions {
  /** `ip link show DEV` */
  dev?: string;
  /** busybox's ip applet: no state/mode/group, veth peers resolved locally (@ifN + M-DOWN), no link-netnsid. */
  busybox?: boolean;
}

export interface IpAddrOptions {
  /** `ip addr show dev DEV` */
  dev?: string;
  busybox?: boolean;
  /** `ip -4 addr`: IPv4 only, links without IPv4 skipped, no link/ether line. */
  family4Only?: boolean;
}

export function ipLink(ns: Netns, opts: IpLinkOptions = {}): string {
  return selectLinks(ns, opts.dev).map((l) => linkBlock(ns, l, { doLink: true, family4Only: false, busybox: !!opts.busybox })).join("");
}

export function ipAddr(ns: Netns, opts: IpAddrOptions = {}): string {
  const family4Only = opts.family4Only ?? false;
  return selectLinks(ns, opts.dev)
    .filter((l) => !family4Only || l.addrs.length > 0)
    .map((l) => linkBlock(ns, l, { doLink: false, family4Only, busybox: !!opts.busybox }) + addrLines(ns, l, family4Only))
    .join("");
}

/** `bridge link`: one line per bridge port (a link with IFLA_MASTER), in device order. */
export function bridgeLink(ns: Netns): string {
  return ns.links
    .filter((l) => l.master !== undefined)
    .map((l) => {
      // bridge's AF_BRIDGE dump carries IFLA_LINK without IFLA_LINK_NETNSID, so
      // iproute2 resolves the peer's ifindex in *this* namespace: a node-side
      // veth whose pod peer is ifindex 2 prints `@eth0` (the node's own eth0).
      const { label, mDown } = bridgeLinkName(ns, l);
      const flags = linkFlagsInKernelOrder(l).join(",") + (mDown ? ",M-DOWN" : "");
      return `${l.index}: ${label}: <${flags}> mtu ${l.mtu} master ${l.master} state ${portState(l)} ` +
        `priority 32 cost ${portCost(l)} \n`;
    })
    .join("");
}

function selectLinks(ns: Netns, dev: string | undefined): Link[] {
  if (dev === undefined) return ns.links;
  const link = ns.links.find((l) => l.name === dev);
  if (!link) throw new DeviceNotFoundError(`Device "${dev}" does not exist.\n`, 1);
  return [link];
}

/** The `N: name[@link]: <flags> mtu … qlen N` line, the link/ line and altnames. */
function linkBlock(ns: Netns, l: Link, o: { doLink: boolean; family4Only: boolean; busybox: boolean }): string {
  if (o.busybox) return busyboxLinkBlock(ns, l, o.family4Only);
  const { label, mDown } = nameAndLink(ns, l);
  const flags = linkFlagsInKernelOrder(l).join(",") + (mDown ? ",M-DOWN" : "");
  let line = `${l.index}: ${label}: <${flags}> mtu ${l.mtu} qdisc ${l.qdisc} `;
  if (l.master !== undefined) line += `master ${l.master} `;
  line += `state ${l.operState} `;
  if (o.doLink) line += "mode DEFAULT ";
  line += "group default ";
  if (l.txqlen) line += `qlen ${l.txqlen}`; // print_queuelen skips a zero qlen
  if (!o.family4Only) line += "\n    " + linkLayer(l);
  line += netnsSuffix(ns, l);
  for (const alt of extrasOf(l).altnames ?? []) line += `\n    altname ${alt}`;
  return line + "\n";
}

/** busybox ip: it looks the peer's ifindex up in this namespace, so a pod's eth0 prints @ifN with M-DOWN. */
function busyboxLinkBlock(ns: Netns, l: Link, family4Only: boolean): string {
  const { label, mDown } = bridgeLinkName(ns, l);
  const flags = linkFlagsInKernelOrder(l).join(",") + (mDown ? ",M-DOWN" : "");
  let line = `${l.index}: ${label}: <${flags}> mtu ${l.mtu} qdisc ${l.qdisc} `;
  if (l.master !== undefined) line += `master ${l.master} `;
  if (l.txqlen) line += `qlen ${l.txqlen}`;
  if (!family4Only) line += "\n    " + linkLayer(l);
  return line + "\n";
}

function linkLayer(l: Link): string {
  if (l.kind === "loopback") return "link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00";
  if (l.kind === "tun" || l.mac === undefined) return "link/none "; // ARPHRD_NONE: no address follows "link/%s "
  return `link/ether ${l.mac} brd ff:ff:ff:ff:ff:ff`;
}

function peerInOtherNetns(ns: Netns, l: Link): boolean {
  return l.peer !== undefined && l.peer.netns !== ns.id;
}

/**
 * print_name_and_link: a veth whose peer is elsewhere prints `@ifN` (the peer's
 * ifindex over there); a peer in the same namespace prints `@name` and M-DOWN
 * while that peer is down. vxlan, bridge, tun report no IFLA_LINK: plain name.
 */
function nameAndLink(ns: Netns, l: Link): { label: string; mDown: boolean } {
  if (!l.peer) return { label: l.name, mDown: false };
  if (peerInOtherNetns(ns, l)) return { label: `${l.name}@if${l.peer.ifindex}`, mDown: false };
  const peer = ns.links.find((p) => p.index === l.peer!.ifindex);
  return { label: `${l.name}@${peer?.name ?? `if${l.peer.ifindex}`}`, mDown: !peer || !isUp(peer) };
}

function bridgeLinkName(ns: Netns, l: Link): { label: string; mDown: boolean } {
  if (!l.peer) return { label: l.name, mDown: false };
  const local = ns.links.find((p) => p.index === l.peer!.ifindex);
  return { label: `${l.name}@${local?.name ?? `if${l.peer.ifindex}`}`, mDown: !local || !isUp(local) };
}

function netnsSuffix(ns: Netns, l: Link): string {
  if (!peerInOtherNetns(ns, l)) return "";
  const name = extrasOf(l).peerNetnsName;
  if (name !== undefined) return ` link-netns ${name}`;
  return l.peerNetnsId === undefined ? "" : ` link-netnsid ${l.peerNetnsId}`;
}

const LIFETIME = "\n       valid_lft forever preferred_lft forever\n";

function addrLines(ns: Netns, l: Link, family4Only: boolean): string {
  let out = "";
  l.addrs.forEach((a, i) => {
    out += inetLine(l, a, isSecondary(l.addrs, i)) + LIFETIME;
  });
  if (!family4Only) for (const a of inet6Of(l, ns)) out += inet6Line(a) + LIFETIME;
  return out;
}

function inetLine(l: Link, a: Addr, secondary: boolean): string {
  let line = `    inet ${formatIp4(a.cidr.addr)}/${a.cidr.len} `;
  if (a.broadcast !== undefined) line += `brd ${formatIp4(a.broadcast)} `;
  line += `scope ${a.scope} `;
  if (secondary) line += "secondary ";
  return line + (a.label ?? l.name);
}

function inet6Line(a: Inet6Addr): string {
  return `    inet6 ${a.addr}/${a.len} scope ${a.scope} ` + (a.flags ?? []).map((f) => `${f} `).join("");
}

/** __inet_insert_ifa: secondary when an earlier address has the same mask and subnet. */
function isSecondary(addrs: Addr[], i: number): boolean {
  const a = addrs[i]!;
  return addrs.slice(0, i).some((p) => p.cidr.len === a.cidr.len && networkOf(p.cidr) === networkOf(a.cidr));
}

/** br_port_state_selection with STP off: a port with carrier forwards, otherwise disabled. */
function portState(l: Link): string {
  return isUp(l) && hasCarrier(l) ? "forwarding" : "disabled";
}

/** net/bridge/br_if.c port_cost(): from the ethtool speed; veth reports 10000Mb/s -> 2. */
function portCost(l: Link): number {
  return l.kind === "veth" ? 2 : 100;
}
