// kube-proxy 1.28 IPVS mode on test/fixtures/trace/ipvs-policies.yaml, node-a
// (web-a and dns-a run there; web-b and only-b on node-b). Each expectation
// names the proxier.go function it reproduces.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { loadCluster } from "../../load/load-cluster.js";
import { CompiledCluster } from "../compiled-cluster.js";
import { iptablesSave } from "../../netfilter/save.js";
import { formatIp4, parseIp4 } from "../../model/addr.js";
import type { Netns } from "../../model/kernel.js";

const FILE = "test/fixtures/trace/ipvs-policies.yaml";

function nodeA(): Netns {
  const result = loadCluster(FILE, readFileSync(FILE));
  assert.ok(result.cluster, `${FILE} loads`);
  return new CompiledCluster(result.cluster).node("node-a")!;
}

const ns = nodeA();

function members(name: string): string[] {
  const set = ns.ipsets().find((s) => s.name === name);
  assert.ok(set, `set ${name} exists`);
  return [...set.members].sort();
}

/** `-A CHAIN ...` lines of one table, as iptables-save prints them. */
function chain(table: string, name: string): string[] {
  const dump = iptablesSave(ns.tables(), { date: "Tue Nov 14 22:13:20 2023" });
  const block = dump.split(`*${table}\n`)[1]!.split("COMMIT")[0]!;
  return block.split("\n").filter((l) => l.startsWith(`-A ${name} `));
}

/** Real servers of one virtual server, as `ip:port`, sorted. */
function realServers(proto: string, vip: string, port: number): string[] | undefined {
  const vs = ns.ipvs().find((s) => s.proto === proto && s.vip === parseIp4(vip) && s.port === port);
  return vs?.dests.map((d) => `${formatIp4(d.ip)}:${d.port}`).sort();
}

describe("ipset members (syncProxyRules)", () => {
  it("an ETP=Local node port is in both KUBE-NODE-PORT-TCP and KUBE-NODE-PORT-LOCAL-TCP", () => {
    assert.deepEqual(members("KUBE-NODE-PORT-TCP"), ["30081", "30082", "30083", "30084"]);
    assert.deepEqual(members("KUBE-NODE-PORT-LOCAL-TCP"), ["30081", "30082", "30084"]);
    assert.deepEqual(members("KUBE-NODE-PORT-UDP"), ["30053"]);
    assert.deepEqual(members("KUBE-NODE-PORT-LOCAL-UDP"), []);
  });

  it("bitmap members list ascending, as ipset prints them", () => {
    assert.deepEqual(ns.ipsets().find((s) => s.name === "KUBE-NODE-PORT-TCP")!.members, ["30081", "30082", "30083", "30084"]);
  });

  it("an SCTP node port has one hash entry per node address, loopback excluded", () => {
    assert.deepEqual(members("KUBE-NODE-PORT-SCTP-HASH"), ["10.244.0.0,sctp:30132", "10.244.0.1,sctp:30132", "192.168.56.11,sctp:30132"]);
  });

  it("external IPs of an ETP=Local service go only in KUBE-EXTERNAL-IP-LOCAL", () => {
    assert.deepEqual(members("KUBE-EXTERNAL-IP"), ["192.168.56.11,tcp:8080", "203.0.113.20,tcp:8080"]);
    assert.deepEqual(members("KUBE-EXTERNAL-IP-LOCAL"), ["203.0.113.10,tcp:80"]);
  });

  it("LB IPs: every one in KUBE-LOAD-BALANCER, ETP=Local also in -LOCAL, source ranges in -FW / -SOURCE-CIDR / -SOURCE-IP", () => {
    assert.deepEqual(members("KUBE-LOAD-BALANCER"), ["198.51.100.7,tcp:80", "198.51.100.8,tcp:80"]);
    assert.deepEqual(members("KUBE-LOAD-BALANCER-LOCAL"), ["198.51.100.8,tcp:80"]);
    assert.deepEqual(members("KUBE-LOAD-BALANCER-FW"), ["198.51.100.7,tcp:80"]);
    assert.deepEqual(members("KUBE-LOAD-BALANCER-SOURCE-CIDR"), ["198.51.100.7,tcp:80,192.168.56.0/24", "198.51.100.7,tcp:80,203.0.113.0/25"]);
    // allowFromNode: 192.168.56.0/24 holds the node IP, so the LB IP itself is an allowed source.
    assert.deepEqual(members("KUBE-LOAD-BALANCER-SOURCE-IP"), ["198.51.100.7,tcp:80,198.51.100.7"]);
    assert.deepEqual(members("KUBE-HEALTH-CHECK-NODE-PORT"), ["32000"]);
  });

  it("KUBE-LOOP-BACK holds this node's endpoints only", () => {
    for (const m of members("KUBE-LOOP-BACK")) assert.doesNotMatch(m, /^10\.244\.1\./, m);
    assert.ok(members("KUBE-LOOP-BACK").includes("10.244.0.2,tcp:80,10.244.0.2"));
  });

  it("an external IP that is a node address is not bound to kube-ipvs0 nor listed in KUBE-IPVS-IPS", () => {
    const bound = ns.links.find((l) => l.name === "kube-ipvs0")!.addrs.map((a) => formatIp4(a.cidr.addr));
    assert.ok(!bound.includes("192.168.56.11"));
    assert.ok(bound.includes("203.0.113.20") && bound.includes("198.51.100.7"));
    assert.deepEqual(members("KUBE-IPVS-IPS"), [...bound].sort());
  });
});

