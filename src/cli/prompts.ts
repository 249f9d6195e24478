/**
 * Questions asked on a terminal: conflict choices (`--resolve ask`) and secrets (passwords).
 * Used only when stdin and stderr are TTYs; without a terminal nothing is asked.
 */
import * as readline from 'node:readline/promises';
import { Writable } from 'node:stream';
import type { ConflictChoice, ConflictQuestion, ConflictResolver } from '../index.js';
import { describeConflict } from './render/text-renderer.js';

/** True when a person can be asked (interactive stdin and stderr). */
export function canPrompt(): boolean {
  return Boolean(process.stdin.isTTY && process.stderr.isTTY);
}

/**
 * A resolver that asks per conflict: `l`ocal, `r`emote, `o`lder, `n`ewer, `s`kip; an upper-case
 * answer applies to every remaining conflict (as in pyftpsync).
 */
export function terminalConflictResolver(): ConflictResolver {
  let forAll: string | undefined;
  return async (question: ConflictQuestion): Promise<ConflictChoice> => {
    const answer = forAll ?? (await askConflict(question));
    if (answer !== answer.toLowerCase()) forAll = answer;
    return choiceOf(answer.toLowerCase(), question);
  };
}

function choiceOf(answer: string, question: ConflictQuestion): ConflictChoice {
  const { local, remote } = question;
  if (answer === 'l') return 'local';
  if (answer === 'r') return 'remote';
  if ((answer === 'n' || answer === 'o') && local?.kind === 'file' && remote?.kind === 'file' && local.mtimeMs !== remote.mtimeMs) {
    const localNewer = local.mtimeMs > remote.mtimeMs;
    return (answer === 'n') === localNewer ? 'local' : 'remote';
  }
  return 'skip';
}

async function askConflict(question: ConflictQuestion): Promise<string> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    for (const line of describeConflict({ path: question.path, conflict: question.conflict, local: question.local ?? null, remote: question.remote ?? null, recorded: null })) {
      process.stderr.write(`${line}\n`);
    }
    const options = question.allowed.length === 2 ? 'use [l]ocal, [r]emote, [o]lder, [n]ewer, or [s]kip' : `use [${question.allowed[0]![0]}]${question.allowed[0]!.slice(1)} or [s]kip`;
    for (;;) {
      const answer = (await rl.question(`${options}? (upper case: for all remaining) `)).trim();
      if (/^[lrons]$/i.test(answer)) return answer;
    }
  } finally {
    rl.close();
  }
}

/** Asks for a secret without echoing it. Resolves undefined when no terminal can be asked. */
export async function askSecret(prompt: string): Promise<string | undefined> {
  if (!canPrompt()) return undefined;
  let muted = false;
  const output = new Writable({
    write(chunk, _encoding, callback) {
      if (!muted) process.stderr.write(chunk);
      callback();
    },
  });
  const rl = readline.createInterface({ input: process.stdin, output, terminal: true });
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
