// kubectl's command line as people type it: flags before or after the verb,
// `-n ns`, `--namespace=ns`, `-owide`, `-l app=web`, `-it`, and `--` before
// an exec'd command. Label selectors as labels.Parse reads them.

export interface KubectlArgs {
  positional: string[];
  namespace?: string;
  allNamespaces: boolean;
  output?: string;
  selector?: string;
  showLabels: boolean;
  noHeaders: boolean;
  container?: string;
  stdin: boolean;
  tty: boolean;
  /** Everything after `--`. */
  command?: string[];
}

const WITH_VALUE: Record<string, keyof KubectlArgs> = {
  "-n": "namespace", "--namespace": "namespace",
  "-o": "output", "--output": "output",
  "-l": "selector", "--selector": "selector",
  "-c": "container", "--container": "container",
};

export function parseKubectl(argv: string[]): KubectlArgs | string {
  const a: KubectlArgs = { positional: [], allNamespaces: false, showLabels: false, noHeaders: false, stdin: false, tty: false };
  const set = (key: keyof KubectlArgs, value: string) => void ((a as unknown as Record<string, string>)[key] = value);
  for (let i = 0; i < argv.length; i++) {
    const w = argv[i]!;
    if (w === "--") {
      a.command = argv.slice(i + 1);
      break;
    }
    const eq = /^(--[a-z-]+)=(.*)$/.exec(w);
    if (eq && WITH_VALUE[eq[1]!]) {
      set(WITH_VALUE[eq[1]!]!, eq[2]!);
      continue;
    }
    if (WITH_VALUE[w]) {
      const v = argv[++i];
      if (v === undefined) return `error: flag needs an argument: '${w.replace(/^-+/, "")}' in ${w}`;
      set(WITH_VALUE[w]!, v);
      continue;
    }
    const glued = /^-([nolc])(.+)$/.exec(w);
    if (glued && !/^-(it|ti)$/.test(w)) {
      set(WITH_VALUE[`-${glued[1]}`]!, glued[2]!);
      continue;
    }
    if (w === "-A" || w === "--all-namespaces" || w === "--all-namespaces=true") a.allNamespaces = true;
    else if (w === "--show-labels") a.showLabels = true;
    else if (w === "--no-headers") a.noHeaders = true;
    else if (w === "--stdin") a.stdin = true;
    else if (w === "--tty") a.tty = true;
    else if (/^-[it]+$/.test(w)) {
      if (w.includes("i")) a.stdin = true;
      if (w.includes("t")) a.tty = true;
    } else if (w.startsWith("-")) return `error: unknown flag: ${w}\nSee 'kubectl --help' for usage.`;
    else a.positional.push(w);
  }
  return a;
}

export interface Requirement {
  key: string;
  op: "=" | "!=" | "in" | "notin" | "exists" | "!exists";
  values: string[];
}

/** labels.Parse: comma-separated requirements; commas inside (…) belong to a set. */
export function parseSelector(text: string): Requirement[] | string {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of text) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      parts.push(current);
      current = "";
    } else current += ch;
  }
  parts.push(current);
  const out: Requirement[] = [];
  for (const raw of parts) {
    const p = raw.trim();
    let m: RegExpExecArray | null;
    if ((m = /^([\w./-]+)\s*(==|=|!=)\s*([\w.-]*)$/.exec(p))) out.push({ key: m[1]!, op: m[2] === "!=" ? "!=" : "=", values: [m[3]!] });
    else if ((m = /^([\w./-]+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(p))) out.push({ key: m[1]!, op: m[2] as "in" | "notin", values: m[3]!.split(",").map((v) => v.trim()) });
    else if ((m = /^!([\w./-]+)$/.exec(p))) out.push({ key: m[1]!, op: "!exists", values: [] });
    else if ((m = /^([\w./-]+)$/.exec(p))) out.push({ key: m[1]!, op: "exists", values: [] });
    else return `error: unable to parse requirement: found '${p}', expected: '=', '!=', '==', 'in', notin'`;
  }
  return out;
}

export function selects(reqs: Requirement[], labels: Record<string, string>): boolean {
  return reqs.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(labels, r.key);
    const v = labels[r.key];
    switch (r.op) {
      case "=":
        return has && v === r.values[0];
      case "!=":
        return !has || v !== r.values[0];
      case "in":
        return has && r.values.includes(v!);
      case "notin":
        return !has || !r.values.includes(v!);
      case "exists":
        return has;
      case "!exists":
        return !has;
    }
  });
}
