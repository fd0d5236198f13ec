// Tokenizer for pcap-filter(7) expressions, reproducing libpcap 1.10's flex
// scanner (scanner.l): at every position each rule proposes a match, the
// longest wins, and a tie goes to the rule listed first. That is why `hostx`
// is a name but `host` a keyword, why `1.2.3.4.5` is a host *name*, and why a
// 12-digit number is an Ethernet address (the MAC rule precedes the number rule).

export type TokKind =
  | "KW" // a keyword; `kw` holds the grammar token (HOST, TCP, AND, ...)
  | "NUM" | "ID" | "HID" | "HID6" | "EID" | "AID"
  | "PUNCT" // one of + - * / % : [ ] ! < > ( ) & | ^ = and the two-char operators
  | "LEX_ERROR" | "EOF";

export interface Token {
  kind: TokKind;
  /** Grammar token for keywords, the operator itself for punctuation. */
  kw: string;
  text: string;
  /** 0-based offset into the expression, for error notes. */
  pos: number;
  /** Offset just past the token in the source (an escaped `\\name` is one longer than its text). */
  end: number;
  num?: number;
  /** An error libpcap's scanner reports for this token (it wins over a later syntax error). */
  error?: string;
}

// scanner.l, in rule order. `not` is the '!' token; `and`/`&&`, `or`/`||` share a token.
const KEYWORDS = `dst DST, src SRC, link LINK, ether LINK, ppp LINK, slip LINK, fddi LINK, tr LINK,
  wlan LINK, arp ARP, rarp RARP, ip IP, sctp SCTP, tcp TCP, udp UDP, icmp ICMP, igmp IGMP, igrp IGRP,
  pim PIM, vrrp VRRP, carp CARP, radio RADIO, ip6 IPV6, icmp6 ICMPV6, ah AH, esp ESP, atalk ATALK,
  aarp AARP, decnet DECNET, lat LAT, sca SCA, moprc MOPRC, mopdl MOPDL, iso ISO, esis ESIS, es-is ESIS,
  isis ISIS, is-is ISIS, l1 L1, l2 L2, iih IIH, lsp LSP, snp SNP, csnp CSNP, psnp PSNP, clnp CLNP,
  stp STP, ipx IPX, netbeui NETBEUI, host HOST, net NET, mask NETMASK, port PORT, portrange PORTRANGE,
  proto PROTO, protochain PROTOCHAIN, gateway GATEWAY, type TYPE, subtype SUBTYPE, direction DIR,
  dir DIR, address1 ADDR1, addr1 ADDR1, address2 ADDR2, addr2 ADDR2, address3 ADDR3, addr3 ADDR3,
  address4 ADDR4, addr4 ADDR4, ra RA, ta TA, less LESS, greater GREATER, byte CBYTE,
  broadcast TK_BROADCAST, multicast TK_MULTICAST, and AND, && AND, or OR, || OR, not !, len LEN,
  length LEN, inbound INBOUND, outbound OUTBOUND, ifindex IFINDEX, vlan VLAN, mpls MPLS,
  pppoed PPPOED, pppoes PPPOES, geneve GENEVE, lane LANE, llc LLC, metac METAC, bcc BCC, oam OAM,
  oamf4 OAMF4, oamf4ec OAMF4EC, oamf4sc OAMF4SC, sc SC, ilmic ILMIC, vpi VPI, vci VCI,
  connectmsg CONNECTMSG, metaconnect METACONNECT, on PF_IFNAME, ifname PF_IFNAME, rset PF_RSET,
  ruleset PF_RSET, rnr PF_RNR, rulenum PF_RNR, srnr PF_SRNR, subrulenum PF_SRNR, reason PF_REASON,
  action PF_ACTION, fisu FISU, lssu LSSU, lsu LSSU, msu MSU, hfisu HFISU, hlssu HLSSU, hmsu HMSU,
  sio SIO, opc OPC, dpc DPC, sls SLS, hsio HSIO, hopc HOPC, hdpc HDPC, hsls HSLS`
  .split(",")
  .map((entry) => entry.trim().split(" ") as [string, string]);

