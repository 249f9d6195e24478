/**
 * What the `ask` prompt shows of two versions of a file: a unified diff of text (3 lines of
 * context) and, for any bytes, the first offset where they differ. Pure. The only file that uses
 * the `diff` package.
 */
import { structuredPatch } from 'diff';

/** Lines above which no diff is computed (the prompt says so instead). */
export const MAX_DIFF_LINES = 20_000;

/** True when the bytes look like text: no NUL and valid UTF-8. */
export function looksLikeText(bytes: Uint8Array): boolean {
  if (bytes.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    // A multi-byte character cut by the size cap is still text.
    for (let cut = 1; cut <= 3 && cut < bytes.length; cut++) {
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, bytes.length - cut));
        return true;
      } catch {
        /* try a shorter prefix */
      }
    }
    return false;
  }
}

/**
 * A unified diff (`--- a`, `+++ b`, `@@ -l,s +l,s @@` hunks with `context` lines around changes);
 * an empty array when the texts are equal. The `diff` package computes it; a missing newline at the
 * end of a file is not shown as a change of its own (the prompt shows content, not a patch).
 */
export function unifiedDiff(aText: string, bText: string, names: { a: string; b: string }, context = 3): string[] {
  const count = (text: string): number => (text === '' ? 0 : text.split('\n').length);
  if (count(aText) > MAX_DIFF_LINES || count(bText) > MAX_DIFF_LINES) return [`(more than ${MAX_DIFF_LINES} lines: no diff shown)`];
  const withNewline = (text: string): string => (text === '' || text.endsWith('\n') ? text : `${text}\n`);
  const patch = structuredPatch(names.a, names.b, withNewline(aText), withNewline(bText), undefined, undefined, { context });
  if (patch.hunks.length === 0) return [];
  const out = [`--- ${names.a}`, `+++ ${names.b}`];
  for (const hunk of patch.hunks) {
    // An empty range names the line before it, as GNU diff and the package's own formatPatch do.
    const start = (line: number, lines: number): number => (lines === 0 ? line - 1 : line);
    out.push(`@@ -${start(hunk.oldStart, hunk.oldLines)},${hunk.oldLines} +${start(hunk.newStart, hunk.newLines)},${hunk.newLines} @@`);
    for (const line of hunk.lines) if (!line.startsWith('\\')) out.push(line);
  }
  return out;
}

/** The first offset where two byte strings differ, or undefined when they are equal. */
export function firstDifference(a: Uint8Array, b: Uint8Array): number | undefined {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? undefined : length;
}
