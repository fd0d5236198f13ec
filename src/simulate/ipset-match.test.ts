import { test } from "node:test";
import assert from "node:assert/strict";
import { parseIp4 } from "../model/addr.js";
import type { IpSet } from "../model/kernel.js";
import type { Ipv4Packet } from "../packet/ipv4.js";
import { inSet } from "./match-lists.js";

const ip = (s: string) => parseIp4(s)!;
const set = (name: string, type: string, members: string[]): IpSet => ({ name, type, header: "", members });
const SETS: IpSet[] = [
  set("CIP", "hash:ip,port", ["10.96.0.3,tcp:80"]),
  set("LOOP", "hash:ip,port,ip", ["10.244.0.3,tcp:80,10.244.0.3"]),
  set("CIDR", "hash:ip,port,net", ["198.51.100.7,tcp:80,192.168.56.0/24", "198.51.100.7,tcp:80,203.0.113.0/25"]),
  set("PORTS", "bitmap:port", ["30080"]),
  set("IPS", "hash:ip", ["10.96.0.3"]),
  set("NETS", "hash:net", ["172.16.0.0/12", "192.0.2.1"]),
];

const tcp = (src: string, sport: number, dst: string, dport: number): Ipv4Packet => ({
  kind: "ipv4", src: ip(src), dst: ip(dst), ttl: 64, id: 1, tos: 0, df: true,
  payload: { kind: "tcp", sport, dport, seq: 0, ack: 0, flags: { syn: true }, window: 0 },
});

test("-m set: each set type looks the packet's fields up in its own order", () => {
  const p = tcp("10.244.0.3", 40000, "10.96.0.3", 80);
  assert.equal(inSet(SETS, "CIP", ["dst", "dst"], p), true);
  assert.equal(inSet(SETS, "CIP", ["src", "dst"], p), false);
  assert.equal(inSet(SETS, "CIP", ["dst", "dst"], tcp("10.244.0.3", 40000, "10.96.0.3", 81)), false);
  assert.equal(inSet(SETS, "LOOP", ["dst", "dst", "src"], tcp("10.244.0.3", 40000, "10.244.0.3", 80)), true);
  assert.equal(inSet(SETS, "LOOP", ["dst", "dst", "src"], tcp("10.244.0.2", 40000, "10.244.0.3", 80)), false);
  assert.equal(inSet(SETS, "PORTS", ["dst"], tcp("1.2.3.4", 1, "192.168.56.11", 30080)), true);
  assert.equal(inSet(SETS, "IPS", ["dst"], p), true);
  assert.equal(inSet(SETS, "NOSUCH", ["dst"], p), false);
});

test("-m set hash:ip,port,net and hash:net: the last field matches by prefix (a bare address is a /32)", () => {
  assert.equal(inSet(SETS, "CIDR", ["dst", "dst", "src"], tcp("192.168.56.100", 40000, "198.51.100.7", 80)), true);
  assert.equal(inSet(SETS, "CIDR", ["dst", "dst", "src"], tcp("203.0.113.200", 40000, "198.51.100.7", 80)), false);
  assert.equal(inSet(SETS, "CIDR", ["dst", "dst", "src"], tcp("192.168.56.100", 40000, "198.51.100.7", 443)), false);
  assert.equal(inSet(SETS, "NETS", ["src"], tcp("172.20.1.1", 1, "1.1.1.1", 1)), true);
  assert.equal(inSet(SETS, "NETS", ["src"], tcp("192.0.2.1", 1, "1.1.1.1", 1)), true);
  assert.equal(inSet(SETS, "NETS", ["src"], tcp("192.0.2.2", 1, "1.1.1.1", 1)), false);
});
