// Recursive-descent rendition of libpcap 1.10's grammar.y, generating code as
// it reduces (so the first error in source order wins, as with bison). Facts
// the grammar encodes that users trip over:
//  - `and` and `or` have EQUAL precedence and group left: `a or b and c` is
//    `(a or b) and c`; `not` binds tighter than both.
//  - a bare id after `and`/`or` inherits the qualifiers of the term before it:
//    `host A or B`, `tcp port 80 or 443`, `host A and not B`; after `tcp`,
//    `less 10` or a parenthesis at the start there is nothing to inherit, and
//    `tcp or 10.0.0.1` is "syntax error in filter expression".
//  - an expression cannot start with a bare id: `10.0.0.1` alone is a syntax error.

import { and, not, or, TRUE, type Prog } from "./filter-prog.js";
import { FilterError, invalid, syntaxError, unsupported } from "./filter-error.js";
import {
  genBroadcast, genGreater, genIfindex, genInbound, genLess, genMulticast, genProtoAbbrev, type Dir,
} from "./filter-gen.js";
import { genEcode, genMcode, genNcode, genScode, QERR, type AddrCtx, type AddrQual, type Qual } from "./filter-addr.js";
import type { Token } from "./filter-lex.js";

/** Protocol keywords (grammar `pname`) and the names gencode uses for them. */
const PNAMES: Record<string, string> = {
  LINK: "link", IP: "ip", ARP: "arp", RARP: "rarp", SCTP: "sctp", TCP: "tcp", UDP: "udp", ICMP: "icmp",
  IGMP: "igmp", IGRP: "igrp", PIM: "pim", VRRP: "vrrp", CARP: "carp", ATALK: "atalk", AARP: "aarp",
  DECNET: "decnet", LAT: "lat", SCA: "sca", MOPDL: "mopdl", MOPRC: "moprc", IPV6: "ip6",
  ICMPV6: "icmp6", AH: "ah", ESP: "esp", ISO: "iso", ESIS: "esis", ISIS: "isis", L1: "l1", L2: "l2",
  IIH: "iih", LSP: "lsp", SNP: "snp", PSNP: "psnp", CSNP: "csnp", CLNP: "clnp", STP: "stp", IPX: "ipx",
  NETBEUI: "netbeui", RADIO: "radio",
};
/** pnames whose use as a qualifier (`decnet host`, `iso proto`) the simulator does not model. */
const QUALIFIABLE = new Set(["link", "ip", "arp", "rarp", "sctp", "tcp", "udp", "icmp", "igmp", "igrp",
  "pim", "vrrp", "carp", "ip6", "icmp6", "ah", "esp"]);
const DQUALS: Record<string, Dir> = { ADDR1: "addr1", ADDR2: "addr2", ADDR3: "addr3", ADDR4: "addr4", RA: "ra", TA: "ta" };
const AQUALS: Record<string, AddrQual> = { HOST: "host", NET: "net", PORT: "port", PORTRANGE: "portrange" };
const HEAD_START = new Set(["SRC", "DST", "PROTO", "PROTOCHAIN", "GATEWAY", ...Object.keys(DQUALS), ...Object.keys(AQUALS)]);
const ID_START = new Set(["ID", "HID", "HID6", "EID", "AID", "NUM"]);
/** Tokens that may follow a complete term or id. */
const FOLLOW_ID = new Set(["AND", "OR", ")", "EOF"]);
const ARITH_OPS = new Set(["+", "-", "*", "/", "%", "&", "|", "^", "<<", ">>", ">", "<", ">=", "<=", "=", "!="]);
/** Valid pcap-filter keywords that start a primitive the simulator does not model. */
const UNSUPPORTED_START = new Set(("VLAN MPLS PPPOED PPPOES GENEVE CBYTE PF_IFNAME " +
  "PF_RSET PF_RNR PF_SRNR PF_REASON PF_ACTION TYPE SUBTYPE DIR LLC LEN LANE METAC BCC OAMF4EC OAMF4SC SC " +
  "ILMIC OAM OAMF4 CONNECTMSG METACONNECT VPI VCI FISU LSSU MSU HFISU HLSSU HMSU SIO OPC DPC SLS HSIO " +
  "HOPC HDPC HSLS").split(" "));

interface Term {
  p: Prog;
  q: Qual;
}

export class Parser {
  private at = 0;

