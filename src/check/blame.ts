// Which rule or route made a path fail: the step an SRE would look at first,
// with the Kubernetes object behind it (the rule's Origin). Read from the
// Trace's steps; the simulator already recorded every rule it walked.

import type { Step } from "../model/trace.js";
import type { PathOutcome } from "./run-check.js";

/** The steps responsible for the path's first miss, most decisive first (may be empty). */
export function blame(path: PathOutcome): Step[] {
  const miss = path.misses[0];
  if (!miss) return [];
  const steps = path.trace.steps;
  const request = path.result.keyPackets.request;
  const ofRequest = steps.filter((s) => s.packet === request);
  switch (miss.kind) {
    case "expect":
      return blameVerdict(path, steps, ofRequest);
    case "backend":
      return lastOf(ofRequest, isDnat);
    case "source":
      // The MASQUERADE rule, and the rule that asked for it (kube-proxy marks, then masquerades in POSTROUTING).
      return [...ofRequest.filter(isSnat).slice(-1), ...lastOf(ofRequest, (s) => s.kind === "rule" && / -j KUBE-MARK-MASQ$/.test(s.rule ?? ""))];
    case "notVia":
      return ofRequest.filter((s) => s.netns === miss.point!.netns && s.dev === miss.point!.dev && (s.kind === "route" || s.kind === "forward")).slice(0, 1);
    case "via":
      return [];
  }
}

function blameVerdict(path: PathOutcome, steps: readonly Step[], ofRequest: readonly Step[]): Step[] {
  const verdict = path.observed.verdict;
  if (verdict === "dropped" || verdict === "rejected" || verdict === "no-route" || verdict === "timeout") {
    const fate = [...steps].reverse().find((s) => s.kind === (verdict === "rejected" ? "reject" : "drop"));
    if (!fate) return [];
    const rule = steps.find((s) => s.kind === "rule" && s.packet === fate.packet && s.netns === fate.netns && s.table === fate.table && s.chain === fate.chain && s.ruleNumber === fate.ruleNumber);
    return rule ? [rule] : [fate];
  }
  if (verdict === "refused") {
    // The kernel's RST: nobody listens where DNAT (if any) sent the flow.
    const reset = steps.find((s) => s.kind === "socket" && /RST|unreachable/.test(s.text));
    return [...(reset ? [reset] : []), ...lastOf(ofRequest, isDnat)];
  }
  // Delivered where it should not have been: the translation that let it reach a server, else the delivery.
  const dnat = lastOf(ofRequest, isDnat);
  if (dnat.length) return dnat;
  return steps.filter((s) => s.kind === "socket").slice(0, 1);
}

function lastOf(steps: readonly Step[], test: (s: Step) => boolean): Step[] {
  const found = [...steps].reverse().find(test);
  return found ? [found] : [];
}

/** A DNAT rule, or IPVS picking a real server (its step names the ipvsadm entry). */
const isDnat = (s: Step): boolean => (s.kind === "rule" && / -j DNAT\b/.test(s.rule ?? "")) || (s.kind === "nat" && s.table === "ipvs" && s.rule !== undefined);
const isSnat = (s: Step): boolean => s.kind === "rule" && / -j (MASQUERADE|SNAT)\b/.test(s.rule ?? "");
