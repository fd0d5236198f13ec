// Every reference transcript in test/fixtures/iproute2/ paired with the
// printer call that must reproduce it byte for byte, from the lab model.

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Netns } from "../../src/model/kernel.js";
import { bridgeFdb, bridgeLink, ipAddr, ipLink, ipNeigh, ipRoute } from "../../src/render/iproute2.js";
import { brctlShow, ifconfig, netstatRn, routeN } from "../../src/render/nettools.js";
import { labNode, labNodeAfterTraffic, labNodeUdp, labPod } from "./lab-node.js";

export const FIXTURE_DIR = join(process.cwd(), "test", "fixtures", "iproute2");

export interface LabCase {
  /** Path under FIXTURE_DIR. */
  file: string;
  tool: "iproute2" | "nettools";
  run: () => string;
}

const IPROUTE2: Record<string, (ns: Netns) => string> = {
  "ip-addr": (ns) => ipAddr(ns),
  "ip-4-addr": (ns) => ipAddr(ns, { family4Only: true }),
  "ip-link": (ns) => ipLink(ns),
  "ip-route": (ns) => ipRoute(ns),
  "ip-route-table-local": (ns) => ipRoute(ns, { table: "local" }),
  "ip-neigh": ipNeigh,
  "bridge-fdb": bridgeFdb,
  "bridge-link": bridgeLink,
};

const NETTOOLS: Record<string, (ns: Netns) => string> = {
  "route-n": routeN,
  "netstat-rn": netstatRn,
  ifconfig: (ns) => ifconfig(ns),
  "ifconfig-a": (ns) => ifconfig(ns, undefined, { all: true }),
  "brctl-show": brctlShow,
};

function casesFor(dir: string, make: () => Netns, devs: string[]): LabCase[] {
  const out: LabCase[] = [];
  for (const [name, f] of Object.entries(IPROUTE2)) out.push({ file: `${dir}/${name}.txt`, tool: "iproute2", run: () => f(make()) });
  for (const [name, f] of Object.entries(NETTOOLS)) out.push({ file: `${dir}/${name}.txt`, tool: "nettools", run: () => f(make()) });
  for (const dev of devs) {
    out.push({ file: `${dir}/ip-addr-show-dev-${dev}.txt`, tool: "iproute2", run: () => ipAddr(make(), { dev }) });
    out.push({ file: `${dir}/ip-link-show-${dev}.txt`, tool: "iproute2", run: () => ipLink(make(), { dev }) });
    out.push({ file: `${dir}/ifconfig-${dev}.txt`, tool: "nettools", run: () => ifconfig(make(), dev) });
  }
  return out;
}

function afterTraffic(dir: string, make: () => Netns): LabCase[] {
  return [
    { file: `${dir}/after-traffic/ip-neigh.txt`, tool: "iproute2", run: () => ipNeigh(make()) },
    { file: `${dir}/after-traffic/bridge-fdb.txt`, tool: "iproute2", run: () => bridgeFdb(make()) },
    { file: `${dir}/after-traffic/ip-link.txt`, tool: "iproute2", run: () => ipLink(make()) },
    { file: `${dir}/after-traffic/ifconfig.txt`, tool: "nettools", run: () => ifconfig(make()) },
  ];
}

export const LAB_CASES: LabCase[] = [
  ...casesFor("node", labNode, ["eth0", "docker0", "kube-ipvs0", "flannel.1", "cni0", "veth3c9a1f2e", "lo"]),
  ...casesFor("pod1", () => labPod(1), ["eth0", "lo"]),
  ...casesFor("pod2", () => labPod(2), ["eth0"]),
  ...casesFor("nodeudp", labNodeUdp, ["flannel0"]),
  ...afterTraffic("node", labNodeAfterTraffic),
  ...afterTraffic("pod1", () => labPod(1, true)),
];

export function readFixture(file: string): string {
  return readFileSync(join(FIXTURE_DIR, file), "utf8");
}

/** Transcripts the printers must reproduce (details/ holds facts for the docs only). */
export function fixtureFiles(): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(join(FIXTURE_DIR, rel))) {
      const path = rel ? `${rel}/${name}` : name;
      if (statSync(join(FIXTURE_DIR, path)).isDirectory()) {
        if (path !== "details") walk(path);
      } else if (rel !== "") out.push(path);
    }
  };
  walk("");
  return out.sort();
}