// Words the scanner turns straight into numbers (offsets and flag values for
// `icmp[icmptype]`, `tcp[tcpflags] & tcp-syn`); listed after the number rules.
const NAMED_NUMBERS: ReadonlyArray<[string, number]> = Object.entries({
  icmptype: 0, icmpcode: 1, "icmp-echoreply": 0, "icmp-unreach": 3, "icmp-sourcequench": 4,
  "icmp-redirect": 5, "icmp-echo": 8, "icmp-routeradvert": 9, "icmp-routersolicit": 10,
  "icmp-timxceed": 11, "icmp-paramprob": 12, "icmp-tstamp": 13, "icmp-tstampreply": 14,
  "icmp-ireq": 15, "icmp-ireqreply": 16, "icmp-maskreq": 17, "icmp-maskreply": 18,
  icmp6type: 0, icmp6code: 1, "icmp6-destinationunreach": 1, "icmp6-packettoobig": 2,
  "icmp6-timeexceeded": 3, "icmp6-parameterproblem": 4, "icmp6-echo": 128, "icmp6-echoreply": 129,
  "icmp6-multicastlistenerquery": 130, "icmp6-multicastlistenerreportv1": 131,
  "icmp6-multicastlistenerdone": 132, "icmp6-routersolicit": 133, "icmp6-routeradvert": 134,
  "icmp6-neighborsolicit": 135, "icmp6-neighboradvert": 136, "icmp6-redirect": 137,
  "icmp6-routerrenum": 138, "icmp6-nodeinformationquery": 139, "icmp6-nodeinformationresponse": 140,
  "icmp6-ineighbordiscoverysolicit": 141, "icmp6-ineighbordiscoveryadvert": 142,
  "icmp6-multicastlistenerreportv2": 143, "icmp6-homeagentdiscoveryrequest": 144,
  "icmp6-homeagentdiscoveryreply": 145, "icmp6-mobileprefixsolicit": 146,
  "icmp6-mobileprefixadvert": 147, "icmp6-certpathsolicit": 148, "icmp6-certpathadvert": 149,
  "icmp6-multicastrouteradvert": 151, "icmp6-multicastroutersolicit": 152,
  "icmp6-multicastrouterterm": 153, tcpflags: 13, "tcp-fin": 0x01, "tcp-syn": 0x02,
  "tcp-rst": 0x04, "tcp-push": 0x08, "tcp-ack": 0x10, "tcp-urg": 0x20, "tcp-ece": 0x40,
  "tcp-cwr": 0x80,
});

const N = "(?:0[xX][0-9A-Fa-f]+|[0-9]+)"; // hex first: JS alternation is first-match, flex is longest-match
const B = "[0-9A-Fa-f][0-9A-Fa-f]?";
const B2 = "[0-9A-Fa-f]{4}";
const W = "[0-9A-Fa-f]{1,4}";
const MAC_FORMS = [
  `${B}:${B}:${B}:${B}:${B}:${B}`, `${B}-${B}-${B}-${B}-${B}-${B}`,
  `${B}\\.${B}\\.${B}\\.${B}\\.${B}\\.${B}`, `${B2}\\.${B2}\\.${B2}`, `${B2}${B2}${B2}`,
];
const HID_FORMS = [`${N}\\.${N}`, `${N}\\.${N}\\.${N}`, `${N}\\.${N}\\.${N}\\.${N}`];
const V4 = `${N}\\.${N}\\.${N}\\.${N}`;

/** The IPv6 forms of scanner.l (V680 ... V6004): `n` groups, `::` after `k` of them. */
function v6Forms(): string[] {
  const forms = [Array(8).fill(W).join(":")];
  for (let total = 7; total >= 0; total--) forms.push(...compressed(total, ""));
  forms.push(`${Array(6).fill(W).join(":")}:${V4}`);
  for (let total = 5; total >= 0; total--) forms.push(...compressed(total, V4));
  return forms;
}

function compressed(total: number, tail: string): string[] {
  const out: string[] = [];
  for (let before = 0; before <= total; before++) {
    const head = Array(before).fill(W).join(":");
    const rest = [...Array(total - before).fill(W), ...(tail ? [tail] : [])].join(":");
    out.push(`${head}::${rest}`);
  }
  return out;
}

const sticky = (forms: string[]) => forms.map((f) => new RegExp(f, "y"));
const RULES = {
  aid: sticky([`\\$${B}`]),
  mac: sticky(MAC_FORMS),
  num: sticky([N]),
  hid: sticky(HID_FORMS),
  v6: sticky(v6Forms()),
  bogusMac: sticky([`${B}:+(?:${B}:+)+`]),
  id: sticky(["[A-Za-z0-9](?:[-_.A-Za-z0-9]*[.A-Za-z0-9])?"]),
  escaped: sticky(["\\\\[^ !()\\n\\t]+"]),
};

