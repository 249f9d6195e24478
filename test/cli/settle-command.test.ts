/**
 * The command printed after conflicts: which strategy settles them, and the user's own command line
 * without a password and without options that only change the output.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import type { Entry, PlannedConflict } from '../../src/index.js';
import { SettlingStrategy, settleCommandLine, shellWord, withoutPassword } from '../../src/cli/settle-command.js';
import { addSyncCommands } from '../../src/cli/sync-commands.js';

const file = (mtimeMs: number): Entry => ({ kind: 'file', size: 1, mtimeMs });
const conflict = (local: Entry | null, remote: Entry | null): PlannedConflict => ({
  path: 'x' as PlannedConflict['path'],
  conflict: { reason: 'both-created', local: 'created', remote: 'created' },
  local,
  remote,
  recorded: null,
});

function strategyFor(mode: 'sync' | 'upload' | 'download', conflicts: PlannedConflict[]): string {
  const settling = new SettlingStrategy(mode, 2000);
  for (const item of conflicts) settling.add(item);
  return settling.strategy;
}

describe('the settling command', () => {
  it('one-way runs: the source wins; sync: new, else keep-both, else ask', () => {
    assert.equal(strategyFor('upload', [conflict(file(0), file(0))]), 'local');
    assert.equal(strategyFor('download', [conflict(null, file(0))]), 'remote');
    assert.equal(strategyFor('sync', [conflict(file(0), file(10_000))]), 'new');
    assert.equal(strategyFor('sync', [conflict(file(0), file(10_000)), conflict(file(0), file(1000))]), 'keep-both', 'a tie: newer cannot settle it');
    assert.equal(strategyFor('sync', [conflict(null, file(0))]), 'keep-both', 'deleted against modified');
    assert.equal(strategyFor('sync', [conflict(file(0), { kind: 'dir' })]), 'ask', 'a folder: nothing destructive suggested');
  });

  it('passwords are left out; words a shell would split are quoted', () => {
    assert.equal(withoutPassword('sftp://me:s3cret@host:22/www'), 'sftp://me@host:22/www');
    assert.equal(withoutPassword('/plain/path'), '/plain/path');
    assert.equal(shellWord('ftp://u@h/x'), 'ftp://u@h/x');
    assert.equal(shellWord("it's here"), `'it'\\''s here'`);
    assert.equal(shellWord('*.tmp'), `'*.tmp'`);
  });

  it('keeps the options given on the command line, not output options, --dry-run or the old --resolve', async () => {
    const program = new Command().exitOverride();
    let line = '';
    addSyncCommands(program, () => undefined);
    const upload = program.commands.find((command) => command.name() === 'upload')!;
    upload.action((local: string, remote: string, _flags: unknown, parsed: Command) => {
      line = settleCommandLine('upload', local, remote, parsed, 'local');
    });
    await program.parseAsync(
      ['upload', './site', 'ftp://me:pw@host/www', '-n', '-v', '--json', '--resolve', 'skip', '--delete', '-x', '*.log', '--time-window', '3000', '--no-netrc'],
      { from: 'user' },
    );
    assert.equal(line, `ferry upload ./site ftp://me@host/www --delete --exclude '*.log' --time-window 3000 --no-netrc --resolve local`);
  });

  it('repeats a repeatable option once per value', async () => {
    const program = new Command().exitOverride();
    let line = '';
    addSyncCommands(program, () => undefined);
    const sync = program.commands.find((command) => command.name() === 'sync')!;
    sync.action((local: string, remote: string, _flags: unknown, parsed: Command) => {
      line = settleCommandLine('sync', local, remote, parsed, 'new');
    });
    await program.parseAsync(['sync', './site', '/srv/www', '--exclude-from', 'a.ignore', '--exclude-from', 'b.ignore'], { from: 'user' });
    assert.equal(line, 'ferry sync ./site /srv/www --exclude-from a.ignore --exclude-from b.ignore --resolve new');
  });
});
