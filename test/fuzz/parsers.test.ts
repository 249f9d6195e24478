/**
 * Fuzzing every parser of outside input with fast-check: FTP listings (MLSD, LIST in Unix and DOS
 * form), target URLs, known_hosts, ssh config, netrc, task files and state files. Each gets random
 * text and text built from its own grammar's pieces (to get past the first line of checks). None
 * may crash: the only exceptions allowed are the parser's own typed errors with a one-line
 * message, and what it returns must be usable (sizes whole and non-negative, times finite, no
 * password in a target's id).
 *
 * Inputs per parser: FERRY_FUZZ_RUNS (default 2000; `npm run fuzz` runs 100 000).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { parseDosListLine, parseListListing, parseMlsdListing, parseUnixListLine } from '../../src/backends/ftp/list-parser.js';
import { parseTarget } from '../../src/backends/target-url.js';
import { checkHostKey, parseKnownHosts } from '../../src/backends/sftp/known-hosts.js';
import { readSshConfig } from '../../src/backends/sftp/ssh-config.js';
import { findNetrcEntry, parseNetrc } from '../../src/backends/credentials/netrc.js';
import { parseTaskFile, selectTask } from '../../src/cli/task-file.js';
import { parseJournalLine, parseStateSnapshot, StateFormatError } from '../../src/state/state-file-format.js';
import type { ListedEntry } from '../../src/core/entry.js';
import { BackendError, FerryError } from '../../src/errors.js';

const RUNS = Number(process.env.FERRY_FUZZ_RUNS ?? 2000);
const params = { numRuns: RUNS };
const NOW = Date.UTC(2026, 10, 22, 3, 0, 0);

/** Text with every kind of character: ASCII, control characters, NUL, any Unicode. */
const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ maxLength: 200 }), fc.string({ unit: 'grapheme', maxLength: 80 }));
/** A short word from a grammar, or junk in its place. */
const piece = (...words: string[]): fc.Arbitrary<string> =>
  fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...words) }, { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) });