/** Longest match of any form at `pos` (flex semantics inside one rule). */
function longest(forms: RegExp[], text: string, pos: number): number {
  let best = 0;
  for (const re of forms) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (m && m[0].length > best) best = m[0].length;
  }
  return best;
}

const PUNCT2 = [">=", "<=", "!=", "==", "<<", ">>"];
const PUNCT1 = "+-*/%:[]!<>()&|^=";

export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let pos = 0;
  while (pos < text.length) {
    if (" \r\n\t".includes(text[pos]!)) {
      pos++;
      continue;
    }
    const tok = nextToken(text, pos);
    out.push(tok);
    pos = tok.end;
  }
  out.push({ kind: "EOF", kw: "EOF", text: "", pos: text.length, end: text.length });
  return out;
}

type Made = Omit<Token, "end">;
type Candidate = { len: number; make: (s: string, pos: number) => Made };

/** Candidates in scanner.l rule order; the first of the longest wins. */
function nextToken(text: string, pos: number): Token {
  const cands: Candidate[] = [];
  const add = (len: number, make: Candidate["make"]) => len > 0 && cands.push({ len, make });
  for (const [word, kw] of KEYWORDS) {
    if (text.startsWith(word, pos)) add(word.length, (s, p) => ({ kind: "KW", kw, text: s, pos: p }));
  }
  if (PUNCT1.includes(text[pos]!)) add(1, (s, p) => ({ kind: "PUNCT", kw: s, text: s, pos: p }));
  const two = text.slice(pos, pos + 2);
  if (PUNCT2.includes(two)) add(2, (s, p) => ({ kind: "PUNCT", kw: s === "==" ? "=" : s, text: s, pos: p }));
  add(longest(RULES.aid, text, pos), (s, p) => ({ kind: "AID", kw: "AID", text: s, pos: p }));
  add(longest(RULES.mac, text, pos), (s, p) => ({ kind: "EID", kw: "EID", text: s, pos: p }));
  add(longest(RULES.num, text, pos), numberToken);
  add(longest(RULES.hid, text, pos), (s, p) => ({ kind: "HID", kw: "HID", text: s, pos: p }));
  add(longest(RULES.v6, text, pos), (s, p) => ({ kind: "HID6", kw: "HID6", text: s, pos: p }));
  add(longest(RULES.bogusMac, text, pos), (s, p) => ({
    kind: "EID", kw: "EID", text: s, pos: p, error: `bogus ethernet address ${s}`,
  }));
  for (const [word, value] of NAMED_NUMBERS) {
    if (text.startsWith(word, pos)) add(word.length, (s, p) => ({ kind: "NUM", kw: "NUM", text: s, pos: p, num: value }));
  }
  add(longest(RULES.id, text, pos), (s, p) => ({ kind: "ID", kw: "ID", text: s, pos: p }));
  add(longest(RULES.escaped, text, pos), (s, p) => ({ kind: "ID", kw: "ID", text: s.slice(1), pos: p }));
  let best: Candidate | undefined;
  for (const c of cands) if (!best || c.len > best.len) best = c;
  if (!best) return { kind: "LEX_ERROR", kw: "LEX_ERROR", text: text[pos]!, pos, end: pos + 1 };
  return { ...best.make(text.slice(pos, pos + best.len), pos), end: pos + best.len };
}

/** scanner.l stou(): decimal, 0x hex or leading-0 octal, 32 bits, with libpcap's messages. */
function numberToken(s: string, pos: number): Made {
  const fail = (error: string): Made => ({ kind: "LEX_ERROR", kw: "LEX_ERROR", text: s, pos, error });
  let n = 0;
  if (/^0[xX]/.test(s)) {
    for (const ch of s.slice(2)) {
      if (n > 0xfffffff) return fail(`number ${s} overflows 32 bits`);
      n = n * 16 + parseInt(ch, 16);
    }
  } else if (s.startsWith("0")) {
    for (const ch of s.slice(1)) {
      if (ch > "7") return fail(`number ${s} contains non-octal digit`);
      if (n > 0o3777777777) return fail(`number ${s} overflows 32 bits`);
      n = n * 8 + Number(ch);
    }
  } else {
    for (const ch of s) {
      n = n * 10 + Number(ch);
      if (n > 0xffffffff) return fail(`number ${s} overflows 32 bits`);
    }
  }
  return { kind: "NUM", kw: "NUM", text: s, pos, num: n };
}