  constructor(private readonly toks: Token[], private readonly c: AddrCtx) {}

  /** prog: null | null expr */
  program(): Prog {
    if (this.peek().kw === "EOF") return TRUE;
    const e = this.expr(QERR);
    if (this.peek().kw !== "EOF") throw syntaxError();
    return e.p;
  }

  /** A token the scanner flagged (bad number, bogus MAC) reports its own error when read. */
  private peek(ahead = 0): Token {
    const t = this.toks[Math.min(this.at + ahead, this.toks.length - 1)]!;
    if (t.error) throw new FilterError("filter-syntax", t.error);
    if (t.kind === "LEX_ERROR") throw syntaxError();
    return t;
  }

  private next(): Token {
    const t = this.peek();
    this.at++;
    return t;
  }

  private expect(kw: string): Token {
    if (this.peek().kw !== kw) throw syntaxError();
    return this.next();
  }

  /** expr: term | expr and term | expr and id | expr or term | expr or id */
  private expr(ctx: Qual): Term {
    let left = this.term(ctx);
    for (let kw = this.peek().kw; kw === "AND" || kw === "OR"; kw = this.peek().kw) {
      this.next();
      // `and`/`or` carry the left side's qualifiers to a bare id that follows.
      const right: Term = this.startsId() ? { p: this.id(left.q), q: left.q } : this.term(left.q);
      left = { p: kw === "AND" ? and(left.p, right.p) : or(left.p, right.p), q: right.q };
    }
    return left;
  }

  /**
   * After and/or, bison tells an id from a term by the first token past any
   * `not`s and `(`s. A number is an id only if and/or/`)`/end follows; before
   * anything else bison's default reduction makes it arithmetic, so a stray
   * token is a plain syntax error (`tcp and 443 portrange` is not "port" trouble).
   */
  private startsId(): boolean {
    let i = 0;
    while (this.peek(i).kw === "!" || this.peek(i).kw === "(") i++;
    const t = this.peek(i);
    if (t.kind !== "NUM") return ID_START.has(t.kind);
    const after = this.peek(i + 1).kw;
    if (ARITH_OPS.has(after)) return false;
    if (!FOLLOW_ID.has(after)) throw syntaxError();
    return true;
  }

  /** term: rterm | not term */
  private term(ctx: Qual): Term {
    if (this.peek().kw !== "!") return this.rterm(ctx);
    this.next();
    const inner = this.term(ctx);
    return { p: not(inner.p), q: inner.q };
  }

  /** rterm: head id | paren expr ')' | pname | other | arth relop arth */
  private rterm(ctx: Qual): Term {
    const t = this.peek();
    if (t.kw === "(") {
      this.next();
      const e = this.expr(ctx);
      this.expect(")");
      return { p: e.p, q: ctx }; // grammar.y: `$$.q = $1.q`, the qualifiers before the paren
    }
    const pname = PNAMES[t.kw];
    if (pname !== undefined) return this.afterPname(pname, t);
    if (HEAD_START.has(t.kw)) return this.headId("default");
    return this.other("default", t);
  }

  private afterPname(pname: string, t: Token): Term {
    this.next();
    const following = this.peek().kw;
    const qualifies = HEAD_START.has(following) || following === "TK_BROADCAST" || following === "TK_MULTICAST";
    if (following === "[") throw unsupported(`${t.text}[...] (packet data accessors and arithmetic)`, t.pos);
    if (["TYPE", "SUBTYPE", "DIR"].includes(following)) throw unsupported(`${t.text} ${this.peek().text}`, t.pos);
    // Bison's default action after a protocol keyword treats it as a qualifier, so
    // `ether 1:2:3:4:5:6` is a syntax error before `ether` alone could be judged.
    if (!qualifies && !FOLLOW_ID.has(following)) throw syntaxError();
    if (!qualifies) return { p: genProtoAbbrev(this.c, pname), q: QERR };
    if (!QUALIFIABLE.has(pname)) throw unsupported(`${t.text} ${this.peek().text}`, t.pos);
    if (HEAD_START.has(following)) return this.headId(pname);
    return this.other(pname, this.peek());
  }

