// Name tables of libxtables 1.8.9 and its extensions, shared by the restore
// parser and the save/list printers. Each table cites the source it copies, so
// the printers put names in the order the kernel bits (not the user) dictate.

/**
 * Protocol numbers as `iptables-save` names them: libxtables' xtables_chain_protos first,
 * then getprotobynumber() over /etc/protocols (Debian netbase). Numbers absent here print
 * as numbers (`-p 200`).
 */
const CHAIN_PROTOS: readonly [string, number][] = [
  ["tcp", 6], ["sctp", 132], ["udp", 17], ["udplite", 136], ["icmp", 1], ["ipv6-icmp", 58],
  ["icmpv6", 58], ["esp", 50], ["ah", 51], ["mobility-header", 135], ["ipv6-mh", 135], ["mh", 135],
  ["dccp", 33], ["ipcomp", 108], ["all", 0],
];
const ETC_PROTOCOLS =
  "0 ip;0 hopopt;1 icmp;2 igmp;3 ggp;4 ipencap;5 st;6 tcp;8 egp;9 igp;12 pup;17 udp;20 hmp;" +
  "22 xns-idp;27 rdp;29 iso-tp4;33 dccp;36 xtp;37 ddp;38 idpr-cmtp;41 ipv6;43 ipv6-route;" +
  "44 ipv6-frag;45 idrp;46 rsvp;47 gre;50 esp;51 ah;57 skip;58 ipv6-icmp;59 ipv6-nonxt;" +
  "60 ipv6-opts;73 rspf;81 vmtp;88 eigrp;89 ospf;93 ax.25;94 ipip;97 etherip;98 encap;103 pim;" +
  "108 ipcomp;112 vrrp;115 l2tp;124 isis;132 sctp;133 fc;135 mobility-header;136 udplite;" +
  "137 mpls-in-ip;138 manet;139 hip;140 shim6;141 wesp;142 rohc;143 ethernet";

const protoNumberByName = new Map<string, number>();
const protoNameByNumber = new Map<number, string>();
for (const [name, num] of CHAIN_PROTOS) {
  if (!protoNumberByName.has(name)) protoNumberByName.set(name, num);
  if (!protoNameByNumber.has(num)) protoNameByNumber.set(num, name);
}
for (const entry of ETC_PROTOCOLS.split(";")) {
  const [num, name] = entry.split(" ") as [string, string];
  if (!protoNumberByName.has(name)) protoNumberByName.set(name, Number(num));
  if (!protoNameByNumber.has(Number(num))) protoNameByNumber.set(Number(num), name);
}

/**
 * Protocol number for `-p` text as xtables_parse_protocol reads it: a number 0-255,
 * then the xtables_chain_protos names, then /etc/protocols. Undefined when unknown.
 */
export function protoNumber(text: string): number | undefined {
  if (/^[0-9]+$/.test(text)) {
    const n = Number(text);
    return n <= 255 ? n : undefined;
  }
  return protoNumberByName.get(text);
}

/** The name `iptables-save` prints after `-p` (number as text when it has no name). */
export function protoSaveName(num: number): string {
  return protoNameByNumber.get(num) ?? String(num);
}

/** Canonical `-p` text for a stored ProtoMatch name (which may be a number or an alias). */
export function canonicalProto(name: string): string {
  const num = protoNumber(name);
  return num === undefined ? name : protoSaveName(num);
}

/** Conntrack states in kernel bit order (libxt_conntrack print_state). */
export const CT_STATES = ["INVALID", "NEW", "RELATED", "ESTABLISHED", "UNTRACKED", "SNAT", "DNAT"] as const;
/** `--state` knows only the first five (libxt_conntrack state_parse_state). */
export const STATE_STATES = ["INVALID", "NEW", "RELATED", "ESTABLISHED", "UNTRACKED"] as const;

/** Route types in bit order (libxt_addrtype rtn_names). */
export const ADDR_TYPES = [
  "UNSPEC", "UNICAST", "LOCAL", "BROADCAST", "ANYCAST", "MULTICAST", "BLACKHOLE", "UNREACHABLE",
  "PROHIBIT", "THROW", "NAT", "XRESOLVE",
] as const;

const orderCache = new Map<string, string>();

/** Joins names with commas in the order of `order` (the kernel bit order), caching the result. */
export function joinInOrder(names: readonly string[], order: readonly string[]): string {
  if (names.length === 1) return names[0]!;
  const key = names.join(",");
  let out = orderCache.get(key);
  if (out === undefined) {
    out = [...new Set(names)].sort((a, b) => order.indexOf(a) - order.indexOf(b)).join(",");
    orderCache.set(key, out);
  }
  return out;
}

