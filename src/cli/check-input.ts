// Expectations files in, checks resolved against the cluster out. Every name
// a check uses (from, to, backend, via, notVia) is resolved with the same
// resolvers `trace` and `exec` use; a name that resolves to nothing is a
// diagnostic pointing at that value in the expectations file (exit 2), and
// all of them are reported in one run.

import { resolve } from "node:path";
import { type ExpectationsFile, readExpectations, type Written } from "../check/expectations.js";
import type { BackendSpec, PointSpec, ResolvedCheck, SourceSpec } from "../check/judge.js";
import { closest } from "../load/check.js";
import { podByKey } from "../load/cluster-index.js";
import { parseIp4 } from "../model/addr.js";
import type { Cluster } from "../model/cluster.js";
import type { Diagnostic } from "../model/diagnostics.js";
import type { World } from "../model/kernel.js";
import type { Context } from "./context.js";
import { ExitError, usage } from "./errors.js";
import { type FlowPlan, planFlow } from "./flow-plan.js";
import { resolveSource } from "./flow-target.js";
import { resolveTarget } from "./targets.js";

export interface PlannedCheck {
  file: ExpectationsFile;
  resolved: ResolvedCheck;
  plan: FlowPlan;
}

/** Reads every file; returns the files and every problem found in any of them. */
export function readExpectationFiles(ctx: Context, names: readonly string[]): { files: ExpectationsFile[]; diagnostics: Diagnostic[] } {
  const files: ExpectationsFile[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const name of names) {
    const path = resolve(ctx.cwd, name);
    let bytes: Uint8Array;
    try {
      bytes = ctx.readFile(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : code === "EACCES" ? "permission denied" : (error as Error).message;
      diagnostics.push({ severity: "error", code: "unreadable-file", message: `cannot read ${name}: ${why}`, location: { file: name, line: 0, col: 0 }, hint: "give one or more expectations files (kind: Expectations); the cluster description goes with -f" });
      continue;
    }
    const r = readExpectations(name, bytes);
    diagnostics.push(...r.diagnostics);
    if (r.file) files.push(r.file);
  }
  return { files, diagnostics };
}

/** Resolves every check of every file; throws ExitError(2) with all problems if any name is unknown. */
export function planChecks(cluster: Cluster, world: World, files: readonly ExpectationsFile[]): PlannedCheck[] {
  const problems: Diagnostic[] = [];
  const planned: PlannedCheck[] = [];
  for (const file of files) {
    const at = (w: Written, code: string) => (error: unknown) => problems.push(locate(file, w, code, error));
    for (const check of file.checks) {
      let ok = attempt(() => resolveSource(cluster, check.from.text), at(check.from, "unknown-source")) !== undefined;
      const plan = ok ? attempt(() => planFlow(cluster, check.from.text, check.to.text, check.protocol ? { protocol: check.protocol } : {}), at(check.to, "unknown-destination")) : undefined;
      const backends = check.backend?.map((b) => attempt(() => resolveBackend(cluster, b.text), at(b, "unknown-backend")));
      const via = check.via.map((p) => attempt(() => resolvePoint(cluster, world, p.text), at(p, "unknown-capture-point")));
      const notVia = check.notVia.map((p) => attempt(() => resolvePoint(cluster, world, p.text), at(p, "unknown-capture-point")));
      const source = check.sourceSeenByBackend ? sourceSpec(check.sourceSeenByBackend.text) : undefined;
      ok = ok && plan !== undefined && !backends?.includes(undefined) && !via.includes(undefined) && !notVia.includes(undefined);
      if (!ok) continue;
      planned.push({
        file,
        plan: plan!,
        resolved: { check, ...(backends ? { backends: backends as BackendSpec[] } : {}), ...(source ? { source } : {}), via: via as PointSpec[], notVia: notVia as PointSpec[] },
      });
    }
  }
  if (problems.length) throw new ExitError(2, "", problems);
  return planned;
}

function attempt<T>(run: () => T, onError: (error: unknown) => void): T | undefined {
  try {
    return run();
  } catch (error) {
    if (!(error instanceof ExitError)) throw error;
    onError(error);
    return undefined;
  }
}

/** A resolver's usage error, moved to the value in the expectations file that caused it. */
function locate(file: ExpectationsFile, w: Written, code: string, error: unknown): Diagnostic {
  const d = (error as ExitError).diagnostics[0];
  const location = file.source.locate(w.at, "value") ?? { file: file.name, line: 0, col: 0 };
  const line = file.source.lineText(location.line);
  return { severity: "error", code, message: d?.message ?? (error as Error).message, location, ...(line !== undefined ? { sourceLine: line } : {}), ...(d?.hint ? { hint: d.hint } : {}) };
}

function sourceSpec(text: string): SourceSpec {
  if (text === "preserved" || text === "snat") return { kind: text };
  return { kind: "ip", ip: parseIp4(text)! };
}

/** A pod, node or external host by name, or an address with an optional port. */
function resolveBackend(cluster: Cluster, text: string): BackendSpec {
  const m = /^(\d+\.\d+\.\d+\.\d+)(?::(\d+))?$/.exec(text);
  if (m) {
    const ip = parseIp4(m[1]!);
    if (ip === undefined) throw usage(`"${m[1]}" is not an IPv4 address`);
    return { text, ip, ...(m[2] ? { port: Number(m[2]) } : {}) };
  }
  return { text, netns: placeNetns(cluster, text) };
}

/** The namespace a place's traffic runs in: a host-network pod is its node. */
function placeNetns(cluster: Cluster, text: string): string {
  const t = resolveTarget(cluster, text);
  if (t.kind !== "pod") return t.id;
  const pod = podByKey(cluster, t.id)!;
  return pod.hostNetwork ? pod.node : t.id;
}

/** `NODE/IFACE`, `NAMESPACE/POD/IFACE` or `EXTERNAL/IFACE`; the interface must exist there. */
function resolvePoint(cluster: Cluster, world: World, text: string): PointSpec {
  const slash = text.lastIndexOf("/");
  if (slash <= 0 || slash === text.length - 1) throw usage(`"${text}" is not a capture point`, "write NODE/IFACE (node-b/flannel.1) or NAMESPACE/POD/IFACE (default/client/eth0)");
  const place = text.slice(0, slash);
  const dev = text.slice(slash + 1);
  const netns = placeNetns(cluster, place);
  const links = world.netns(netns)?.links.map((l) => l.name) ?? [];
  if (!links.includes(dev)) {
    const guess = closest(dev, links);
    throw usage(`${place} has no interface ${dev}`, guess ? `did you mean "${place}/${guess}"?` : `its interfaces: ${links.join(", ")}`);
  }
  return { text, netns, dev };
}
