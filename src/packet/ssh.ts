// SSH as tcpdump prints it (print-ssh.c): only the version banner that opens
// each direction, e.g. `: SSH: SSH-2.0-OpenSSH_8.9p1`. Printer only.

import type { Dissector } from "./dissect.js";
import { isAsciiPrint } from "./dissect.js";

/** ssh_print: prints the banner line when the payload is one; nothing otherwise. */
export function printSsh(nd: Dissector, off: number, len: number): void {
  nd.protocol = "ssh";
  for (let i = 0; i < 4; i++) if (nd.u8(off + i) !== "SSH-".charCodeAt(i)) return;
  for (let idx = 4; idx < len; idx++) {
    const c = nd.u8(off + idx);
    const lineEnds = c === 0x0a || (c === 0x0d && idx + 1 < len && nd.u8(off + idx + 1) === 0x0a);
    if (lineEnds) {
      nd.print(`: SSH: ${new TextDecoder("latin1").decode(nd.bytes.subarray(off, off + idx))}`);
      return;
    }
    if (c === 0x0d || !isAsciiPrint(c)) return;
  }
}
