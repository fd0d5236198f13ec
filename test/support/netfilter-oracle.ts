// Helpers for tests judged by the real iptables/ipset tools in a rootless netns.

import { inNetns } from "./oracle.js";

export type Backend = "nft" | "legacy";

/** `ipset create` for every set the rules match on, sized to the match's dimension. */
export function ipsetPrelude(text: string): string {
  const sets = new Map<string, number>();
  for (const m of text.matchAll(/--match-set (\S+) (\S+)/g)) sets.set(m[1]!, m[2]!.split(",").length);
  const types = ["hash:ip", "hash:ip,port", "hash:ip,port,ip"];
  return [...sets].map(([name, dims]) => `ipset create ${name} ${types[dims - 1]} || exit 9\n`).join("");
}

/** Real `iptables-restore --noflush < text`, then `after` (a shell snippet), in a fresh netns. */
export function realRestore(backend: Backend, text: string, after = `iptables-${backend}-save`) {
  return inNetns(`${ipsetPrelude(text)}iptables-${backend}-restore --noflush || exit 8\n${after}`, text);
}
