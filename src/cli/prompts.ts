/**
 * Questions asked on a terminal: conflict choices (`--resolve ask`) and secrets (passwords).
 * Used only when stdin and stderr are TTYs; without a terminal nothing is asked.
 */
import { Writable } from 'node:stream';
import { describeError, type ConflictChoice, type ConflictQuestion, type ConflictResolver } from '../index.js';
import { describeConflict } from './render/text-renderer.js';
import { printable } from './render/printable.js';
import { firstDifference, looksLikeText, unifiedDiff } from './render/unified-diff.js';
import { flushOutput, writeLine } from './output-stream.js';

/** True when a person can be asked (interactive stdin and stderr). */
export function canPrompt(): boolean {
  // stderr first: where it is no terminal (cron, CI, pipes) stdin's stream is never made (~1 ms).
  return Boolean(process.stderr.isTTY && process.stdin.isTTY);
}

/** How much of each file `d`iff and `b`inary compare read (through the backends). */
export const COMPARE_MAX_BYTES = 256 * 1024;

/**
 * The answers a question accepts, only those that apply to it: `l`/`r` for each side whose win
 * settles it, `o`/`n` where both sides may win and have files of different times, `k` where both
 * versions can be kept, `s` always, `d`/`b` where there are two files to compare.
 */
export function answersFor(question: ConflictQuestion): string {
  const { local, remote, allowed } = question;
  const twoFiles = local?.kind === 'file' && remote?.kind === 'file';
  let keys = '';
  if (allowed.includes('local')) keys += 'l';
  if (allowed.includes('remote')) keys += 'r';
  if (allowed.length === 2 && twoFiles && local.mtimeMs !== remote.mtimeMs) keys += 'on';
  if (question.canKeepBoth) keys += 'k';
  keys += 's';
  if (twoFiles) keys += 'db';
  return keys;
}

/** The menu line of a question. */
export function menuFor(question: ConflictQuestion): string {
  const words: Record<string, string> = {
    l: '[l]ocal',
    r: '[r]emote',
    o: '[o]lder',
    n: '[n]ewer',
    k: '[k]eep both',
    s: '[s]kip',
    d: '[d]iff',
    b: '[b]inary compare',
  };
  return `${[...answersFor(question)].map((key) => words[key]).join(', ')}? (upper case: for all remaining) `;
}

/** Lines that show a conflict before the question: what happened, both sides, the last sync. */
export function describeQuestion(question: ConflictQuestion): string[] {
  return describeConflict({
    path: question.path,
    conflict: question.conflict,
    local: question.local ?? null,
    remote: question.remote ?? null,
    recorded: question.recorded ?? null,
  });
}

/** Where a person answers: asks one line, writes lines. */
export interface PromptIo {
  question(prompt: string): Promise<string>;
  write(line: string): void;
}

/**
 * A resolver that asks per conflict: `l`ocal, `r`emote, `o`lder, `n`ewer, `k`eep both, `s`kip, or
 * first `d`iff / `b`inary compare and ask again; an upper-case answer applies to every remaining
 * conflict (as in pyftpsync). `io` defaults to the terminal (stdin, stderr).
 */
export function terminalConflictResolver(io?: PromptIo): ConflictResolver {
  let forAll: string | undefined;
  return async (question: ConflictQuestion): Promise<ConflictChoice> => {
    const answer = forAll ?? (await askConflict(question, io ?? terminalIo()));
    if (answer !== answer.toLowerCase()) forAll = answer;
    return choiceOf(answer.toLowerCase(), question);
  };
}

/** The choice an answer letter makes for a question. */
export function choiceOf(answer: string, question: ConflictQuestion): ConflictChoice {
  const { local, remote } = question;
  if (answer === 'l') return 'local';
  if (answer === 'r') return 'remote';
  if (answer === 'k') return 'keep-both';
  if ((answer === 'n' || answer === 'o') && local?.kind === 'file' && remote?.kind === 'file' && local.mtimeMs !== remote.mtimeMs) {
    const localNewer = local.mtimeMs > remote.mtimeMs;
    return (answer === 'n') === localNewer ? 'local' : 'remote';
  }
  return 'skip';
}

