/**
 * The goals of the benchmarks as rows that `npm run bench:all` collects: each benchmark prints,
 * besides its own tables, one line per goal it measured on its standard output,
 *
 *   GOAL {"id":"loopback-sftp-first","goal":"...","measured":"0.85×","target":"≤ 0.5×","met":false,...}
 *
 * and bench/all.ts gathers them from every part into one summary table. The short form
 * `GOAL <id> ratio=<x> target=<y>` (a ratio that must not exceed the target) is read too.
 */

/** One goal of docs/performance.md, as one run measured it. */
export interface GoalRow {
  /** Stable name, unique in a run (`loopback-ftp-noop`, `distance-50ms-sftp-change`, `resume-ftp`). */
  readonly id: string;
  /** What is measured, in words. */
  readonly goal: string;
  /** The figure, with its unit (`0.85×`, `381 MiB`). */
  readonly measured: string;
  /** The goal's bound, with its unit (`≤ 0.5×`, `< 400 MB`). */
  readonly target: string;
  /** Whether the figure meets the target; null when there is nothing to meet (a figure only timed). */
  readonly met: boolean | null;
  /** The size measured (`2,000 × 4 KiB`), when the goal names one. */
  readonly size?: string;
  /** False when the size measured is not the goal's (a `--quick` run, other options). */
  readonly goalSize?: boolean;
  /** Anything else worth a word in the table. */
  readonly note?: string;
}

const PREFIX = 'GOAL ';

/** The line a benchmark prints for a goal. */
export function goalLine(row: GoalRow): string {
  return `${PREFIX}${JSON.stringify(row)}`;
}

/** Prints a goal's line on standard output, where bench/all.ts reads it. */
export function printGoal(row: GoalRow): void {
  console.log(goalLine(row));
}

/**
 * The goal rows among a benchmark's output lines (every other line is left alone), in order; a
 * later row with the same id replaces an earlier one. Throws on a `GOAL` line it cannot read, so
 * that a misprinted goal shows up instead of going missing from the summary.
 */
export function parseGoalLines(output: string): GoalRow[] {
  const rows = new Map<string, GoalRow>();
  for (const raw of output.split(/\r?\n|\r/)) {
    const line = raw.trim();
    if (!line.startsWith(PREFIX)) continue;
    const row = parseGoalLine(line.slice(PREFIX.length).trim());
    rows.delete(row.id);
    rows.set(row.id, row);
  }
  return [...rows.values()];
}

function parseGoalLine(body: string): GoalRow {
  if (body.startsWith('{')) {
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      throw new Error(`unreadable goal line: GOAL ${body}`);
    }
    return checkRow(value, body);
  }
  // The short form: `<id> ratio=<x> target=<y> [other=value ...]`.
  const [id, ...pairs] = body.split(/\s+/);
  const fields = new Map<string, string>();
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new Error(`unreadable goal line (expected name=value): GOAL ${body}`);
    fields.set(pair.slice(0, at), pair.slice(at + 1));
  }
  const ratio = Number(fields.get('ratio'));
  const target = Number(fields.get('target'));
  if (!id || !fields.has('ratio') || !fields.has('target') || !Number.isFinite(ratio) || !Number.isFinite(target))
    throw new Error(`unreadable goal line (expected <id> ratio=<number> target=<number>): GOAL ${body}`);
  fields.delete('ratio');
  fields.delete('target');
  const rest = [...fields].map(([name, value]) => `${name} ${value}`).join(', ');
  return {
    id,
    goal: id.replaceAll('-', ' '),
    measured: `${ratio.toFixed(2)}×`,
    target: `≤ ${target.toFixed(2)}×`,
    met: ratio <= target,
    ...(rest ? { note: rest } : {}),
  };
}

function checkRow(value: unknown, body: string): GoalRow {
  const row = value as Partial<Record<keyof GoalRow, unknown>>;
  const text = (name: keyof GoalRow): boolean => typeof row[name] === 'string' && (row[name] as string).length > 0;
  const ok =
    typeof value === 'object' &&
    value !== null &&
    text('id') &&
    text('goal') &&
    text('measured') &&
    text('target') &&
    (row.met === null || typeof row.met === 'boolean') &&
    (row.size === undefined || typeof row.size === 'string') &&
    (row.goalSize === undefined || typeof row.goalSize === 'boolean') &&
    (row.note === undefined || typeof row.note === 'string');
  if (!ok) throw new Error(`goal line lacks id, goal, measured, target or met: GOAL ${body}`);
  return value as GoalRow;
}

/** The summary's word for a row: met, MISSED, or – for a figure without a bound. */
export function verdict(row: GoalRow): string {
  return row.met === null ? '–' : row.met ? 'met' : 'MISSED';
}