describe("iptables rules (writeIptablesRules, ipsetWithIptablesChain)", () => {
  it("KUBE-NODE-PORT returns on the -LOCAL set before the masquerade rule", () => {
    assert.deepEqual(chain("nat", "KUBE-NODE-PORT"), [
      `-A KUBE-NODE-PORT -p tcp -m comment --comment "Kubernetes nodeport TCP port with externalTrafficPolicy=local" -m set --match-set KUBE-NODE-PORT-LOCAL-TCP dst -j RETURN`,
      `-A KUBE-NODE-PORT -p tcp -m comment --comment "Kubernetes nodeport TCP port for masquerade purpose" -m set --match-set KUBE-NODE-PORT-TCP dst -j KUBE-MARK-MASQ`,
      `-A KUBE-NODE-PORT -p udp -m comment --comment "Kubernetes nodeport UDP port for masquerade purpose" -m set --match-set KUBE-NODE-PORT-UDP dst -j KUBE-MARK-MASQ`,
      `-A KUBE-NODE-PORT -p sctp -m comment --comment "Kubernetes nodeport SCTP port for masquerade purpose with type \\'hash ip:port\\'" -m set --match-set KUBE-NODE-PORT-SCTP-HASH dst,dst -j KUBE-MARK-MASQ`,
    ]);
  });

  it("KUBE-LOAD-BALANCER returns on -LOCAL before marking", () => {
    assert.deepEqual(chain("nat", "KUBE-LOAD-BALANCER"), [
      `-A KUBE-LOAD-BALANCER -m comment --comment "Kubernetes service load balancer ip + port with externalTrafficPolicy=local" -m set --match-set KUBE-LOAD-BALANCER-LOCAL dst,dst -j RETURN`,
      `-A KUBE-LOAD-BALANCER -j KUBE-MARK-MASQ`,
    ]);
  });

  it("KUBE-SERVICES: LB jump first, external IPs (no masquerade for -LOCAL), node ports, then the ACCEPTs", () => {
    const ext = `-m comment --comment "Kubernetes service external ip + port for masquerade and filter purpose" -m set --match-set KUBE-EXTERNAL-IP dst,dst`;
    const local = `-m comment --comment "Kubernetes service external ip + port with externalTrafficPolicy=local" -m set --match-set KUBE-EXTERNAL-IP-LOCAL dst,dst`;
    assert.deepEqual(chain("nat", "KUBE-SERVICES"), [
      `-A KUBE-SERVICES -s 127.0.0.0/8 -j RETURN`,
      `-A KUBE-SERVICES -m comment --comment "Kubernetes service lb portal" -m set --match-set KUBE-LOAD-BALANCER dst,dst -j KUBE-LOAD-BALANCER`,
      `-A KUBE-SERVICES ! -s 10.244.0.0/16 -m comment --comment "Kubernetes service cluster ip + port for masquerade purpose" -m set --match-set KUBE-CLUSTER-IP dst,dst -j KUBE-MARK-MASQ`,
      `-A KUBE-SERVICES ${ext} -j KUBE-MARK-MASQ`,
      `-A KUBE-SERVICES ${ext} -m physdev ! --physdev-is-in -m addrtype ! --src-type LOCAL -j ACCEPT`,
      `-A KUBE-SERVICES ${ext} -m addrtype --dst-type LOCAL -j ACCEPT`,
      `-A KUBE-SERVICES ${local} -m physdev ! --physdev-is-in -m addrtype ! --src-type LOCAL -j ACCEPT`,
      `-A KUBE-SERVICES ${local} -m addrtype --dst-type LOCAL -j ACCEPT`,
      `-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODE-PORT`,
      `-A KUBE-SERVICES -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT`,
      `-A KUBE-SERVICES -m set --match-set KUBE-LOAD-BALANCER dst,dst -j ACCEPT`,
    ]);
  });

  it("source ranges: KUBE-PROXY-FIREWALL → KUBE-SOURCE-RANGES-FIREWALL, RETURN on CIDR and IP, then DROP", () => {
    assert.deepEqual(chain("filter", "KUBE-PROXY-FIREWALL"), [
      `-A KUBE-PROXY-FIREWALL -m comment --comment "Kubernetes service load balancer ip + port for load balancer with sourceRange" -m set --match-set KUBE-LOAD-BALANCER-FW dst,dst -j KUBE-SOURCE-RANGES-FIREWALL`,
    ]);
    assert.deepEqual(chain("filter", "KUBE-SOURCE-RANGES-FIREWALL"), [
      `-A KUBE-SOURCE-RANGES-FIREWALL -m comment --comment "Kubernetes service load balancer ip + port + source cidr for packet filter purpose" -m set --match-set KUBE-LOAD-BALANCER-SOURCE-CIDR dst,dst,src -j RETURN`,
      `-A KUBE-SOURCE-RANGES-FIREWALL -m comment --comment "Kubernetes service load balancer ip + port + source IP for packet filter purpose" -m set --match-set KUBE-LOAD-BALANCER-SOURCE-IP dst,dst,src -j RETURN`,
      `-A KUBE-SOURCE-RANGES-FIREWALL -j DROP`,
    ]);
  });
});

