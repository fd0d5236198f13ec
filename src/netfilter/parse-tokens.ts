// Splits one iptables-restore rule line into arguments the way
// xshared.c add_param_to_argv does, keeping each argument's column:
// - outside quotes, blanks separate arguments and `\` is an ordinary char;
// - `"` opens a quote; inside, `\x` yields x and the closing `"` ENDS the
//   argument (so `"a"b` is two arguments and `""` is an empty one);
// - an unterminated quote runs to the end of the line (iptables keeps the
//   newline in the argument; we report it instead).

export interface Token {
  text: string;
  /** 1-based column of the argument's first character (its opening quote if quoted). */
  col: number;
  quoted: boolean;
}

export interface Tokenized {
  tokens: Token[];
  /** Column of an opening quote that is never closed. */
  unterminatedQuote?: number;
}

export function tokenize(line: string, startCol = 1): Tokenized {
  const tokens: Token[] = [];
  let buf = "";
  let inQuote = false;
  let quoted = false;
  let escaped = false;
  let start = -1;
  let quoteCol = 0;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (inQuote) {
      if (escaped) {
        buf += ch;
        escaped = false;
      } else if (ch === "\\") escaped = true;
      else if (ch === '"') {
        inQuote = false;
        tokens.push({ text: buf, col: start + startCol, quoted: true });
        buf = "";
        start = -1;
        quoted = false;
      } else buf += ch;
      continue;
    }
    if (ch === '"') {
      if (start < 0) start = i;
      inQuote = true;
      quoted = true;
      quoteCol = i + startCol;
    } else if (ch === " " || ch === "\t" || ch === "\n") {
      if (buf.length > 0) {
        tokens.push({ text: buf, col: start + startCol, quoted });
        buf = "";
        start = -1;
        quoted = false;
      }
    } else {
      if (start < 0) start = i;
      buf += ch;
    }
  }
  if (inQuote) {
    tokens.push({ text: buf, col: start + startCol, quoted: true });
    return { tokens, unterminatedQuote: quoteCol };
  }
  if (buf.length > 0) tokens.push({ text: buf, col: start + startCol, quoted });
  return { tokens };
}
