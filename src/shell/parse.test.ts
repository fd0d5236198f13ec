import { test } from "node:test";
import assert from "node:assert/strict";
import { expandWords, parseLine, ParseError, type Pipeline } from "./parse.js";

const words = (line: string, vars = new Map<string, string>(), sub = (c: string) => `<${c}>`) => {
  const item = parseLine(line).items[0]!.item as Pipeline;
  return item.commands.map((c) => expandWords(c.words, vars, sub));
};

test("quoting: single quotes literal, double quotes expand, backslash escapes", () => {
  assert.deepEqual(words(`tcpdump -i flannel.1 'host 172.30.83.0 and tcp'`), [["tcpdump", "-i", "flannel.1", "host 172.30.83.0 and tcp"]]);
  assert.deepEqual(words(`echo "a $X b" '$X' \\$X`, new Map([["X", "1 2"]])), [["echo", "a 1 2 b", "$X", "$X"]]);
  assert.deepEqual(words(`grep -E "^(tcp|udp) "`), [["grep", "-E", "^(tcp|udp) "]]);
});

test("unquoted expansions split on whitespace; quoted ones do not", () => {
  const vars = new Map([["IDS", "a b  c"]]);
  assert.deepEqual(words("echo $IDS", vars), [["echo", "a", "b", "c"]]);
  assert.deepEqual(words(`echo "$IDS"`, vars), [["echo", "a b  c"]]);
  assert.deepEqual(words("echo x$(ps)y", vars, () => "1\n2\n"), [["echo", "x1", "2y"]]);
});

test("pipelines, lists, and the redirections to /dev/null", () => {
  const list = parseLine("iptables-save | grep 10.96 | wc -l && echo ok || echo no; ip r 2>/dev/null >/dev/null");
  assert.deepEqual(list.items.map((i) => i.after), [";", "&&", "||", ";"]);
  const first = list.items[0]!.item as Pipeline;
  assert.equal(first.commands.length, 3);
  const last = list.items[3]!.item as Pipeline;
  assert.equal(last.commands[0]!.discardStderr, true);
  assert.equal(last.commands[0]!.discardStdout, true);
  const both = parseLine("curl -v web 2>&1 | grep '<'").items[0]!.item as Pipeline;
  assert.equal(both.commands[0]!.stderrToStdout, true);
});

test("for loops with $(…) in the list, as seed 000's investigation types them", () => {
  const list = parseLine("for id in $(docker ps -q) ; do echo $id; docker exec $id ip a ; echo \"\" ; done");
  const loop = list.items[0]!.item;
  assert.equal(loop.kind, "for");
  if (loop.kind !== "for") return;
  assert.equal(loop.variable, "id");
  assert.equal(loop.body.items.length, 3);
  assert.deepEqual(expandWords(loop.values, new Map(), () => "aaa\nbbb\n"), ["aaa", "bbb"]);
});

test("comments end the line; unsupported syntax is a clear ParseError", () => {
  assert.deepEqual(words("ip route # the main table"), [["ip", "route"]]);
  const cases: [string, RegExp][] = [
    ["echo 'open", /is not closed/],
    ['echo "open', /is not closed/],
    ["ip route > routes.txt", /redirection to files is not supported/],
    ["sleep 10 &", /background jobs/],
    ["while true; do ip r; done", /'while' is not supported/],
    ["| grep x", /syntax error near unexpected token `\|'/],
    ["for x in a b; do echo $x", /expected 'done'/],
  ];
  for (const [line, message] of cases) assert.throws(() => parseLine(line), (e: unknown) => e instanceof ParseError && message.test(e.message), line);
});
