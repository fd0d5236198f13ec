// `dig [@SERVER] NAME [TYPE] [+short] [+search]` and `dig -x ADDR`: one query
// over UDP to the namespace's nameserver (no search list unless +search, as
// dig does), three tries of 5 s each, printed as bind's dig prints it.

import { formatIp4, parseIp4 } from "../model/addr.js";
import { simDate } from "../model/clock.js";
import type { DnsMessage, DnsTypeName } from "../packet/dns.js";
import { digAnswer, digBanner, digShort, type DigVersion } from "../render/dig.js";
import { candidates, resolverConfig } from "../simulate/apps/dns.js";
import type { FlowResult } from "../simulate/flow.js";
import { minorOf } from "../compile/kube-proxy/features.js";
import { runFrom } from "./net-client.js";
import { fail, type Tool, type ToolEnv } from "./tool.js";

const TYPES: DnsTypeName[] = ["A", "AAAA", "NS", "CNAME", "SOA", "PTR", "MX", "TXT", "SRV", "ANY"];
const TRIES = 3;
const TRY_TIMEOUT = 5_000_000;

export interface DnsQueryOutcome {
  reply?: DnsMessage;
  result: FlowResult;
}

/** One query from the tool's namespace; `tries` attempts of 5 s each until a reply comes. */
export function queryDns(env: ToolEnv, server: number, name: string, type: DnsTypeName, options: { tries?: number; edns: { size: number; cookie: boolean } | null }): DnsQueryOutcome[] {
  const out: DnsQueryOutcome[] = [];
  const question = { name, type, edns: options.edns };
  for (let i = 0; i < (options.tries ?? TRIES); i++) {
    const result = runFrom(env, { to: formatIp4(server), port: 53, protocol: "udp", client: "curl", dnsQuestion: question, clientTimeout: TRY_TIMEOUT });
    const reply = result.client.reply?.dns;
    out.push({ result, ...(reply ? { reply } : {}) });
    if (reply) break;
  }
  return out;
}

/** The 2015-era clusters' images carried Ubuntu 14.04's dig (seed 000); later ones Debian 12's. */
function digVersion(env: ToolEnv): DigVersion {
  return minorOf(env.cluster.kubeProxy.version) <= 5 ? "9.9" : "9.18";
}

export const digTool: Tool = (argv, env) => {
  let server: number | undefined;
  let name: string | undefined;
  let type: DnsTypeName = "A";
  let short = false;
  let search = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith("@")) {
      server = parseIp4(a.slice(1));
      if (server === undefined) return fail(`dig: couldn't get address for '${a.slice(1)}': not found`, 10);
    } else if (a === "+short") short = true;
    else if (a === "+search") search = true;
    else if (a.startsWith("+")) continue;
    else if (a === "-x") {
      const ip = argv[++i];
      if (!ip || parseIp4(ip) === undefined) return fail(`Invalid IP address ${ip ?? ""}`, 1);
      name = `${ip.split(".").reverse().join(".")}.in-addr.arpa`;
      type = "PTR";
    } else if (a === "-t" && argv[i + 1]) type = argv[++i]!.toUpperCase() as DnsTypeName;
    else if (TYPES.includes(a.toUpperCase() as DnsTypeName) && name !== undefined) type = a.toUpperCase() as DnsTypeName;
    else if (a.startsWith("-")) return fail(`Invalid option: ${a}\nUsage:  dig [@global-server] [domain] [q-type] [q-class] {q-opt}`, 1);
    else name = a;
  }
  const conf = resolverConfig(env.ns);
  const given = server !== undefined;
  server ??= conf?.nameserver;
  if (server === undefined) return fail(";; no servers could be reached", 9);
  // Without a name dig asks for the root's NS records.
  const qname = name ?? ".";
  if (name === undefined) type = "NS";
  const version = digVersion(env);
  const names = search && conf && name ? candidates(name, conf) : [qname.endsWith(".") ? qname : `${qname}.`];
  let outcome: DnsQueryOutcome | undefined;
  let errors = "";
  for (const candidate of names) {
    const tries = queryDns(env, server, candidate, type, { edns: version === "9.9" ? { size: 4096, cookie: false } : { size: 1232, cookie: true } });
    const last = tries[tries.length - 1]!;
    for (const t of tries) {
      if (t.reply || version !== "9.18") continue;
      const refused = t.result.verdict === "refused" || t.result.verdict === "rejected";
      errors += `;; communications error to ${formatIp4(server)}#53: ${refused ? "connection refused" : "timed out"}\n`;
    }
    if (!last.reply) {
      outcome = last;
      break;
    }
    outcome = last;
    // +search moves on while the name does not exist.
    if ((last.reply.flags.rcode ?? 0) !== 3) break;
  }
  const banner = digBanner(version, argv.join(" "), given);
  if (!outcome?.reply) {
    if (short) return { stdout: errors + `;; connection timed out; no servers could be reached\n`, stderr: "", code: 9 };
    const tail = version === "9.18" ? ";; no servers could be reached\n" : ";; connection timed out; no servers could be reached\n";
    return { stdout: errors + banner + tail, stderr: "", code: 9 };
  }
  if (short) return { stdout: digShort(outcome.reply), stderr: "", code: 0 };
  const r = outcome.result;
  const queryMs = Math.floor(((r.client.finished ?? r.client.started) - r.client.started) / 1000);
  const answer = digAnswer(version, { message: outcome.reply, server: formatIp4(server), queryMs, when: simDate(r.client.finished ?? r.client.started) });
  return { stdout: `${errors}${banner};; Got answer:\n${answer}`, stderr: "", code: 0 };
};
