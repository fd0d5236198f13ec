// `nc -z [-v] [-w SECS] HOST PORT[-PORT]`: a bare TCP connect and close.
// netcat-openbsd 1.219 on nodes and application images, busybox's nc in
// busybox images (docs/facts/shell-tools.md §2.6, §8). Talking through nc
// (without -z) needs a terminal on the other end and is not simulated.

import { formatIp4, parseIp4 } from "../model/addr.js";
import { rhel7ServiceName } from "../render/tcpdump-services.js";
import { errnoText, runFrom, seconds, unresolved } from "./net-client.js";
import { fail, type Tool } from "./tool.js";

export const ncTool: Tool = (argv, env) => {
  let zero = false;
  let verbose = 0;
  let udp = false;
  let wait: number | undefined;
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "-w") {
      wait = seconds(argv[++i]);
      if (wait === undefined) return fail(`nc: timeout invalid: ${argv[i] ?? ""}`, 1);
    } else if (/^-[zvun]+$/.test(a)) {
      for (const c of a.slice(1)) {
        if (c === "z") zero = true;
        else if (c === "v") verbose++;
        else if (c === "u") udp = true;
      }
    } else if (a.startsWith("-")) return fail(`nc: invalid option -- '${a.slice(1, 2)}'`, 1);
    else words.push(a);
  }
  const [host, portText] = words;
  if (!host || !portText) return fail(env.flavour === "busybox" ? "BusyBox v1.35.0 multi-call binary.\n\nUsage: nc [OPTIONS] HOST PORT  - connect" : "usage: nc [-46CDdFhklNnrStUuvZz] [-I length] [-i interval] [-M ttl]\n\t  [-m minttl] [-O length] [-P proxy_username] [-p source_port]\n\t  [-q seconds] [-s sourceaddr] [-T keyword] [-V rtable] [-W recvlimit]\n\t  [-w timeout] [-X proxy_protocol] [-x proxy_address[:port]]\n\t  [destination] [port]", 1);
  if (!zero) return fail("k8s-nettrace: nc without -z (a live conversation) is not simulated; nc -zv HOST PORT tests the connection, curl talks HTTP", 1);
  if (udp) return fail("k8s-nettrace: nc -u is not simulated; dig tests DNS over UDP", 1);
  const busybox = env.flavour === "busybox";
  const range = /^(\d+)(?:-(\d+))?$/.exec(portText);
  if (!range || (busybox && range[2])) return fail(busybox ? `nc: bad port '${portText}'` : `nc: port range not valid`, 1);
  const first = Number(range[1]);
  const last = range[2] ? Number(range[2]) : first;
  let err = "";
  let ok = false;
  for (let port = first; port <= last; port++) {
    const r = runFrom(env, { to: host, port, protocol: "tcp", client: "curl", connectOnly: true, ...(wait !== undefined ? { clientTimeout: wait } : {}) });
    if (unresolved(r, host)) return fail(busybox ? `nc: bad address '${host}'` : `nc: getaddrinfo for host "${host}" port ${port}: Name or service not known`, 1);
    const ip = formatIp4(r.client.remote!.ip);
    const named = parseIp4(host) === undefined;
    if (r.client.connectedAt !== undefined) {
      ok = true;
      if (verbose) err += busybox ? `${host} (${ip}:${port}) open\n` : `Connection to ${host}${named ? ` (${ip})` : ""} ${port} port [tcp/${rhel7ServiceName(port, "tcp") ?? "*"}] succeeded!\n`;
      if (busybox && verbose > 1) err += "sent 0, rcvd 0\n";
      continue;
    }
    const timedOut = r.client.error === undefined || r.client.error === "ETIMEDOUT";
    if (busybox) {
      // busybox keeps quiet about a refusal at one -v.
      if (verbose > 1 || (verbose === 1 && r.client.error !== "ECONNREFUSED")) err += `nc: ${host} (${ip}:${port}): ${errnoText(timedOut ? "ETIMEDOUT" : r.client.error)}\n`;
      if (verbose > 1) err += "sent 0, rcvd 0\n";
    } else if (verbose) {
      err += wait !== undefined && timedOut ? `nc: connect to ${ip} port ${port} (tcp) timed out: Operation now in progress\n` : `nc: connect to ${ip} port ${port} (tcp) failed: ${errnoText(r.client.error)}\n`;
    }
  }
  return { stdout: "", stderr: err, code: ok ? 0 : 1 };
};
