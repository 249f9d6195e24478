/**
 * Escaping of text a person's terminal shows. Names come from servers and other people's disks:
 * a name may hold an escape sequence (which retitles or clears the terminal, or writes the
 * clipboard) or a line break (which forges an extra output line). Every human-output line that
 * carries a name or a message built from one goes through {@link printable}; `--json` keeps the
 * exact text.
 */

/**
 * Control characters: C0, DEL, C1 (0x9b is a one-byte CSI), the Unicode line and paragraph
 * separators, and the bidirectional overrides and isolates that make a name read as another.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const UNSAFE_ALL = new RegExp(UNSAFE.source, 'g');

const NAMED: Readonly<Record<string, string>> = {
  '\u0007': '\\a',
  '\b': '\\b',
  '\t': '\\t',
  '\n': '\\n',
  '\u000b': '\\v',
  '\f': '\\f',
  '\r': '\\r',
  '\u001b': '\\e',
};

function escapeOne(ch: string): string {
  const named = NAMED[ch];
  if (named !== undefined) return named;
  const code = ch.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * `text` with each control character written as a backslash escape, as `ls -b` and bash's `$'…'`
 * do (`\e`, `\n`, `\x7f`, `\u202e`), so it stays on one line and never acts on the terminal.
 * Text without control characters is returned as it is (the common case costs one regex test).
 * Unambiguous for names: ferry refuses names that contain a backslash.
 */
export function printable(text: string): string {
  return UNSAFE.test(text) ? text.replace(UNSAFE_ALL, escapeOne) : text;
}