/** libxt_icmp.h icmp_codes: name, type, code_min, code_max. */
export const ICMP_CODES: readonly [string, number, number, number][] = [
  ["any", 255, 0, 255], ["echo-reply", 0, 0, 255], ["pong", 0, 0, 255],
  ["destination-unreachable", 3, 0, 255], ["network-unreachable", 3, 0, 0],
  ["host-unreachable", 3, 1, 1], ["protocol-unreachable", 3, 2, 2], ["port-unreachable", 3, 3, 3],
  ["fragmentation-needed", 3, 4, 4], ["source-route-failed", 3, 5, 5], ["network-unknown", 3, 6, 6],
  ["host-unknown", 3, 7, 7], ["network-prohibited", 3, 9, 9], ["host-prohibited", 3, 10, 10],
  ["TOS-network-unreachable", 3, 11, 11], ["TOS-host-unreachable", 3, 12, 12],
  ["communication-prohibited", 3, 13, 13], ["host-precedence-violation", 3, 14, 14],
  ["precedence-cutoff", 3, 15, 15], ["source-quench", 4, 0, 255], ["redirect", 5, 0, 255],
  ["network-redirect", 5, 0, 0], ["host-redirect", 5, 1, 1], ["TOS-network-redirect", 5, 2, 2],
  ["TOS-host-redirect", 5, 3, 3], ["echo-request", 8, 0, 255], ["ping", 8, 0, 255],
  ["router-advertisement", 9, 0, 255], ["router-solicitation", 10, 0, 255],
  ["time-exceeded", 11, 0, 255], ["ttl-exceeded", 11, 0, 255], ["ttl-zero-during-transit", 11, 0, 0],
  ["ttl-zero-during-reassembly", 11, 1, 1], ["parameter-problem", 12, 0, 255],
  ["ip-header-bad", 12, 0, 0], ["required-option-missing", 12, 1, 1],
  ["timestamp-request", 13, 0, 255], ["timestamp-reply", 14, 0, 255],
  ["address-mask-request", 17, 0, 255], ["address-mask-reply", 18, 0, 255],
];

/** ICMP match as stored: type and code range. */
export interface IcmpSpec {
  type: number;
  codeMin: number;
  codeMax: number;
}

/** Reads the stored/saved `--icmp-type` text (`8`, `3/3`, `any` or a name). */
export function icmpSpec(text: string): IcmpSpec | undefined {
  const named = ICMP_CODES.find(([name]) => name === text);
  if (named) return { type: named[1], codeMin: named[2], codeMax: named[3] };
  const m = /^([0-9]{1,3})(?:\/([0-9]{1,3}))?$/.exec(text);
  if (!m) return undefined;
  const type = Number(m[1]);
  const code = m[2] === undefined ? undefined : Number(m[2]);
  if (type > 255 || (code !== undefined && code > 255)) return undefined;
  return code === undefined ? { type, codeMin: 0, codeMax: 255 } : { type, codeMin: code, codeMax: code };
}

/** libipt_icmp icmp_save form of a spec (without the leading `--icmp-type `). */
export function icmpSaveText(spec: IcmpSpec): string {
  if (spec.type === 255 && spec.codeMin === 0 && spec.codeMax === 255) return "any";
  if (spec.codeMin === 0 && spec.codeMax === 255) return String(spec.type);
  return `${spec.type}/${spec.codeMin}`;
}

/** libipt_REJECT reject_table: canonical name and alias, in table order. */
export const REJECT_TYPES: readonly [string, string][] = [
  ["icmp-net-unreachable", "net-unreach"], ["icmp-host-unreachable", "host-unreach"],
  ["icmp-proto-unreachable", "proto-unreach"], ["icmp-port-unreachable", "port-unreach"],
  ["icmp-net-prohibited", "net-prohib"], ["icmp-host-prohibited", "host-prohib"],
  ["tcp-reset", "tcp-rst"], ["icmp-admin-prohibited", "admin-prohib"],
];

/** syslog level names XTTYPE_SYSLOGLEVEL accepts (libxtables xtoptions.c log_names). */
export const LOG_LEVELS: Record<string, number> = {
  alert: 1, crit: 2, debug: 7, emerg: 0, error: 3, info: 6, notice: 5, panic: 0, warning: 4,
};
