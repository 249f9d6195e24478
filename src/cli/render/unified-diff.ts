/**
 * What the `ask` prompt shows of two versions of a file: a unified diff of text (Myers' algorithm,
 * 3 lines of context) and, for any bytes, the first offset where they differ. Pure.
 */

/** One line of an edit script: kept, removed from `a`, or added from `b`. */
type Edit = { readonly op: ' ' | '-' | '+'; readonly line: string; readonly aIndex: number; readonly bIndex: number };

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

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** The shortest edit script from `a` to `b` (Myers 1986, greedy forward, with a trace). */
function editScript(a: readonly string[], b: readonly string[]): Edit[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const offset = max;
  let v: Int32Array = new Int32Array(2 * max + 2);
  const trace: Int32Array[] = [];
  let found = false;
  for (let d = 0; d <= max && !found; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? v[offset + k + 1]! : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = true;
        break;
      }
    }
  }
  trace.push(v.slice());
  // Walk back through the trace to recover the edits.
  const edits: Edit[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 2; d >= 0 && (x > 0 || y > 0); d--) {
    v = trace[d]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : v[offset + prevK]!;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      x--;
      y--;
      edits.push({ op: ' ', line: a[x]!, aIndex: x, bIndex: y });
    }
    if (d === 0) break;
    if (x === prevX) {
      y--;
      edits.push({ op: '+', line: b[y]!, aIndex: x, bIndex: y });
    } else {
      x--;
      edits.push({ op: '-', line: a[x]!, aIndex: x, bIndex: y });
    }
  }
  while (x > 0 && y > 0) {
    x--;
    y--;
    edits.push({ op: ' ', line: a[x]!, aIndex: x, bIndex: y });
  }
  return edits.reverse();
}

/**
 * A unified diff (`--- a`, `+++ b`, `@@ -l,s +l,s @@` hunks with `context` lines around changes);
 * an empty array when the texts are equal.
 */
export function unifiedDiff(aText: string, bText: string, names: { a: string; b: string }, context = 3): string[] {
  const a = splitLines(aText);
  const b = splitLines(bText);
  if (a.length > MAX_DIFF_LINES || b.length > MAX_DIFF_LINES) return [`(more than ${MAX_DIFF_LINES} lines: no diff shown)`];
  const edits = editScript(a, b);
  if (edits.every((edit) => edit.op === ' ')) return [];
  const out = [`--- ${names.a}`, `+++ ${names.b}`];
  let index = 0;
  while (index < edits.length) {
    while (index < edits.length && edits[index]!.op === ' ') index++;
    if (index >= edits.length) break;
    const start = Math.max(0, index - context);
    // Extend the hunk while the next change is within 2 × context lines.
    let end = index;
    for (;;) {
      while (end < edits.length && edits[end]!.op !== ' ') end++;
      let next = end;
      while (next < edits.length && edits[next]!.op === ' ') next++;
      if (next < edits.length && next - end <= 2 * context) end = next;
      else break;
    }
    const stop = Math.min(edits.length, end + context);
    const hunk = edits.slice(start, stop);
    const aCount = hunk.filter((edit) => edit.op !== '+').length;
    const bCount = hunk.filter((edit) => edit.op !== '-').length;
    const aStart = hunk[0]!.aIndex + (aCount > 0 ? 1 : 0);
    const bStart = hunk[0]!.bIndex + (bCount > 0 ? 1 : 0);
    out.push(`@@ -${aStart},${aCount} +${bStart},${bCount} @@`);
    for (const edit of hunk) out.push(`${edit.op}${edit.line}`);
    index = stop;
  }
  return out;
}

/** The first offset where two byte strings differ, or undefined when they are equal. */
export function firstDifference(a: Uint8Array, b: Uint8Array): number | undefined {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? undefined : length;
}
