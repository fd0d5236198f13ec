// Rules kubelet writes at start-up (pkg/kubelet/kubelet_network_linux.go),
// by version (docs/facts/node-iptables-eras.md §3). Kubelet starts before
// kube-proxy, so its -I jumps end up below kube-proxy's.

import type { Cluster } from "../model/cluster.js";
import type { Rule } from "../netfilter/rule.js";
import { localnetRule } from "./kube-proxy/iptables-modern.js";
import { comment, mark } from "./kube-proxy/rules.js";
import { minorOf } from "./kube-proxy/features.js";
import type { RuleSet } from "./ruleset.js";

const KUBELET = { by: "kubelet" as const };
const DROP_MARK = 0x8000;
const MASQ_MARK = 0x4000;

function r(parts: Omit<Rule, "origin">): Rule {
  return { ...parts, origin: KUBELET };
}

export function writeKubelet(rs: RuleSet, cluster: Cluster): void {
  const m = minorOf(cluster.kubeProxy.version);
  // 1.0–1.5: kubelet writes no iptables rules (unless --configure-cbr0, not modelled).
  if (m < 6) return;
  if (m >= 23) rs.chain("mangle", "KUBE-IPTABLES-HINT");
  if (m >= 16) for (const table of ["mangle", "nat", "filter"] as const) rs.chain(table, "KUBE-KUBELET-CANARY");
  if (m <= 26) writeMarkChains(rs, cluster, m);
  rs.chain("filter", "KUBE-FIREWALL");
  if (m <= 26) rs.append("filter", "KUBE-FIREWALL", r({ matches: [comment("kubernetes firewall for dropping marked packets"), mark(DROP_MARK, DROP_MARK)], target: { t: "DROP" } }));
  // The route_localnet hardening rule (CVE-2020-8558 fix, 1.18.4+).
  if (m >= 18) rs.append("filter", "KUBE-FIREWALL", { ...localnetRule(), origin: KUBELET });
  rs.ensure("filter", "OUTPUT", r({ matches: [], target: { t: "jump", chain: "KUBE-FIREWALL" } }), "prepend");
  rs.ensure("filter", "INPUT", r({ matches: [], target: { t: "jump", chain: "KUBE-FIREWALL" } }), "prepend");
}

/** KUBE-MARK-DROP / KUBE-MARK-MASQ / KUBE-POSTROUTING, which kubelet owned until 1.27 (KEP-3178). */
function writeMarkChains(rs: RuleSet, cluster: Cluster, m: number): void {
  rs.chain("nat", "KUBE-MARK-DROP");
  rs.append("nat", "KUBE-MARK-DROP", r({ matches: [], target: { t: "MARK", value: DROP_MARK, mask: DROP_MARK } }));
  rs.chain("nat", "KUBE-MARK-MASQ");
  rs.append("nat", "KUBE-MARK-MASQ", r({ matches: [], target: { t: "MARK", value: MASQ_MARK, mask: MASQ_MARK } }));
  rs.chain("nat", "KUBE-POSTROUTING");
  rs.ensure("nat", "POSTROUTING", r({ matches: [comment("kubernetes postrouting rules")], target: { t: "jump", chain: "KUBE-POSTROUTING" } }), "prepend");
  const masq = { t: "MASQUERADE" as const, randomFully: cluster.kubeProxy.randomFully && m >= 16 };
  if (m >= 18) {
    rs.append("nat", "KUBE-POSTROUTING", r({ matches: [mark(MASQ_MARK, MASQ_MARK, true)], target: { t: "RETURN" } }));
    rs.append("nat", "KUBE-POSTROUTING", r({ matches: [], target: { t: "MARK", value: MASQ_MARK, mask: 0 } }));
    rs.append("nat", "KUBE-POSTROUTING", r({ matches: [comment("kubernetes service traffic requiring SNAT")], target: masq }));
  } else {
    rs.append("nat", "KUBE-POSTROUTING", r({ matches: [comment("kubernetes service traffic requiring SNAT"), mark(MASQ_MARK, MASQ_MARK)], target: masq }));
  }
}
