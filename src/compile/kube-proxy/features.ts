// Which kube-proxy rule layout a version writes. Each flag names a change and
// the release that made it. Versions marked "verified" were reproduced by
// replaying the real programs (docs/facts/node-iptables-eras.md); thresholds
// marked "inferred" sit between two read snapshots and are our best estimate.

export interface KubeProxyFeatures {
  minor: number;
  /** Unnamed ports are `ns/name:` before 1.19 (verified 1.14 → 1.19). */
  unnamedPortColon: boolean;
  /** `--probability` written with %0.5f before 1.17 (PR #83599), %0.10f since. */
  probabilityDigits: 5 | 10;
  /** Comments on KUBE-SVC→SEP and KUBE-SEP rules: missing 1.12–1.16 (PR #65755 bug, fixed by PR #81886). */
  endpointComments: boolean;
  /** `"N -> ip:port"` instead of `"N"` on KUBE-SVC→SEP rules (1.24, inferred; certain by 1.25). */
  arrowComments: boolean;
  /** Above 1000 endpoints the per-endpoint comments are dropped (large-cluster mode, 1.24+ inferred). */
  largeClusterMode: boolean;
  /** `! -s <clusterCIDR>` masquerade rule for off-cluster traffic to a VIP (--cluster-cidr, 1.3+ inferred; absent in 1.2). */
  clusterCidrMasq: boolean;
  /** KUBE-POSTROUTING as RETURN / xor-mark / MASQUERADE (1.18 inferred; present 1.19, absent 1.14). */
  postroutingTriple: boolean;
  /** MASQUERADE --random-fully when the host iptables supports it (PR #78547, 1.16). */
  randomFully: boolean;
  /** filter KUBE-FORWARD chain (1.9 inferred); with the INVALID drop from 1.15 (PR #74840). */
  forwardChain: boolean;
  forwardInvalidDrop: boolean;
  /** KUBE-FORWARD conntrack rules: `-s/-d <cidr>` pod rules (≤1.18), pod rules without CIDRs (1.19–1.20), one rule (1.21+ inferred). */
  forwardConntrack: "cidr" | "pod-rules" | "single";
  /** filter KUBE-EXTERNAL-SERVICES for NodePort/externalIP REJECTs (1.10 inferred); jumped from FORWARD too since 1.20 (PR #95252). */
  externalServicesChain: boolean;
  externalServicesFromForward: boolean;
  /** INPUT → filter KUBE-SERVICES, dropped in 1.20 (PR #95252); in 1.2 only OUTPUT jumps there. */
  inputToServices: boolean;
  forwardToServices: boolean;
  /** Masquerade rules live in KUBE-SVC instead of KUBE-SERVICES/KUBE-NODEPORTS (PR #96959, 1.21). */
  masqInServiceChain: boolean;
  /** KUBE-XLB chains for externalTrafficPolicy Local (1.5–1.23); EXT/SVL afterwards (PR #109060, 1.24). */
  xlbChains: boolean;
  /** XLB "masquerade/route LOCAL traffic" rules (present in 1.19, inferred 1.19+). */
  xlbLocalRules: boolean;
  /** filter KUBE-PROXY-FIREWALL replaces KUBE-MARK-DROP for source ranges (PR #110289, 1.25). */
  proxyFirewall: boolean;
  /** filter KUBE-NODEPORTS for health-check node ports (1.21 inferred). */
  healthCheckChain: boolean;
  /** kube-proxy writes its own KUBE-FIREWALL localnet rule and jumps (PR #114470, 1.27). */
  ownFirewall: boolean;
  /** KUBE-PROXY-CANARY chains in mangle/nat/filter (1.16 inferred, present 1.19). */
  canary: boolean;
}

export function minorOf(version: string): number {
  return Number(version.split(".")[1]);
}

export function kubeProxyFeatures(version: string, randomFullyWanted: boolean): KubeProxyFeatures {
  const m = minorOf(version);
  return {
    minor: m,
    unnamedPortColon: m < 19,
    probabilityDigits: m < 17 ? 5 : 10,
    endpointComments: !(m >= 12 && m <= 16),
    arrowComments: m >= 24,
    largeClusterMode: m >= 24,
    clusterCidrMasq: m >= 3,
    postroutingTriple: m >= 18,
    randomFully: randomFullyWanted && m >= 16,
    forwardChain: m >= 9,
    forwardInvalidDrop: m >= 15,
    forwardConntrack: m <= 18 ? "cidr" : m <= 20 ? "pod-rules" : "single",
    externalServicesChain: m >= 10,
    externalServicesFromForward: m >= 20,
    inputToServices: m >= 10 && m <= 19,
    forwardToServices: m >= 10,
    masqInServiceChain: m >= 21,
    xlbChains: m >= 5 && m <= 23,
    xlbLocalRules: m >= 19,
    proxyFirewall: m >= 25,
    healthCheckChain: m >= 21,
    ownFirewall: m >= 27,
    canary: m >= 16,
  };
}
