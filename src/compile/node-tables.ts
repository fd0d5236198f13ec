// A node's netfilter tables, built by replaying what each program writes in
// the order the programs start on a real node (docs/facts/node-iptables-eras.md
// §3): flanneld before dockerd when docker0 carries flannel's subnet (dockerd
// reads /run/flannel/subnet.env), otherwise the runtime, then kubelet, then the
// DaemonSets (flannel, kube-proxy). Who inserts (-I) and who appends (-A)
// decides the final order of the jump rules in the builtin chains.

import type { Cluster, Node } from "../model/cluster.js";
import type { IpSet } from "../model/kernel.js";
import type { Tables } from "../netfilter/rule.js";
import { dockerEra, writeDocker } from "./docker.js";
import { writeFlannelRules } from "./flannel.js";
import { type KubeProxyFeatures, kubeProxyFeatures } from "./kube-proxy/features.js";
import { writeLegacyIptables } from "./kube-proxy/iptables-legacy.js";
import { writeModernIptables } from "./kube-proxy/iptables-modern.js";
import { writeIpvsRules } from "./kube-proxy/ipvs.js";
import { writeUserspace } from "./kube-proxy/userspace.js";
import { writeKubelet } from "./kubelet.js";
import { RuleSet } from "./ruleset.js";
import { internLongChains } from "./kube-proxy/shared-chains.js";

export function featuresOf(cluster: Cluster): KubeProxyFeatures {
  return kubeProxyFeatures(cluster.kubeProxy.version, cluster.kubeProxy.randomFully);
}

export function buildNodeTables(cluster: Cluster, node: Node, ipsets: () => IpSet[]): Tables {
  const rs = new RuleSet();
  const era = dockerEra(cluster);
  const flannelFirst = cluster.network.bridge === "docker0";
  const flannel = cluster.network.backend !== "none";
  if (flannelFirst && flannel) writeFlannelRules(rs, cluster, node);
  if (era) writeDocker(rs, cluster, node, era);
  writeKubelet(rs, cluster);
  if (!flannelFirst && flannel) writeFlannelRules(rs, cluster, node);
  writeKubeProxy(rs, cluster, node, ipsets);
  internLongChains(cluster, rs.tables);
  return rs.tables;
}

function writeKubeProxy(rs: RuleSet, cluster: Cluster, node: Node, ipsets: () => IpSet[]): void {
  const f = featuresOf(cluster);
  switch (cluster.kubeProxy.mode) {
    case "userspace":
      writeUserspace(rs, cluster, node, f);
      return;
    case "ipvs":
      writeIpvsRules(rs, cluster, ipsets(), f);
      return;
    case "iptables":
      if (f.canary) for (const table of ["mangle", "nat", "filter"] as const) rs.chain(table, "KUBE-PROXY-CANARY");
      if (f.minor >= 24) writeModernIptables(rs, cluster, node, f);
      else writeLegacyIptables(rs, cluster, node, f);
  }
}
