// What dig prints for a DNS reply: the header, flags, sections with fields at
// fixed tab stops, and the statistics footer (bind 9.18; the 2015-era 9.9
// differs in its banner, the SERVER line and the .local warning)
// — docs/facts/shell-tools.md §5.1.

import { formatIp4 } from "../model/addr.js";
import { type DnsMessage, type DnsRecord, encodeDns } from "../packet/dns.js";

export type DigVersion = "9.18" | "9.9";

const BANNER: Record<DigVersion, string> = { "9.18": "DiG 9.18.49-1~deb12u3-Debian", "9.9": "DiG 9.9.5-3ubuntu0.5-Ubuntu" };
const RCODES = ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"];

export function digBanner(version: DigVersion, args: string, server: boolean): string {
  return `\n; <<>> ${BANNER[version]} <<>> ${args}\n${server ? "; (1 server found)\n" : ""};; global options: +cmd\n`;
}

/** Fields placed at 8-column tab stops: tabs up to each column, or one space once the text has reached it. */
class Line {
  private text = "";
  private col = 0;
  add(field: string): this {
    this.text += field;
    this.col += field.length;
    return this;
  }
  to(column: number): this {
    if (this.col >= column) return this.add(" ");
    while (this.col < column) {
      this.col = (Math.floor(this.col / 8) + 1) * 8;
      this.text += "\t";
    }
    return this;
  }
  toString(): string {
    return this.text;
  }
}

function typeName(type: string | number): string {
  return typeof type === "number" ? `TYPE${type}` : type;
}

export function rdataText(r: DnsRecord): string {
  const d = r.data;
  switch (d.type) {
    case "A":
      return formatIp4(d.address);
    case "AAAA":
      return d.address;
    case "CNAME":
    case "PTR":
    case "NS":
      return d.target;
    case "MX":
      return `${d.preference} ${d.exchange}`;
    case "SOA":
      return `${d.mname} ${d.rname} ${d.serial} ${d.refresh} ${d.retry} ${d.expire} ${d.minimum}`;
    case "SRV":
      return `${d.priority} ${d.weight} ${d.port} ${d.target}`;
    case "TXT":
      return d.strings.map((s) => `"${s}"`).join(" ");
    default:
      return "";
  }
}

function recordLine(r: DnsRecord): string {
  const owner = r.name === "" ? "." : r.name;
  return new Line().add(owner).to(24).add(String(r.ttl)).to(32).add("IN").to(40).add(typeName(r.data.type)).to(48).add(rdataText(r)).toString();
}

export interface DigReply {
  message: DnsMessage;
  server: string;
  /** Milliseconds between the query and the reply. */
  queryMs: number;
  /** The simulated time of the reply, for ;; WHEN:. */
  when: Date;
}

/** Everything after ";; Got answer:" (the header through the MSG SIZE line and the blank line after it). */
export function digAnswer(version: DigVersion, reply: DigReply): string {
  const m = reply.message;
  const f = m.flags;
  const answers = m.answers ?? [];
  const authority = m.authority ?? [];
  const additional = (m.additional ?? []).filter((r) => r.data.type !== "OPT");
  const opt = (m.additional ?? []).find((r) => r.data.type === "OPT");
  const q = m.questions[0];
  const out: string[] = [];
  if (version === "9.18" && q && /\.local\.?$/i.test(q.name)) {
    out.push(";; WARNING: .local is reserved for Multicast DNS", ";; You are currently testing what happens when an mDNS query is leaked to DNS");
  }
  out.push(`;; ->>HEADER<<- opcode: QUERY, status: ${RCODES[f.rcode ?? 0] ?? `RESERVED${f.rcode}`}, id: ${m.id}`);
  const flags = (["qr", "aa", "tc", "rd", "ra", "ad", "cd"] as const).filter((k) => f[k]).join(" ");
  out.push(`;; flags: ${flags}; QUERY: ${m.questions.length}, ANSWER: ${answers.length}, AUTHORITY: ${authority.length}, ADDITIONAL: ${(m.additional ?? []).length}`);
  if (f.rd && !f.ra) out.push(";; WARNING: recursion requested but not available");
  out.push("");
  if (opt) out.push(";; OPT PSEUDOSECTION:", `; EDNS: version: 0, flags:; udp: ${opt.class ?? 512}`);
  out.push(";; QUESTION SECTION:");
  for (const question of m.questions) out.push(new Line().add(`;${question.name}`).to(32).add("IN").to(40).add(typeName(question.type)).toString());
  out.push("");
  const section = (title: string, records: readonly DnsRecord[]) => {
    if (records.length === 0) return;
    out.push(`;; ${title} SECTION:`, ...records.map(recordLine), "");
  };
  section("ANSWER", answers);
  section("AUTHORITY", authority);
  section("ADDITIONAL", additional);
  out.push(`;; Query time: ${reply.queryMs} msec`);
  out.push(`;; SERVER: ${reply.server}#53(${reply.server})${version === "9.18" ? " (UDP)" : ""}`);
  out.push(`;; WHEN: ${whenText(reply.when)}`);
  out.push(`;; MSG SIZE  rcvd: ${encodeDns(m).length}`);
  out.push("");
  return out.map((l) => `${l}\n`).join("");
}

/** strftime "%a %b %d %H:%M:%S %Z %Y" in UTC. */
function whenText(d: Date): string {
  const [day, , month] = d.toUTCString().split(" ");
  const dd = String(d.getUTCDate()).padStart(2, "0");
  return `${day!.replace(",", "")} ${month} ${dd} ${d.toISOString().slice(11, 19)} UTC ${d.getUTCFullYear()}`;
}

export function digShort(m: DnsMessage): string {
  return (m.answers ?? []).map((r) => `${rdataText(r)}\n`).join("");
}
