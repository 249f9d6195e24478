/**
 * `ferry demo`: a real two-way sync on two sample folders, so a new user sees ferry work without a
 * server. It creates `DIR/local` and `DIR/remote` (only when DIR does not exist yet, or was made by
 * an earlier demo), edits both, and syncs them.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Command } from 'commander';
import { FerryError } from '../errors.js';
import { makeFolderPath } from '../index.js';
import { writeRaw } from './output-stream.js';

const MARKER = '.ferry-demo';

async function writeSample(root: string, rel: string, content: string, mtime: Date): Promise<void> {
  const file = path.join(root, rel);
  await makeFolderPath(path.dirname(file));
  await fs.writeFile(file, content);
  await fs.utimes(file, mtime, mtime);
}

function cannotMake(root: string, error: unknown): FerryError {
  const reason = (error as Error).message.replace(/^[A-Z]+: /, '').split(',')[0];
  return new FerryError('config', `cannot create the demo folder ${root}: ${reason}; pick another: ferry demo OTHER_DIR`);
}

/** Creates the sample trees and returns the paths to sync. */
export async function prepareDemo(dir: string): Promise<{ local: string; remote: string; stateDir: string }> {
  const root = path.resolve(dir);
  try {
    const entries = await fs.readdir(root);
    if (entries.length > 0 && !entries.includes(MARKER)) {
      throw new FerryError('config', `${root} exists and is not a ferry demo folder; pick another: ferry demo OTHER_DIR`);
    }
    await fs.rm(root, { recursive: true, force: true });
  } catch (error) {
    if (error instanceof FerryError) throw error;
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw cannotMake(root, error);
  }
  const local = path.join(root, 'local');
  const remote = path.join(root, 'remote');
  try {
    await makeFolderPath(local);
    await makeFolderPath(remote);
  } catch (error) {
    throw cannotMake(root, error);
  }
  await fs.writeFile(path.join(root, MARKER), 'made by `ferry demo`; safe to delete\n');
  const day = new Date('2024-05-01T10:00:00Z');
  const later = new Date('2024-05-02T09:30:00Z');
  await writeSample(local, 'index.html', '<h1>Hello from ferry</h1>\n', day);
  await writeSample(local, 'css/site.css', 'body { font-family: sans-serif; }\n', day);
  await writeSample(local, 'notes/todo.txt', '- try ferry\n', day);
  await writeSample(remote, 'index.html', '<h1>Hello from ferry</h1>\n', day);
  await writeSample(remote, 'images/logo.svg', '<svg xmlns="http://www.w3.org/2000/svg"/>\n', later);
  await writeSample(remote, 'notes/todo.txt', '- try ferry\n- and a remote edit\n', later);
  return { local, remote, stateDir: path.join(root, 'state') };
}

/** Adds `demo`; it runs `sync` on the prepared folders through the normal command path. */
export function addDemoCommand(program: Command, runSyncCommand: (args: string[]) => Promise<void>): void {
  program
    .command('demo')
    .description('sync two sample folders (no server needed) to see what ferry does')
    .argument('[DIR]', 'where to create the sample folders', 'ferry-demo')
    .addHelpText('after', '\nExample:\n  $ ferry demo && ls -R ferry-demo/local ferry-demo/remote')
    .action(async (dir: string) => {
      const { local, remote, stateDir } = await prepareDemo(dir);
      writeRaw(process.stdout, `Sample folders: ${local} (local) and ${remote} (remote).\n`);
      writeRaw(process.stdout, `Running: ferry sync ${local} ${remote} --state-dir ${stateDir}\n\n`);
      await runSyncCommand(['sync', local, remote, '--state-dir', stateDir, '--resolve', 'skip']);
      writeRaw(process.stdout, `\nnotes/todo.txt was written on both sides, so ferry left it alone (the command above settles it).\n`);
    });
}