  /** other: pqual broadcast | pqual multicast | less NUM | greater NUM | (unsupported keywords) */
  private other(pqual: string, t: Token): Term {
    switch (t.kw) {
      case "TK_BROADCAST": this.next(); return { p: genBroadcast(this.c, pqual), q: QERR };
      case "TK_MULTICAST": this.next(); return { p: genMulticast(this.c, pqual), q: QERR };
      case "LESS": this.next(); return { p: genLess(this.expect("NUM").num!), q: QERR };
      case "GREATER": this.next(); return { p: genGreater(this.expect("NUM").num!), q: QERR };
      case "INBOUND": case "OUTBOUND": this.next(); return { p: genInbound(this.c, t.kw === "OUTBOUND"), q: QERR };
      case "IFINDEX": this.next(); return { p: genIfindex(this.c, this.expect("NUM").num!), q: QERR };
    }
    if (pqual !== "default") throw syntaxError();
    if (UNSUPPORTED_START.has(t.kw)) throw unsupported(t.text, t.pos);
    if ((t.kind === "NUM" && ARITH_OPS.has(this.peek(1).kw)) || t.kw === "-") {
      throw unsupported("arithmetic comparison", t.pos);
    }
    throw syntaxError();
  }

  /** head id, where head: pqual dqual aqual | pqual dqual | pqual aqual | pqual PROTO | pqual ndaqual */
  private headId(proto: string): Term {
    const q = this.head(proto);
    return { p: this.id(q), q };
  }

  private head(proto: string): Qual {
    const t = this.next();
    if (t.kw === "PROTO") return { proto, dir: "default", addr: "proto" };
    if (t.kw === "PROTOCHAIN") throw unsupported("protochain", t.pos);
    if (t.kw === "GATEWAY") return { proto, dir: "default", addr: "gateway" };
    let dir: Dir = "default";
    let addrTok: Token | undefined = t;
    if (t.kw === "SRC" || t.kw === "DST") {
      dir = t.kw === "SRC" ? "src" : "dst";
      const joiner = this.peek().kw;
      if (joiner === "OR" || joiner === "AND") {
        // `src or dst` / `dst and src`: bison must shift here, so anything else is a syntax error.
        this.next();
        this.expect(t.kw === "SRC" ? "DST" : "SRC");
        dir = joiner === "OR" ? "or" : "and";
      }
      addrTok = AQUALS[this.peek().kw] ? this.next() : undefined;
    } else if (DQUALS[t.kw]) {
      dir = DQUALS[t.kw]!;
      addrTok = AQUALS[this.peek().kw] ? this.next() : undefined;
    }
    return { proto, dir, addr: addrTok ? AQUALS[addrTok.kw]! : "default" };
  }

  /** id: nid | pnum | paren pid ')'   (pid: a chain of ids joined by and/or, all sharing `ctx`) */
  private id(ctx: Qual): Prog {
    const t = this.peek();
    if (t.kw === "!") {
      this.next();
      return not(this.id(ctx));
    }
    if (t.kw === "(") {
      this.next();
      let p = this.id(ctx);
      for (let kw = this.peek().kw; kw === "AND" || kw === "OR"; kw = this.peek().kw) {
        this.next();
        p = kw === "AND" ? and(p, this.id(ctx)) : or(p, this.id(ctx));
      }
      this.expect(")");
      return p;
    }
    if (t.kind === "NUM") return genNcode(this.c, null, this.next().num!, ctx);
    return this.nid(ctx);
  }

  /** nid: ID | HID '/' NUM | HID NETMASK HID | HID | HID6 ['/' NUM] | EID | AID */
  private nid(ctx: Qual): Prog {
    const t = this.next();
    switch (t.kind) {
      case "ID": return genScode(this.c, t.text, ctx);
      case "HID": {
        const after = this.peek().kw;
        if (after === "/" || after === "NETMASK") {
          this.next();
          if (after === "/") return genMcode(this.c, t.text, null, this.expect("NUM").num!, ctx);
          return genMcode(this.c, t.text, this.expect("HID").text, 0, ctx);
        }
        if (ctx.addr === "port" || ctx.addr === "portrange" || ctx.addr === "proto" || ctx.addr === "protochain") {
          throw invalid(`'${ctx.addr}' modifier applied to ip host`);
        }
        return genNcode(this.c, t.text, 0, ctx);
      }
      case "HID6": throw unsupported(`IPv6 address ${t.text}`, t.pos);
      case "EID": return genEcode(this.c, t.text, ctx);
      case "AID": throw invalid("aid supported only on ARCnet");
      default: throw syntaxError();
    }
  }
}
