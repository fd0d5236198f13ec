// ipset list is judged by the real ipset 7.17 in a netns (the kernel's random
// initval is replaced by ours before comparing; hash-set members are compared
// as sets, since the kernel lists them in hash-bucket order). ipvsadm cannot
// run here (no ip_vs), so its output is pinned to ipvsadm.c's printf formats.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ipsetList, ipvsadmLn } from "./ipvs.js";
import type { IpSet, IpvsService } from "../model/kernel.js";
import { parseIp4 } from "../model/addr.js";
import { inNetns, oracleSkip } from "../../test/support/oracle.js";
import { parseRestore } from "../netfilter/parse.js";

const HASH = "family inet hashsize 1024 maxelem 65536";
/** kube-proxy.md §7 IPVS example sets, plus an empty one. */
const SETS: IpSet[] = [
  { name: "KUBE-CLUSTER-IP", type: "hash:ip,port", header: HASH, members: ["10.96.0.50,tcp:80", "10.96.0.10,udp:53"] },
  { name: "KUBE-NODE-PORT-TCP", type: "bitmap:port", header: "range 0-65535", members: ["30080"] },
  { name: "KUBE-LOOP-BACK", type: "hash:ip,port,ip", header: HASH, members: ["10.244.1.5,tcp:8080,10.244.1.5"] },
  { name: "KUBE-IPVS-IPS", type: "hash:ip", header: HASH, members: ["10.96.0.50"] },
  { name: "KUBE-LOAD-BALANCER-SOURCE-CIDR", type: "hash:ip,port,net", header: HASH, members: ["1.2.3.4,tcp:80,203.0.113.0/25"] },
  { name: "KUBE-EXTERNAL-IP", type: "hash:ip,port", header: HASH, members: [] },
];
const RULES = "*nat\n-A PREROUTING -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT\n-A OUTPUT -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT\nCOMMIT\n";

function createScript(sets: IpSet[]): string {
  return sets
    .map((s) => [`ipset create ${s.name} ${s.type} ${s.header} || exit 9`, ...s.members.map((m) => `ipset add ${s.name} ${m} || exit 9`)].join("\n"))
    .join("\n");
}

/** Our initval in place of the kernel's; members of each hash set sorted; sizes kept. */
function normalise(text: string, ours: string): string {
  const initvals = [...ours.matchAll(/initval (0x[0-9a-f]+)/g)].map((m) => m[1]!);
  let i = 0;
  const swapped = text.replace(/initval 0x[0-9a-f]+/g, () => `initval ${initvals[i++]}`);
  return swapped
    .split("\n\n")
    .map((block) => {
      const [head, members] = block.split("Members:\n");
      return `${head}Members:\n${members!.split("\n").filter(Boolean).sort().join("\n")}\n`;
    })
    .join("\n");
}

describe("ipset list", () => {
  const { tables } = parseRestore(RULES);

  it("real ipset 7.17 lists the same sets", { skip: oracleSkip("ipset", "iptables-nft-restore", "unshare") }, () => {
    const ours = ipsetList(SETS, { tables });
    const real = inNetns(`${createScript(SETS)}\niptables-nft-restore || exit 8\nipset list`, RULES);
    assert.equal(real.status, 0, real.stderr);
    assert.equal(normalise(real.stdout, ours), normalise(ours, ours));
  });

  it("prints one set by name, with its references", () => {
    assert.equal(
      ipsetList(SETS, { name: "KUBE-IPVS-IPS", tables }),
      "Name: KUBE-IPVS-IPS\nType: hash:ip\nRevision: 6\nHeader: family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x9593f48a\n" +
        "Size in memory: 256\nReferences: 0\nNumber of entries: 1\nMembers:\n10.96.0.50\n",
    );
    assert.match(ipsetList(SETS, { name: "KUBE-CLUSTER-IP", tables }), /^References: 2$/m);
    assert.throws(() => ipsetList(SETS, { name: "NOPE" }), /The set with the given name does not exist/);
  });
});

describe("ipvsadm -Ln", () => {
  const ip = (s: string) => parseIp4(s)!;
  const dests = (fwd: "Masq" = "Masq") => [
    { ip: ip("10.244.2.7"), port: 8080, weight: 1, forward: fwd },
    { ip: ip("10.244.1.5"), port: 8080, weight: 1, forward: fwd },
  ];
  const services: IpvsService[] = [
    { proto: "TCP", vip: ip("10.96.0.50"), port: 80, scheduler: "rr", dests: dests() },
    { proto: "UDP", vip: ip("10.96.0.10"), port: 53, scheduler: "rr", dests: [] },
    { proto: "TCP", vip: ip("192.168.0.10"), port: 30080, scheduler: "rr", persistent: 10800, dests: dests() },
  ];

  it("follows ipvsadm.c's formats and its wrap-around address sort", () => {
    // ipvs_cmp_services compares (int)(ntohl(a) - ntohl(b)): 192.168.0.10 - 10.96.0.50 wraps
    // negative, so the node-IP service sorts first; TCP (6) before UDP (17).
    assert.equal(
      ipvsadmLn(services),
      [
        "IP Virtual Server version 1.2.1 (size=4096)",
        "Prot LocalAddress:Port Scheduler Flags",
        "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn",
        "TCP  192.168.0.10:30080 rr persistent 10800",
        "  -> 10.244.1.5:8080              Masq    1      0          0         ",
        "  -> 10.244.2.7:8080              Masq    1      0          0         ",
        "TCP  10.96.0.50:80 rr",
        "  -> 10.244.1.5:8080              Masq    1      0          0         ",
        "  -> 10.244.2.7:8080              Masq    1      0          0         ",
        "UDP  10.96.0.10:53 rr",
        "",
      ].join("\n"),
    );
  });
});
