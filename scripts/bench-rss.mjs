// Preloaded into every process the benchmark times (node --import): writes the
// process's peak resident set size, getrusage's ru_maxrss in KiB
// (process.resourceUsage().maxRSS), to $BENCH_RSS_FILE when the process exits.
import { writeFileSync } from "node:fs";

const file = process.env.BENCH_RSS_FILE;
if (file) process.on("exit", () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