describe("virtual servers (syncService, syncEndpoint)", () => {
  it("an ETP=Local node port forwards to this node's endpoints only, on every node address", () => {
    for (const ip of ["192.168.56.11", "10.244.0.0", "10.244.0.1"]) assert.deepEqual(realServers("TCP", ip, 30081), ["10.244.0.2:80"], ip);
    assert.equal(realServers("TCP", "127.0.0.1", 30081), undefined, "no virtual server on a loopback address");
    assert.deepEqual(realServers("TCP", "203.0.113.10", 80), ["10.244.0.2:80"], "its external IP too");
    assert.deepEqual(realServers("TCP", "10.96.0.2", 80), ["10.244.0.2:80", "10.244.1.2:80"], "its cluster IP uses every endpoint");
  });

  it("an ETP=Local node port with no local endpoint falls back to the cluster endpoints", () => {
    assert.deepEqual(realServers("TCP", "192.168.56.11", 30082), ["10.244.1.3:80"]);
  });

  it("an ITP=Local ClusterIP port with no local endpoint has no real servers", () => {
    assert.deepEqual(realServers("TCP", "10.96.0.4", 80), []);
  });

  it("ClientIP affinity makes every virtual server of the port persistent with the timeout", () => {
    for (const [ip, port] of [["10.96.0.5", 80], ["198.51.100.7", 80], ["192.168.56.11", 30083]] as const) {
      const vs = ns.ipvs().find((s) => s.vip === parseIp4(ip) && s.port === port)!;
      assert.equal(vs.persistent, 10800, `${ip}:${port}`);
    }
  });

  it("an external IP that is a node address still gets its virtual server", () => {
    assert.deepEqual(realServers("TCP", "192.168.56.11", 8080), ["10.244.0.2:80", "10.244.1.2:80"]);
  });
});
