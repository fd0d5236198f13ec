// --all-paths: instead of one seeded coin per `-m statistic --mode random`
// rule, explore every sequence of outcomes (depth first, "match" before "no
// match"), each path with the probability of its choices.

import type { World } from "../model/kernel.js";
import { MAX_PATHS } from "../model/trace.js";
import { type FlowInput, type FlowResult, runFlow } from "./flow.js";
import type { Chooser } from "./network.js";

class ScriptedChooser implements Chooser {
  readonly made: { choice: boolean; probability: number }[] = [];
  constructor(private readonly script: boolean[]) {}
  decide(probability: number): boolean {
    const i = this.made.length;
    // Outcomes that cannot happen (p = 0 or 1) are not branches.
    const choice = probability >= 1 ? true : probability <= 0 ? false : (this.script[i] ?? true);
    this.made.push({ choice, probability });
    return choice;
  }
}

export interface PathResult {
  probability: number;
  result: FlowResult;
}

export function allPaths(world: World, input: FlowInput, seed: number): { paths: PathResult[]; truncated: boolean } {
  const paths: PathResult[] = [];
  let script: boolean[] | undefined = [];
  while (script && paths.length < MAX_PATHS) {
    const chooser = new ScriptedChooser(script);
    const result = runFlow(world, input, { seed, chooser });
    const probability = chooser.made.reduce((p, m) => p * (m.choice ? m.probability : 1 - m.probability), 1);
    paths.push({ probability, result });
    script = nextScript(chooser.made);
  }
  return { paths, truncated: script !== undefined };
}

/** The next unexplored branch: flip the last "match" that could have gone the other way. */
function nextScript(made: { choice: boolean; probability: number }[]): boolean[] | undefined {
  for (let i = made.length - 1; i >= 0; i--) {
    const m = made[i]!;
    if (m.choice && m.probability < 1) return [...made.slice(0, i).map((x) => x.choice), false];
  }
  return undefined;
}
