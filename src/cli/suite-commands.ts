// The flags and help of check, reach and diff. Their work is in commands/,
// imported only when one of them runs (see main.ts): a command's definition
// must be at hand for every run, for --help and for routing, its
// implementation only for its own.

import type { Command, Option } from "commander";
import { MAX_PATHS } from "../model/trace.js";
import type { CheckOptions } from "./commands/check.js";
import type { DiffOptions } from "./commands/diff.js";
import type { ReachOptions } from "./commands/reach.js";

const CHECK_HELP = `
Expectations file (YAML or JSON):
  apiVersion: k8s-nettrace/v1
  kind: Expectations
  defaults: {protocol: tcp}                # protocol, expect, sourceSeenByBackend
  checks:
    - name: client reaches web through its service
      from: default/client                 # any SRC trace accepts
      to: web.default:80                   # any DST[:PORT] trace accepts
      expect: delivered                    # delivered|refused|rejected|dropped|timeout|no-route, or a list
      backend: [default/web-1, default/web-2]  # optional: allowed backends (pods, nodes, hosts, IP[:PORT])
      sourceSeenByBackend: preserved       # optional: preserved | snat | an IP
      via: [node-b/flannel.1]              # optional: NODE/IFACE or NAMESPACE/POD/IFACE that must see the flow
      notVia: [node-a/eth0]                # optional: ... that must not

Every check runs on every path the random load balancing (-m statistic) can take, for the DNS
lookup and the connection alike; it passes only if all of them pass. The lookup's and the
connection's choices are separate conntrack entries, so each lookup choice is run with the first
backend and each backend behind the first lookup choice (15 CoreDNS replicas x 15 endpoints: 225
paths, 29 runs); a lookup choice that behaves differently gets every backend run too. A check that
needs more runs than --max-paths fails (not every path was checked). Capture points count the
connection's IP packets from its first packet until the client has its answer (not the DNS lookup
before it, not ARP, not the teardown after it).

On four cores or more a large suite is spread over them (K8S_NETTRACE_THREADS=N sets the number of
threads, 1 keeps one); the report does not depend on how many.

The time column is simulated time: how long the client waited for its verdict on the slowest path
(a dropped SYN is ~127 s, as for a real curl), so reports are byte-identical run to run.

Examples:
  k8s-nettrace check fixtures/checks/lab.expect.yaml
  k8s-nettrace check net.expect.yaml -f cluster.yaml -o junit --output-file report.xml

Exit status: 0 every check passed, 1 a check failed, 2 invalid input (nothing was checked).
`;

export function defineCheck(command: Command, fileOption: Option, act: (files: string[], opts: CheckOptions) => Promise<void>): Command {
  return command
    .description("run network smoke tests (an Expectations file) against a cluster description, for CI")
    .argument("<expectations...>", "expectations files (kind: Expectations)")
    .addOption(fileOption)
    .option("-o, --output <FORMAT>", "text, json, junit or tap", "text")
    .option("--output-file <FILE>", "write the report to FILE (whole or not at all); stdout still gets the text report")
    .option("--seed <N>", "seed for ports and sequence numbers (load balancing is enumerated, not drawn)", "1")
    .option("--max-paths <N>", "simulate at most N runs per check (load-balancing paths; see below)", String(MAX_PATHS))
    .option("--traces <WHICH>", "-o json: the full Trace of all paths, or only of failing ones (large suites)", "all")
    .addHelpText("after", CHECK_HELP)
    .action((files: string[], opts: CheckOptions) => act(files, opts));
}

const REACH_HELP = `
Selectors (--from and --to may be repeated; a place any of them picks is in):
  [KIND:]PATTERN    KIND is pod, svc, node or ext (external host); --from defaults to pod, --to to svc
  default/*         NAMESPACE/NAME with * and ? globs (pods and services)
  web-*             a NAME glob: pods and services in any namespace, nodes, external hosts
  app=web,tier!=db  a label selector as kubectl -l takes it (=, !=, 'in (a,b)', 'notin (a,b)', key, !key;
                    a comma means "and"): pods by their labels, services by their selector
Without --from: every pod. Without --to: every service the description lists (default/kubernetes
only when asked for by name). Columns are each destination port (-p keeps one); a node without -p
gets every NodePort.

Each cell is the verdict on every load-balancing path; paths that disagree show each verdict with
its share (delivered 50%|refused 50%); n/a is a flow that cannot be made (the reason follows).

Examples:
  k8s-nettrace reach
  k8s-nettrace reach --from 'default/*' --to svc:app=web -p 80
  k8s-nettrace reach --from ext:laptop --to node:node-a -p 30080 -o csv

Exit status: 0 the matrix was printed, 2 invalid input.
`;

export function defineReach(command: Command, fileOption: Option, act: (opts: ReachOptions) => void): Command {
  const collect = (value: string, previous: string[]) => [...previous, value];
  return command
    .description("print the reachability matrix between pods, services, nodes and external hosts")
    .addOption(fileOption)
    .option("--from <SELECTOR>", "sources (repeatable) [default: every pod]", collect, [])
    .option("--to <SELECTOR>", "destinations (repeatable) [default: every service]", collect, [])
    .option("-p, --port <PORT>", "only this destination port")
    .option("-o, --output <FORMAT>", "table, json or csv", "table")
    .option("--seed <N>", "seed for ports and sequence numbers", "1")
    .option("--max-paths <N>", "simulate at most N runs per cell", String(MAX_PATHS))
    .addHelpText("after", REACH_HELP)
    .action((opts: ReachOptions) => act(opts));
}

const DIFF_HELP = `
OLD and NEW are cluster descriptions (files, or example:NAME). For each flow, both are simulated on
every load-balancing path and compared: the verdicts, the backends, the address translations (DNAT,
MASQUERADE; random source ports ignored), the interfaces the first packet crossed, and the iptables
rules that differ in the chains the flow walked on its nodes (in either description).

Flows: --flows FILE takes the from/to/protocol of each check in an Expectations file (what it expects
is ignored); --all (the default) is every pod to every service port and every external host to
every NodePort on every node, in either description (for small clusters).

Examples:
  k8s-nettrace diff cluster.yaml cluster-pr.yaml
  k8s-nettrace diff main.yaml pr.yaml --flows net.expect.yaml

Exit status: 0 no flow changed, 1 a flow changed, 2 invalid input.
`;

export function defineDiff(command: Command, act: (before: string, after: string, opts: DiffOptions) => void): Command {
  return command
    .description("show what changes for each flow between two cluster descriptions")
    .argument("<old>", "the cluster description before (file or example:NAME)")
    .argument("<new>", "the cluster description after")
    .option("--flows <FILE>", "the flows of an Expectations file's checks")
    .option("--all", "every pod to every service port, every external host to every NodePort [default]")
    .option("-o, --output <FORMAT>", "text or json", "text")
    .option("--seed <N>", "seed for ports and sequence numbers", "1")
    .option("--max-paths <N>", "simulate at most N runs per flow and side", String(MAX_PATHS))
    .addHelpText("after", DIFF_HELP)
    .action((before: string, after: string, opts: DiffOptions) => act(before, after, opts));
}
