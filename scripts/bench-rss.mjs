// Preloaded into every process the benchmark times (node --import): writes the
// process's peak resident set size, getrusage's ru_maxrss in KiB, and its CPU
// time (user + system, every thread: V8 compiles and collects on helper
// threads) to $BENCH_RSS_FILE when the process exits, as "maxRSS cpuMs".
import { writeFileSync } from "node:fs";

const file = process.env.BENCH_RSS_FILE;
if (file) {
  process.on("exit", () => {
    const u = process.resourceUsage();
    writeFileSync(file, `${u.maxRSS} ${Math.round((u.userCPUTime + u.systemCPUTime) / 1000)}`);
  });
}
