// A generated description as text: YAML (flow mappings, one object per line)
// or JSON (one object per line). One object per line keeps the files diffable
// and lets a diagnostic's line number name the object.

import type { Description, Entity, Value } from "./plan.js";

export type Format = "yaml" | "json";

const LISTS = ["nodes", "pods", "services"] as const;

/** The whole description as a list of text pieces (joined by the caller, or written one by one). */
export function writeDescription(d: Description, format: Format): string[] {
  return format === "json" ? writeJson(d) : writeYaml(d);
}

function writeJson(d: Description): string[] {
  const out: string[] = ["{\n"];
  for (const [key, value] of Object.entries(d.head)) out.push(`  ${JSON.stringify(key)}: ${JSON.stringify(value)},\n`);
  LISTS.forEach((list, i) => {
    out.push(`  ${JSON.stringify(list)}: [\n`);
    let first = true;
    for (const item of d[list]()) {
      out.push(first ? "    " : ",\n    ", JSON.stringify(item));
      first = false;
    }
    out.push(first ? "  ]" : "\n  ]", i < LISTS.length - 1 ? ",\n" : "\n");
  });
  out.push("}\n");
  return out;
}

function writeYaml(d: Description): string[] {
  const out: string[] = [`# ${d.command}\n`];
  for (const [key, value] of Object.entries(d.head)) out.push(`${key}: ${yamlValue(value)}\n`);
  for (const list of LISTS) {
    out.push(`${list}:\n`);
    let empty = true;
    for (const item of d[list]()) {
      out.push("  - ", yamlValue(item), "\n");
      empty = false;
    }
    if (empty) out[out.length - 1] = `${list}: []\n`;
  }
  return out;
}

/** A value in YAML flow style; strings stay plain only when YAML would read them back as the same string. */
function yamlValue(v: Value): string {
  if (v === null) return "null";
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (typeof v === "string") return plainSafe(v) ? v : JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(yamlValue).join(", ")}]`;
  return `{${Object.entries(v as Entity).map(([k, x]) => `${plainSafe(k) ? k : JSON.stringify(k)}: ${yamlValue(x)}`).join(", ")}}`;
}

/**
 * Letters, digits and `-./` only, and not text YAML 1.1/1.2 resolves to another type: a number
 * (`1.28`), a date, or a word such as `null`, `true` or `no`. JSON's double-quoted strings are
 * valid YAML for everything else.
 */
function plainSafe(s: string): boolean {
  if (!/^[A-Za-z0-9][A-Za-z0-9./-]*$/.test(s)) return false;
  if (/^[-+]?[0-9_]*\.?[0-9_]*([eE][-+]?[0-9]+)?$/.test(s) || /^0[xob]/i.test(s) || /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}/.test(s)) return false;
  return !/^(null|Null|NULL|true|True|TRUE|false|False|FALSE|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF|y|Y|n|N)$/.test(s);
}
