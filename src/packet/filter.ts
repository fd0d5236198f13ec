// pcap-filter(7) expressions as tcpdump 4.99 / libpcap 1.10 compile them, for
// choosing which simulated frames a `tcpdump -i DEV 'EXPR'` would print, on
// Ethernet (EN10MB), TUN (RAW) and `-i any` (LINUX_SLL2, the cooked frame).
//
// The compiled filter tests raw bytes exactly where libpcap's BPF program looks:
// outer headers only (on an underlay NIC `host <pod ip>` does not see inside
// VXLAN), IPv4 header length honoured for ports, non-first fragments never
// match a port. Errors carry the very line tcpdump prints for the same mistake.
//
// Pipeline, one file per libpcap stage: filter-lex (scanner.l) -> filter-parse
// (grammar.y) -> filter-addr / filter-gen (gencode.c, producing a filter-prog
// tree) -> filter-optimize (optimize.c; also runs the program on a frame).

import { FilterError } from "./filter-error.js";
import type { LinkType } from "./filter-gen.js";
import { tokenize } from "./filter-lex.js";
import { Parser } from "./filter-parse.js";
import { optimize, rejectsAll, run, type Program } from "./filter-optimize.js";

export { FilterError, type FilterErrorCode } from "./filter-error.js";
export type { LinkType as FilterLinkType } from "./filter-gen.js";

export interface CompileOptions {
  /** Host names (`host web-1`) resolve through this; undefined means "unknown host". */
  resolveHost?(name: string): number | undefined;
  /**
   * Netmask for `ip broadcast`. tcpdump uses the capture interface's IPv4 mask
   * when live and 0 when reading a file (then only 0.0.0.0 and 255.255.255.255
   * count); 0xffffffff (PCAP_NETMASK_UNKNOWN) makes `ip broadcast` an error.
   */
  netmask?: number;
  /** Link type to compile for eagerly, so its errors surface now (default EN10MB); others compile on first use. */
  linkType?: LinkType;
}

export interface PacketFilter {
  /** The expression as tcpdump sees it (argv words joined by single spaces). */
  readonly expression: string;
  /**
   * Would tcpdump capture this frame? `wireLength` is the original length that
   * `less`/`greater` compare (defaults to the frame's length). Throws FilterError
   * if the expression is invalid for this link type (tcpdump would not start).
   */
  matches(frame: Uint8Array, linkType: LinkType, wireLength?: number): boolean;
  /** Throws the FilterError tcpdump would print when compiling for this link type. */
  check(linkType: LinkType): void;
}

export function compileFilter(expr: string | readonly string[], opts: CompileOptions = {}): PacketFilter {
  // tcpdump's copy_argv(): several argv words are one expression joined by spaces.
  const expression = typeof expr === "string" ? expr : expr.join(" ");
  const programs = new Map<LinkType, Program | FilterError>();
  const programFor = (link: LinkType): Program => {
    let prog = programs.get(link);
    if (prog === undefined) {
      prog = compileFor(expression, link, opts);
      programs.set(link, prog);
    }
    if (prog instanceof FilterError) throw prog;
    return prog;
  };
  programFor(opts.linkType ?? "EN10MB");
  return {
    expression,
    matches: (frame, linkType, wireLength) => run(programFor(linkType), frame, wireLength ?? frame.length),
    check: (linkType) => void programFor(linkType),
  };
}

/** pcap_compile(): parse and generate for one link type, then the optimizer's verdict. */
function compileFor(expression: string, link: LinkType, opts: CompileOptions): Program | FilterError {
  try {
    const parser = new Parser(tokenize(expression), {
      link,
      netmask: opts.netmask ?? 0,
      ...(opts.resolveHost ? { resolveHost: (name: string) => opts.resolveHost!(name) } : {}),
    });
    const prog = optimize(parser.program());
    if (rejectsAll(prog)) return new FilterError("filter-rejects-all", "expression rejects all packets");
    return prog;
  } catch (e) {
    if (e instanceof FilterError) return e;
    throw e;
  }
}