const digits = fc.oneof(
  fc.stringMatching(/^\d{1,30}$/),
  fc.integer({ min: -1e6, max: 1e6 }).map(String),
  fc.constantFrom('', '-1', '1e30', '0x10', 'NaN', 'Infinity', '9007199254740993'),
);
const lineOf = (parts: fc.Arbitrary<string>[], sep: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.tuple(fc.tuple(...parts), fc.array(sep, { minLength: parts.length, maxLength: parts.length })).map(([ps, ss]) => ps.map((p, i) => p + ss[i]).join(''));
const linesText = (line: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.tuple(fc.array(line, { maxLength: 8 }), fc.constantFrom('\n', '\r\n')).map(([lines, nl]) => lines.join(nl));

/** Runs `fn`; an exception must be one of `allowed` with a one-line, non-empty message. */
function onlyTypedErrors<T>(fn: () => T, ...allowed: (new (...args: never[]) => Error)[]): T | undefined {
  try {
    return fn();
  } catch (error) {
    assert.ok(
      allowed.some((type) => error instanceof type),
      `unexpected ${(error as Error)?.constructor?.name}: ${(error as Error)?.message}`,
    );
    const message = (error as Error).message;
    assert.ok(message.length > 0 && !message.includes('\n'), `message must be one non-empty line: ${JSON.stringify(message)}`);
    return undefined;
  }
}

/** A listed entry as the scan will use it: sizes whole and non-negative, times finite. */
function assertUsable(entry: ListedEntry): void {
  assert.equal(typeof entry.name, 'string');
  if ('entry' in entry && entry.entry.kind === 'file') {
    assert.ok(Number.isSafeInteger(entry.entry.size) && entry.entry.size >= 0, `size ${entry.entry.size} of ${JSON.stringify(entry.name)}`);
    assert.ok(Number.isFinite(entry.entry.mtimeMs), `mtime ${entry.entry.mtimeMs} of ${JSON.stringify(entry.name)}`);
  }
}

const mlsdLine = fc
  .tuple(
    fc.array(
      fc.tuple(
        piece('type', 'size', 'sizd', 'modify', 'unix.mode', 'perm', 'unique', 'TYPE'),
        fc.oneof(
          piece('file', 'dir', 'cdir', 'pdir', 'OS.unix=symlink', '0644', '0o755', '20140101120000', '99991231235959', '00000101000000', '20141301120000.5'),
          digits,
        ),
      ),
      { maxLength: 6 },
    ),
    fc.constantFrom(' ', '', '  '),
    fc.oneof(anyText, piece('.', '..', '/etc/passwd', 'a/b', '../x', 'a\0b', 'name ', 'a.txt')),
  )
  .map(([facts, space, name]) => facts.map(([k, v]) => `${k}=${v};`).join('') + space + name);

const month = piece('Jan', 'Feb', 'Dec', 'jan', 'Foo');
const unixListLine = lineOf(
  [
    piece('-rw-r--r--', 'drwxr-xr-x', 'lrwxrwxrwx', 'crw-------', '-rwSr-sr-T+', 'total'),
    digits,
    piece('user', 'u g', '1002'),
    piece('group', ''),
    fc.oneof(digits, piece('1, 2')),
    month,
    fc.oneof(digits, piece('1', '31', '99')),
    piece('12:00', '2014', '99:99', '1970', '0000'),
    fc.oneof(anyText, piece('.', '..', 'a -> b', '/abs', 'x/y')),
  ],
  fc.constantFrom(' ', '  ', '\t', ''),
);
const dosListLine = lineOf(
  [
    piece('01-01-14', '12-31-2014', '99-99-99', '1-1-1970'),
    piece('12:00PM', '09:05AM', '23:59', '99:99am'),
    fc.oneof(piece('<DIR>'), digits),
    fc.oneof(anyText, piece('.', '..', ' x', 'a\\b')),
  ],
  fc.constantFrom(' ', '   ', ''),
);

describe('fuzz: FTP listings', () => {
  it(`MLSD: ${RUNS} listings; entries usable or a protocol error`, () => {
    fc.assert(
      fc.property(fc.oneof(anyText, linesText(mlsdLine)), (text) => {
        const entries = onlyTypedErrors(() => parseMlsdListing(text), BackendError);
        entries?.forEach(assertUsable);
      }),
      params,
    );
  });

  it(`LIST (Unix and DOS): ${RUNS} listings; entries usable or a protocol error`, () => {
    fc.assert(
      fc.property(fc.oneof(anyText, linesText(fc.oneof(unixListLine, dosListLine))), (text) => {
        const entries = onlyTypedErrors(() => parseListListing(text, NOW), BackendError);
        entries?.forEach(assertUsable);
      }),
      params,
    );
  });

  it(`single LIST lines: ${RUNS} Unix and DOS lines; undefined, 'skip' or a usable entry`, () => {
    fc.assert(
      fc.property(fc.oneof(unixListLine, dosListLine, anyText), (line) => {
        for (const parsed of [onlyTypedErrors(() => parseUnixListLine(line, NOW), BackendError), onlyTypedErrors(() => parseDosListLine(line), BackendError)]) {
          if (parsed !== undefined && parsed !== 'skip') assertUsable(parsed);
        }
      }),
      params,
    );
  });
});

describe('fuzz: target URLs', () => {
  const url = fc
    .tuple(
      piece('sftp', 'ftp', 'ftps', 'file', 'http', 'SFTP', ''),
      piece('://', ':/', ':'),
      fc.option(fc.tuple(fc.oneof(anyText, piece('user', 'u%40x', '%zz')), fc.option(fc.oneof(anyText, piece('secret', 'p%3Aw', '%'))))),
      fc.oneof(anyText, piece('host', '127.0.0.1', '[::1]', 'h:99999', 'h:0', 'h:-1', '')),
      fc.oneof(anyText, piece('/path', '/~/x', '/%00', '/a/../b', '', '/%2F', '?tls=implicit', '#frag')),
    )
    .map(([scheme, sep, auth, host, p]) => `${scheme}${sep}${auth ? `${auth[0]}${auth[1] !== null ? `:${auth[1]}` : ''}@` : ''}${host}${p}`);

  it(`${RUNS} targets: a Target or a usage error; the id never holds the password`, () => {
    fc.assert(
      fc.property(fc.oneof(url, anyText), (input) => {
        const target = onlyTypedErrors(() => parseTarget(input, '/tmp/cwd'), FerryError);
        if (!target) return;
        assert.ok(!target.path.includes('\0'), 'no NUL in a path');
        if (target.password !== undefined && target.password.length >= 4) {
          assert.ok(!target.id.includes(target.password), `password in id ${target.id}`);
          assert.ok(!target.display.includes(target.password), `password in display ${target.display}`);
        }
      }),
      params,
    );
  });
});

describe('fuzz: SSH files', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ferry-fuzz-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const key = Buffer.from('AAAAC3NzaC1lZDI1NTE5AAAAILLltSz+C4a1M0DHH+L9w3K5VEaaaaaaaaaaaaaaaaaa', 'base64');

  const knownHostsLine = lineOf(
    [
      piece('@revoked', '@cert-authority', '@other', '', '#'),
      piece('host', '[127.0.0.1]:22', '*', '!bad,*', '|1|abc=|def=', '|1|', '|1|!!|@@', 'a,b,[c]:x', '?'),
      piece('ssh-ed25519', 'ssh-rsa', 'x'),
      fc.oneof(piece('AAAAC3NzaC1lZDI1NTE5', '!!!', '='), anyText),
    ],
    fc.constantFrom(' ', '\t', ''),
  );
  it(`known_hosts: ${RUNS} files parse and every host check answers`, () => {
    fc.assert(
      fc.property(
        fc.oneof(anyText, linesText(knownHostsLine)),
        fc.constantFrom('127.0.0.1', 'host', 'a'),
        fc.integer({ min: 1, max: 65535 }),
        (text, host, port) => {
          const lines = parseKnownHosts(text, 'known_hosts');
          const verdict = checkHostKey(lines, host, port, key);
          assert.ok(['trusted', 'unknown', 'changed', 'revoked'].includes(verdict.status), verdict.status);
        },
      ),
      params,
    );
  });

  const sshConfigLine = lineOf(
    [
      piece('Host', 'Match', 'HostName', 'Port', 'User', 'IdentityFile', 'UserKnownHostsFile', 'Include', 'host', ''),
      fc.constantFrom(' ', '=', ' = ', '\t'),
      fc.oneof(anyText, piece('*', '!x', 'alias', '99999', '-1', '~/key', '%h %p %r %u %%', '"quoted value"', '"unterminated', '/dev/null', '/nonexistent/*')),
    ],
    fc.constantFrom('', ' '),
  );
  it(`ssh config: ${RUNS} files read without a crash; ports are whole numbers`, () => {
    const file = path.join(dir, 'config');
    fc.assert(
      fc.property(fc.oneof(anyText, linesText(sshConfigLine)), fc.constantFrom('alias', 'host', 'x'), (text, host) => {
        writeFileSync(file, text);
        const config = onlyTypedErrors(() => readSshConfig(file, host), FerryError);
        if (config?.port !== undefined) assert.ok(Number.isInteger(config.port) && config.port > 0 && config.port < 65536, `port ${config.port}`);
      }),
      params,
    );
  });
});

describe('fuzz: netrc', () => {
  const netrcText = fc
    .array(
      fc.oneof(piece('machine', 'default', 'login', 'password', 'account', 'macdef', 'host', 'user', 'pw', '"quoted word"', '"bad', '\\', '#c'), anyText),
      { maxLength: 14 },
    )
    .chain((words) =>
      fc
        .array(fc.constantFrom(' ', '\n', '\t', '\n\n', '\r\n'), { minLength: words.length, maxLength: words.length })
        .map((seps) => words.map((w, i) => w + seps[i]).join('')),
    );
  it(`${RUNS} files: entries or a problem line, never an exception`, () => {
    fc.assert(
      fc.property(fc.oneof(anyText, netrcText), (text) => {
        const parsed = parseNetrc(text);
        assert.ok(Array.isArray(parsed.entries));
        if (parsed.problem !== undefined) assert.ok(!parsed.problem.includes('\n'), parsed.problem);
        findNetrcEntry(parsed, 'host', 'user');
        findNetrcEntry(parsed, 'host');
      }),
      params,
    );
  });
});

describe('fuzz: task files', () => {
  const value = fc.oneof(
    piece('upload', 'sync', 'download', 'tree', 'true', 'no', '3', '-1', '[a, b]', '{x: 1}', '~/x', "'q'", '"q', '*.txt', '&a', '*a', '!!binary x', '|'),
    anyText.map((t) => JSON.stringify(t)),
  );
  const key = piece(
    'command',
    'local',
    'remote',
    'delete',
    'resolve',
    'match',
    'exclude',
    'parallel',
    'timeout',
    'dry_run',
    'unknown_key',
    'verbose',
    'state_dir',
  );
  const taskYaml = fc
    .tuple(
      fc.option(piece('main', 'x', '')),
      fc.array(fc.tuple(key, value), { maxLength: 5 }),
      fc.array(fc.tuple(piece('main', 'x', 'a b', '1'), fc.array(fc.tuple(key, value), { maxLength: 5 })), { maxLength: 3 }),
    )
    .map(([def, common, tasks]) =>
      [
        def !== null ? `default_task: ${def}` : '',
        'common_config:',
        ...common.map(([k, v]) => `  ${k}: ${v}`),
        'tasks:',
        ...tasks.flatMap(([name, settings]) => [`  ${name}:`, ...settings.map(([k, v]) => `    ${k}: ${v}`)]),
      ].join('\n'),
    );
  it(`${RUNS} YAML files: a task or a one-line usage error`, () => {
    fc.assert(
      fc.property(fc.oneof(anyText, taskYaml), fc.option(fc.constantFrom('main', 'x')), (text, name) => {
        const file = onlyTypedErrors(() => parseTaskFile(text, 'pyftpsync.yaml'), FerryError);
        if (file) onlyTypedErrors(() => selectTask(file, name ?? undefined), FerryError);
      }),
      params,
    );
  });
});

describe('fuzz: state files', () => {
  const fingerprint = fc.oneof(
    fc.record(
      {
        kind: fc.constantFrom('file', 'dir', 'x'),
        size: fc.oneof(fc.integer(), fc.double(), fc.constant(null)),
        mtimeMs: fc.oneof(fc.integer(), fc.double(), fc.string()),
      },
      { requiredKeys: [] },
    ),
    fc.constant(null),
    fc.jsonValue(),
  );
  const record = fc.tuple(fc.oneof(piece('a.txt', 'a/b', '../x', '/abs', '', 'a//b', 'a\0b'), fc.jsonValue()), fingerprint, fingerprint);
  const snapshot = fc
    .record(
      {
        format: piece('ferry-state'),
        version: fc.oneof(fc.constantFrom(1, 2, 0, '1'), fc.jsonValue()),
        local: fc.jsonValue(),
        remote: fc.jsonValue(),
        records: fc.oneof(fc.array(fc.oneof(record, fc.jsonValue()), { maxLength: 5 }), fc.jsonValue()),
      },
      { requiredKeys: [] },
    )
    .map((o) => JSON.stringify(o));
  it(`${RUNS} snapshots: records or a StateFormatError`, () => {
    fc.assert(
      fc.property(
        fc.oneof(
          anyText,
          snapshot,
          snapshot.map((s) => s.slice(0, Math.floor(s.length / 2))),
        ),
        (text) => {
          const state = onlyTypedErrors(() => parseStateSnapshot(text), StateFormatError);
          if (state) for (const [p] of state.records) assert.ok(!p.split('/').includes('..') && !p.startsWith('/') && !p.includes('\0'), `unsafe path ${p}`);
        },
      ),
      params,
    );
  });

  const journal = fc.oneof(
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc
      .tuple(piece('set', 'delete', 'x'), fc.oneof(piece('a', '../b', ''), fc.jsonValue()), fingerprint)
      .map(([op, p, f]) => JSON.stringify({ op, path: p, record: { local: f, remote: f } })),
  );
  it(`${RUNS} journal lines: a change or a StateFormatError`, () => {
    fc.assert(
      fc.property(fc.oneof(anyText, journal), (line) => {
        onlyTypedErrors(() => parseJournalLine(line, 1), StateFormatError);
      }),
      params,
    );
  });
});
