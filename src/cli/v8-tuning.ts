// V8 set up for a command that lives a second or two, not for a server.
//
// TurboFan inlines callees into a function it optimizes up to 920 bytes of
// bytecode by default, which pays off over minutes. A `check` of 200 flows
// lives about two seconds, and V8 optimizes some 400 of our functions during
// it: compiling them was two fifths of the process's instructions (5.95 of
// 14.4 G), more than the optimized code then ran. With inlining capped at 200
// bytes the compiler takes 3.7 G, the code it makes runs about as many
// instructions as before, and a run takes an eighth less wall time and a
// fifth less CPU time on two cores. A warm process (a long shell session)
// runs about a tenth slower, which a flow's few milliseconds do not show.
//
// Imported first by the entry point, before any module that runs hot code:
// V8 reads the flag whenever it optimizes, and flags are per process, so
// worker threads get it too.

import { setFlagsFromString } from "node:v8";

setFlagsFromString("--max-inlined-bytecode-size-cumulative=200");
