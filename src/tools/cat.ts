// cat FILE...: the files the compiler knows for this namespace.

import { fail, ok, type Tool } from "./tool.js";

export const cat: Tool = (argv, { ns }) => {
  if (argv.length === 0) return fail("cat: reading standard input is not supported here; give a file", 2);
  let out = "";
  for (const path of argv) {
    const file = ns.files.get(path);
    if (!file) {
      const known = [...ns.files.keys()].join(", ");
      return { stdout: out, stderr: `cat: ${path}: No such file or directory\nk8s-nettrace: the files simulated in ${ns.id} are ${known}\n`, code: 1 };
    }
    out += file();
  }
  return ok(out);
};
