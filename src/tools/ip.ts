// `ip` (iproute2 6.1): objects and commands may be abbreviated as iproute2
// allows (`ip a`, `ip ro`, `ip n`); unknown ones get iproute2's own messages.

import { DeviceNotFoundError, ipAddr, ipLink, ipNeigh, ipRoute } from "../render/iproute2.js";
import { fail, ok, type Tool } from "./tool.js";

/** iproute2 matches() : the word must be a prefix of the keyword. */
function is(word: string | undefined, keyword: string, min = 1): boolean {
  return word !== undefined && word.length >= min && keyword.startsWith(word);
}

export const ipTool: Tool = (argv, env) => {
  const ns = env.ns;
  const args = [...argv];
  let family4 = false;
  while (args[0]?.startsWith("-")) {
    const flag = args.shift()!;
    if (flag === "-4") family4 = true;
    else return fail(`Option "${flag}" is unknown, try "ip -help".`, 255);
  }
  const object = args.shift();
  if (object === undefined) return fail("Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }\nwhere  OBJECT := { address | link | neighbour | route }", 255);
  const rest = args[0] === undefined || is(args[0], "show") || is(args[0], "list") ? args.slice(1) : undefined;
  if (rest === undefined) return fail(`Command "${args[0]}" is unknown, try "ip ${object} help".`, 255);
  try {
    const busybox = env.flavour === "busybox";
    if (is(object, "address")) return ok(ipAddr(ns, { ...devArg(rest), ...(family4 ? { family4Only: true } : {}), busybox }));
    if (is(object, "link")) return ok(ipLink(ns, { ...devArg(rest), busybox }));
    if (is(object, "route")) return route(rest, ns, { legacy: env.era === "legacy", busybox });
    if (is(object, "neighbour") || is(object, "neighbor")) return ok(ipNeigh(ns, { busybox }));
  } catch (error) {
    if (error instanceof DeviceNotFoundError) return { stdout: "", stderr: error.stderr, code: error.code };
    throw error;
  }
  return fail(`Object "${object}" is unknown, try "ip help".`, 1);
};

function devArg(rest: string[]): { dev?: string } {
  const name = rest[0] === "dev" ? rest[1] : rest[0];
  return name ? { dev: name } : {};
}

function route(rest: string[], ns: Parameters<Tool>[1]["ns"], style: { legacy: boolean; busybox: boolean }) {
  if (rest.length === 0) return ok(ipRoute(ns, style));
  if (rest[0] === "table" && (rest[1] === "main" || rest[1] === "local")) return ok(ipRoute(ns, { table: rest[1], ...style }));
  return fail(`k8s-nettrace: ip route supports "show" and "show table main|local" (got "${rest.join(" ")}")`, 2);
}
