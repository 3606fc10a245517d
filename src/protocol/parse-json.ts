/**
 * JSON.parse that keeps integers above 2^53 exact by turning them into decimal strings.
 * discord.py sends snowflakes as JSON numbers in op 8 (`guild_id`, `user_ids`) and op 4;
 * a plain JSON.parse would round 175928847299117063 to 175928847299117060. Client frames
 * are at most 4096 bytes, and the scan only runs when the text has a run of 16+ digits.
 */

const LONG_DIGIT_RUN = /\d{16}/;

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

/**
 * Returns `text` with every integer literal that is not a safe integer wrapped in quotes.
 * Digits inside strings, fractions, exponents, negatives and leading zeros are left alone.
 */
export function quoteUnsafeIntegers(text: string): string {
  if (!LONG_DIGIT_RUN.test(text)) return text;
  let out = "";
  let copied = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // Skip a string literal, including escaped quotes.
      i++;
      while (i < n) {
        const s = text.charCodeAt(i);
        if (s === 0x5c) i += 2;
        else if (s === 0x22) break;
        else i++;
      }
      i++;
      continue;
    }
    if (!isDigit(c) && c !== 0x2d) {
      i++;
      continue;
    }
    const start = i;
    if (c === 0x2d) i++;
    const digitsStart = i;
    while (i < n && isDigit(text.charCodeAt(i))) i++;
    const next = text.charCodeAt(i);
    const isInteger = next !== 0x2e && next !== 0x65 && next !== 0x45; // not . e E
    if (
      isInteger &&
      c !== 0x2d &&
      text.charCodeAt(digitsStart) !== 0x30 &&
      !Number.isSafeInteger(Number(text.slice(digitsStart, i)))
    ) {
      out += `${text.slice(copied, start)}"${text.slice(start, i)}"`;
      copied = i;
    }
    // Skip the rest of a number token (fraction, exponent) so its digits are not re-read.
    while (i < n && /[0-9.eE+-]/.test(text.charAt(i))) i++;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** Parses JSON, keeping unsafe integers as decimal strings. Throws SyntaxError on bad JSON. */
export function parseJson(text: string): unknown {
  return JSON.parse(quoteUnsafeIntegers(text));
}