/** Node's readline, loaded when a question is asked: most runs never ask one (start-up time). */
const loadReadline = (): Promise<typeof import('node:readline/promises')> => import('node:readline/promises');

function terminalIo(): PromptIo {
  return {
    async question(prompt) {
      flushOutput();
      const rl = (await loadReadline()).createInterface({ input: process.stdin, output: process.stderr });
      try {
        return await rl.question(prompt);
      } finally {
        rl.close();
      }
    },
    // Names, and the file contents a diff shows, never reach the terminal raw.
    write: (line) => writeLine(process.stderr, printable(line)),
  };
}

async function askConflict(question: ConflictQuestion, io: PromptIo): Promise<string> {
  for (const line of describeQuestion(question)) io.write(line);
  const accepted = answersFor(question);
  for (;;) {
    const answer = (await io.question(menuFor(question))).trim();
    if (answer.length !== 1 || !accepted.includes(answer.toLowerCase())) {
      const shown = answer === '' ? 'an empty answer' : `"${answer.length > 20 ? `${answer.slice(0, 20)}…` : answer}"`;
      io.write(`    ${shown} is not one of the choices here: ${[...accepted].join(', ')} (upper case: for all remaining)`);
      continue;
    }
    const lower = answer.toLowerCase();
    if (lower === 'd' || lower === 'b') {
      for (const line of await compareLines(question, lower === 'd' ? 'diff' : 'binary')) io.write(line);
      continue;
    }
    return answer;
  }
}

/** What `d` or `b` shows: a unified diff of text, or equal / the first differing byte. */
export async function compareLines(question: ConflictQuestion, how: 'diff' | 'binary'): Promise<string[]> {
  const { local, remote, read } = question;
  if (local?.kind !== 'file' || remote?.kind !== 'file') return ['    (only two files can be compared)'];
  if (!read) return ['    (the files cannot be read here)'];
  let sides;
  try {
    sides = await Promise.all([read('local', COMPARE_MAX_BYTES), read('remote', COMPARE_MAX_BYTES)]);
  } catch (error) {
    return [`    (cannot read the files: ${describeError(error)})`];
  }
  const [a, b] = sides;
  const capped = a.truncated || b.truncated;
  const limit = `${COMPARE_MAX_BYTES / 1024} KiB`;
  if (how === 'binary') {
    const offset = firstDifference(a.bytes, b.bytes);
    if (offset === undefined)
      return [capped ? `    the first ${limit} are equal (sizes ${local.size} and ${remote.size} bytes)` : '    the files are equal byte for byte'];
    return [
      `    first difference at byte offset ${offset} (0x${offset.toString(16)})${offset === Math.min(a.bytes.length, b.bytes.length) ? ': one file is a prefix of the other' : ''}`,
    ];
  }
  if (!looksLikeText(a.bytes) || !looksLikeText(b.bytes)) return ['    binary files: no diff (try [b]inary compare)'];
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  const lines = unifiedDiff(decode(a.bytes), decode(b.bytes), { a: `local/${question.path}`, b: `remote/${question.path}` });
  if (lines.length === 0) return [capped ? `    the first ${limit} are equal` : '    the files have the same text'];
  // Tabs are spelled out as spaces: the lines are escaped (printable.ts) before they are shown.
  return [...lines.map((line) => line.replace(/\t/g, '    ')), ...(capped ? [`    (compared the first ${limit} of each file)`] : [])];
}

/** Asks for a secret without echoing it. Resolves undefined when no terminal can be asked. */
export async function askSecret(prompt: string): Promise<string | undefined> {
  if (!canPrompt()) return undefined;
  flushOutput();
  let muted = false;
  const output = new Writable({
    write(chunk, _encoding, callback) {
      if (!muted) process.stderr.write(chunk);
      callback();
    },
  });
  const rl = (await loadReadline()).createInterface({ input: process.stdin, output, terminal: true });
  try {
    const pending = rl.question(prompt);
    muted = true;
    const answer = await pending;
    process.stderr.write('\n');
    return answer;
  } finally {
    rl.close();
  }
}
