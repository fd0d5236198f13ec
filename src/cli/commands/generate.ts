// `k8s-nettrace generate [--size S|M|L] [--nodes N] [--pods-per-node P]
// [--services S] [--endpoints E] [--format yaml|json] [-o FILE]`: write a
// synthetic cluster description of a given size, the same every time.

import { extname, resolve } from "node:path";
import { type Format, writeDescription } from "../../generate/write.js";
import { describe } from "../../generate/plan.js";
import { type Shape, SIZES, checkShape } from "../../generate/shape.js";
import { MAX_FILE_BYTES } from "../../load/source.js";
import type { Context } from "../context.js";
import { ExitError, usage } from "../errors.js";

export interface GenerateOptions {
  size?: string;
  nodes?: string;
  podsPerNode?: string;
  services?: string;
  endpoints?: string;
  format?: string;
  output?: string;
}

const FIELDS = [
  ["nodes", "--nodes"],
  ["podsPerNode", "--pods-per-node"],
  ["services", "--services"],
  ["endpoints", "--endpoints"],
] as const;

export function generateCommand(ctx: Context, opts: GenerateOptions): void {
  const shape = shapeOf(opts);
  const format = formatOf(opts);
  const problems = checkShape(shape);
  if (problems.length > 0) throw new ExitError(2, "", problems);
  const text = writeDescription(describe(shape), format).join("");
  if (opts.output === undefined || opts.output === "-") {
    ctx.stdout.write(text);
  } else {
    try {
      ctx.writeFile(resolve(ctx.cwd, opts.output), text);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why = code === "ENOENT" ? "its directory does not exist" : code === "EACCES" ? "permission denied" : code === "EISDIR" ? "it is a directory" : (error as Error).message;
      throw usage(`cannot write ${opts.output}: ${why}`);
    }
    const pods = shape.nodes * shape.podsPerNode;
    ctx.stderr.write(`wrote ${opts.output}: ${shape.nodes} nodes, ${pods} pods, ${shape.services} services × ${shape.endpoints} endpoints (${format.toUpperCase()}, ${(text.length / 1048576).toFixed(1)} MB)\n`);
  }
  if (text.length > MAX_FILE_BYTES) {
    ctx.stderr.write(`k8s-nettrace: warning: ${(text.length / 1048576).toFixed(1)} MB is more than the ${MAX_FILE_BYTES / 1048576} MB the other commands read\n`);
  }
}

/** --size gives all four numbers; each explicit flag overrides one. Without --size all four are needed. */
function shapeOf(opts: GenerateOptions): Shape {
  let base: Shape | undefined;
  if (opts.size !== undefined) {
    base = SIZES[opts.size.toUpperCase() as keyof typeof SIZES];
    if (!base) throw usage(`--size ${opts.size}: the size must be S, M or L`, sizesHint());
  }
  // Every problem with the flags at once, as the loader reports every problem with a file.
  const problems: ExitError[] = [];
  const missing = FIELDS.filter(([key]) => opts[key] === undefined && !base).map(([, flag]) => flag);
  if (missing.length > 0) problems.push(usage(`generate needs ${missing.join(", ")} (or --size S|M|L)`, sizesHint()));
  const shape = { ...base } as Shape;
  for (const [key, flag] of FIELDS) {
    const text = opts[key];
    if (text === undefined) continue;
    if (!/^[0-9]+$/.test(text)) problems.push(usage(`${flag} ${text}: must be a whole number`));
    shape[key] = Number(text);
  }
  if (problems.length > 0) throw new ExitError(2, "", problems.flatMap((p) => p.diagnostics));
  return shape;
}

function sizesHint(): string {
  return Object.entries(SIZES)
    .map(([name, s]) => `${name}: ${s.nodes} nodes × ${s.podsPerNode} pods, ${s.services} services × ${s.endpoints} endpoints`)
    .join("; ");
}

/** --format wins; otherwise `-o x.json` means JSON; YAML by default. */
function formatOf(opts: GenerateOptions): Format {
  if (opts.format !== undefined) {
    if (opts.format !== "yaml" && opts.format !== "json") throw usage(`--format ${opts.format}: the format must be yaml or json`);
    return opts.format;
  }
  return opts.output !== undefined && extname(opts.output).toLowerCase() === ".json" ? "json" : "yaml";
}
