// A reusable UTF-8 byte buffer the iptables-save printer writes into.
//
// Why not strings: a 470k-rule dump built with `+`/join spends most of its
// time creating and then flattening millions of rope (cons) strings, and in
// the garbage collector. Copying text straight into bytes, and printing
// numbers and addresses digit by digit, allocates nothing per rule, so the
// whole 70 MB dump costs one decode per 1 MiB chunk (scripts/bench-save.mjs).

const CHUNK = 1 << 20;

/** Node's native UTF-8 copy (undocumented but stable since Node 0.x; what Buffer#write calls). */
type Utf8Buffer = Buffer & { utf8Write(text: string, offset: number): number };

export class TextSink {
  /** Decoded full chunks; the byte buffer itself is reused, so a dump holds no large external memory. */
  private pieces: string[] = [];
  private buf = Buffer.allocUnsafe(CHUNK) as Utf8Buffer;
  private pos = 0;

  /** Appends text: up to 40 characters copied in JS (cheaper than a native call), longer ones natively. */
  s(text: string): void {
    const len = text.length;
    if (this.pos + len * 3 > this.buf.length) this.grow(len * 3);
    if (len > 40) {
      this.pos += this.buf.utf8Write(text, this.pos);
      return;
    }
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < len; i++) {
      const c = text.charCodeAt(i);
      if (c >= 128) {
        p += buf.utf8Write(text.slice(i), p);
        break;
      }
      buf[p++] = c;
    }
    this.pos = p;
  }

  /** Appends a non-negative integer in decimal. */
  n(value: number): void {
    if (this.pos + 16 > this.buf.length) this.grow(16);
    if (value < 10) {
      this.buf[this.pos++] = 48 + value;
      return;
    }
    let digits = 0;
    for (let v = value; v >= 1; v = Math.floor(v / 10)) digits++;
    let p = this.pos + digits;
    this.pos = p;
    for (let v = value; v >= 1; v = Math.floor(v / 10)) this.buf[--p] = 48 + (v % 10);
  }

  /** Appends a dotted-quad IPv4 address. */
  ip(addr: number): void {
    if (this.pos + 16 > this.buf.length) this.grow(16);
    this.n(addr >>> 24);
    this.buf[this.pos++] = 46;
    this.n((addr >>> 16) & 255);
    this.buf[this.pos++] = 46;
    this.n((addr >>> 8) & 255);
    this.buf[this.pos++] = 46;
    this.n(addr & 255);
  }

  /**
   * xtables_save_string: ` value` when non-empty and entirely [A-Za-z0-9_-], else
   * ` "value"` with `"`, `\` and `'` backslash-escaped.
   */
  saveString(value: string): void {
    let bare = value.length > 0;
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45)) {
        bare = false;
        break;
      }
    }
    if (bare) {
      this.s(" ");
      return this.s(value);
    }
    this.s(' "');
    if (value.indexOf('"') < 0 && value.indexOf("\\") < 0 && value.indexOf("'") < 0) this.s(value);
    else for (const ch of value) this.s(ch === '"' || ch === "\\" || ch === "'" ? "\\" + ch : ch);
    this.s('"');
  }

  /**
   * Everything written so far, as one string; the sink is empty afterwards. The 1 MiB pieces
   * are joined with `+`, which links them (a rope) instead of copying 70 MB once more; the
   * rope is flattened once, by whoever writes it out.
   */
  finish(): string {
    let out = this.decode();
    if (this.pieces.length > 0) {
      out = this.pieces.reduce((a, b) => a + b) + out;
      this.pieces = [];
    }
    this.pos = 0;
    return out;
  }

  private decode(): string {
    return this.buf.toString("utf8", 0, this.pos);
  }

  /** Writes never split a character, so each chunk decodes on its own. */
  private grow(need: number): void {
    this.pieces.push(this.decode());
    if (need + 32 > this.buf.length) this.buf = Buffer.allocUnsafe(need + 32) as Utf8Buffer;
    this.pos = 0;
  }
}
