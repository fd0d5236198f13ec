// bridge, route, ifconfig, brctl, ipvsadm, ipset: the other
// inspection tools people run on nodes, each with the options they use.

import { DeviceNotFoundError, bridgeFdb, bridgeLink } from "../render/iproute2.js";
import { formatIp4 } from "../model/addr.js";
import { counterKey, ipsetList, ipvsadmLn, ipvsadmLnc } from "../render/ipvs.js";
import { ipvsStateName } from "../simulate/ipvs.js";
import { brctlShow, routeN } from "../render/nettools.js";
import { ifconfig } from "../render/nettools-ifconfig.js";
import { busyboxIfconfig, busyboxRoute } from "../render/busybox-net.js";
import { fail, ok, type Tool } from "./tool.js";

export const bridgeTool: Tool = (argv, { ns }) => {
  const [object, command] = argv;
  if (command !== undefined && !"show".startsWith(command)) return fail(`Command "${command}" is unknown, try "bridge ${object} help".`, 255);
  if (object && "fdb".startsWith(object)) return ok(bridgeFdb(ns));
  if (object && "link".startsWith(object)) return ok(bridgeLink(ns));
  return fail(object ? `Object "${object}" is unknown, try "bridge help".` : "Usage: bridge [ OPTIONS ] OBJECT { COMMAND | help }\nwhere  OBJECT := { link | fdb | mdb | vlan | vni | monitor }", object ? 1 : 255);
};

export const routeTool: Tool = (argv, { ns, flavour }) => {
  if (flavour === "busybox" && (argv.length === 0 || (argv.length === 1 && argv[0] === "-n"))) return ok(busyboxRoute(ns, argv[0] === "-n"));
  if (argv.length === 1 && (argv[0] === "-n" || argv[0] === "-en" || argv[0] === "-ne")) return ok(routeN(ns));
  return fail("k8s-nettrace: route is supported as `route -n` (without -n it looks names up in DNS)", 2);
};

export const ifconfigTool: Tool = (argv, { ns, live, flavour }) => {
  const all = argv[0] === "-a";
  const dev = all ? argv[1] : argv[0];
  const counters = (l: { name: string }) => live.linkCounters(ns.id, l.name);
  try {
    if (flavour === "busybox") return ok(busyboxIfconfig(ns, dev, { all, counters }));
    return ok(ifconfig(ns, dev, { all, counters }));
  } catch (error) {
    if (error instanceof DeviceNotFoundError) return { stdout: "", stderr: error.stderr, code: error.code };
    throw error;
  }
};

export const brctlTool: Tool = (argv, { ns }) => {
  if (argv[0] === "show" && argv.length === 1) return ok(brctlShow(ns));
  return fail("k8s-nettrace: brctl is supported as `brctl show`", 2);
};

export const ipvsadmTool: Tool = (argv, { ns, live }) => {
  const letters = argv.map((a) => (a === "--connection" ? "c" : a === "--list" ? "L" : a === "--numeric" ? "n" : a.startsWith("-") && !a.startsWith("--") ? a.slice(1) : "?")).join("");
  const set = new Set(letters);
  if (!/^[Llnc]+$/.test(letters) || !(set.has("L") || set.has("l")) || !set.has("n")) {
    return fail("k8s-nettrace: ipvsadm is supported as `ipvsadm -Ln` and `ipvsadm -Lnc` (numeric: without -n it looks names up)", 2);
  }
  const now = live.now();
  const conns = ns.kind === "node" ? (live.ipvs(ns.id)?.live(now) ?? []) : [];
  if (set.has("c")) {
    return ok(ipvsadmLnc(conns.map((c) => ({
      proto: c.proto === "tcp" ? "TCP" : "UDP",
      client: `${formatIp4(c.caddr)}:${c.cport}`,
      virtual: `${formatIp4(c.vaddr)}:${c.vport}`,
      destination: `${formatIp4(c.daddr)}:${c.dport}`,
      state: ipvsStateName(c),
      expires: Math.floor((c.expires - now) / 1_000_000),
    }))));
  }
  const counters = new Map<string, { active: number; inactive: number }>();
  for (const c of conns) {
    const key = counterKey(c.proto, c.vaddr, c.vport, c.daddr, c.dport);
    const n = counters.get(key) ?? { active: 0, inactive: 0 };
    if (c.inactive) n.inactive++;
    else n.active++;
    counters.set(key, n);
  }
  return ok(ipvsadmLn(ns.ipvs(), counters));
};

export const ipsetTool: Tool = (argv, { ns }) => {
  if (argv[0] !== "list" && argv[0] !== "-L" && argv[0] !== "-list") return fail("k8s-nettrace: ipset is supported as `ipset list [NAME]`", 2);
  const name = argv[1];
  const sets = ns.ipsets();
  if (name && !sets.some((s) => s.name === name)) return fail(`ipset v7.17: The set with the given name does not exist`, 1);
  return ok(ipsetList(sets, { ...(name ? { name } : {}), tables: ns.tables() }));
};
