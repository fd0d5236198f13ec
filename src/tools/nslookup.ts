// `nslookup NAME [SERVER]`: bind 9.18's on nodes and application images
// (search list applied, A then AAAA, `#53`), busybox 1.35's in busybox
// images (every search candidate asked and reported, `:53`, no search list
// for dotted names) — docs/facts/shell-tools.md §2.4, §5.2.

import { formatIp4, parseIp4 } from "../model/addr.js";
import type { DnsMessage, DnsTypeName } from "../packet/dns.js";
import { candidates, resolverConfig, type ResolverConfig } from "../simulate/apps/dns.js";
import { queryDns } from "./dig.js";
import { fail, type Tool, type ToolEnv } from "./tool.js";

const RCODE = ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"];

function ask(env: ToolEnv, server: number, name: string, type: DnsTypeName): DnsMessage | undefined {
  const tries = queryDns(env, server, name, type, { edns: null });
  return tries[tries.length - 1]!.reply;
}

function addresses(m: DnsMessage): string[] {
  return (m.answers ?? []).flatMap((r) => (r.data.type === "A" ? [formatIp4(r.data.address)] : r.data.type === "AAAA" ? [r.data.address] : []));
}

function timedOut(server: number): string {
  return `;; communications error to ${formatIp4(server)}#53: timed out\n`.repeat(3) + ";; no servers could be reached\n\n";
}

export const nslookupTool: Tool = (argv, env) => {
  const [name, serverText] = argv.filter((a) => !a.startsWith("-"));
  if (!name) return fail("k8s-nettrace: interactive nslookup is not simulated; give the name: nslookup NAME [SERVER]", 1);
  const conf = resolverConfig(env.ns);
  const server = serverText !== undefined ? parseIp4(serverText) : conf?.nameserver;
  if (server === undefined) return fail(serverText ? `nslookup: couldn't get address for '${serverText}': not found` : ";; no servers could be reached", 1);
  if (env.flavour === "busybox") return busyboxNslookup(env, name, server, serverText === undefined ? conf : undefined);
  const config: ResolverConfig = conf ?? { nameserver: server, search: [], ndots: 1 };
  let header = `Server:\t\t${formatIp4(server)}\nAddress:\t${formatIp4(server)}#53\n\n`;
  let found: { name: string; a: DnsMessage } | undefined;
  let failure: DnsMessage | undefined;
  for (const candidate of candidates(name, config)) {
    const a = ask(env, server, candidate, "A");
    if (!a) return { stdout: timedOut(server), stderr: "", code: 1 };
    const rcode = a.flags.rcode ?? 0;
    if (rcode === 0 && addresses(a).length > 0) {
      found = { name: candidate, a };
      break;
    }
    failure ??= a;
    if (rcode === 2) {
      failure = a;
      break;
    }
  }
  if (!found) {
    const rcode = failure?.flags.rcode ?? 3;
    if (rcode === 2) header = `;; Got SERVFAIL reply from ${formatIp4(server)}\n${header}`;
    return { stdout: `${header}** server can't find ${name}: ${RCODE[rcode] ?? "NXDOMAIN"}\n\n`, stderr: "", code: 1 };
  }
  const aaaa = ask(env, server, found.name, "AAAA");
  const fqdn = found.name.replace(/\.$/, "");
  const authority = found.a.flags.aa ? "" : "Non-authoritative answer:\n";
  const lines = [...addresses(found.a), ...(aaaa ? addresses(aaaa) : [])].map((ip) => `Name:\t${fqdn}\nAddress: ${ip}\n`).join("");
  return { stdout: `${header}${authority}${lines}\n`, stderr: "", code: 0 };
};

/** busybox: each candidate asked for A, then each for AAAA; every failure reported; search only for names without a dot. */
function busyboxNslookup(env: ToolEnv, name: string, server: number, conf: ResolverConfig | undefined): ReturnType<Tool> {
  const names = conf && !name.includes(".") && conf.search.length ? conf.search.map((d) => `${name}.${d}`) : [name];
  let out = `Server:\t\t${formatIp4(server)}\nAddress:\t${formatIp4(server)}:53\n\n`;
  let failed = false;
  for (const type of ["A", "AAAA"] as const) {
    for (const candidate of names) {
      const m = ask(env, server, `${candidate}.`, type);
      if (!m) return { stdout: ";; connection timed out; no servers could be reached\n\n", stderr: "", code: 1 };
      const rcode = m.flags.rcode ?? 0;
      if (rcode !== 0) {
        failed = true;
        out += `** server can't find ${candidate}: ${RCODE[rcode] ?? rcode}\n\n`;
        continue;
      }
      for (const ip of addresses(m)) out += `Name:\t${candidate}\nAddress: ${ip}\n\n`;
    }
    if (type === "A") out += "\n";
  }
  return { stdout: out, stderr: "", code: failed ? 1 : 0 };
}
