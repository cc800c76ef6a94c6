// string-width, fast for the text a TUI frame is made of. Ink measures every piece of text it
// draws with string-width, whose first call on any non-ASCII text builds its grapheme segmenter
// and compiles its emoji expressions: ~30–40 ms on this machine, a quarter of the TUI's first
// frame (a bare Ink app that draws ASCII never pays it). Text made only of code points that are one
// column wide on their own and never join a neighbour into one grapheme — Latin-1 and Latin
// Extended, general punctuation, arrows, technical symbols, box drawing, geometric shapes,
// dingbats, braille, with the emoji among them left out — is measured by counting; anything else
// (CJK, emoji, combining marks, escape sequences other than colours and styles, ambiguous-wide
// requests) goes to string-width.
// The build resolves `string-width` to this module for every importer but this one
// (scripts/esbuild-plugins.mjs); test/tui/text-width.test.ts checks each code point of the set.
import stringWidth from 'string-width';

type Options = Parameters<typeof stringWidth>[1];

/** Each of these is 1 column as string-width measures it, alone and next to any other of them. */
export const NARROW_SET =
  '\\u0020-\\u007e\\u00a0-\\u00ac\\u00ae-\\u02ff\\u2010-\\u2027\\u2030-\\u205e\\u2190-\\u21ff' +
  '\\u2300-\\u2319\\u231c-\\u2328\\u232b-\\u23e8\\u23ed-\\u23ef\\u23f1\\u23f2\\u23f4-\\u23ff\\u2500-\\u25fc' +
  '\\u2700-\\u2704\\u2706-\\u2709\\u270c-\\u2727\\u2729-\\u274b\\u274d\\u274f-\\u2752\\u2756\\u2758-\\u2794' +
  '\\u2798-\\u27af\\u27b1-\\u27be\\u2800-\\u28ff';

const NARROW = new RegExp(`^[${NARROW_SET}]*$`);
/**
 * The colours and styles Ink puts into the text it measures (a <Text color> inside a row): SGR
 * sequences, in exactly the form string-width's strip-ansi removes whole (≤ 4 digits a parameter),
 * between code points of the set.
 */
const SGR = '\\u001b\\[(?:\\d{1,4}(?:;\\d{0,4})*)?m';
const NARROW_STYLED = new RegExp(`^(?:[${NARROW_SET}]|${SGR})*$`);
const SGR_ALL = new RegExp(SGR, 'g');

export default function fastStringWidth(input: string, options?: Options): number {
  if (typeof input === 'string' && options?.ambiguousIsNarrow !== false) {
    // (every code point of the set is in the BMP: length counts them)
    if (NARROW.test(input)) return input.length;
    if (!options?.countAnsiEscapeCodes && input.includes('\u001b') && NARROW_STYLED.test(input)) return input.replace(SGR_ALL, '').length;
  }
  return stringWidth(input, options);
}
