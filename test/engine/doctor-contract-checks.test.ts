/**
 * The doctor's checks through the backend contract: what they report for a local folder and a
 * memory backend that cannot set times, and that their temporary files are removed when a check
 * fails half-way.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runContractChecks } from '../../src/engine/doctor/contract-checks.js';
import { BackendError, LocalBackend, MemoryBackend, type Backend, type ProbeFinding } from '../../src/index.js';
import { isTempName } from '../../src/core/temp-name.js';

let dir: string;
before(async () => {
  dir = await fs.mkdtemp(path.join(tmpdir(), 'ferry-doctor-checks-'));
});
after(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function check(backend: Backend, remote = false): Promise<{ ok: boolean; findings: Map<string, ProbeFinding>; leftovers: string[] }> {
  const findings = new Map<string, ProbeFinding>();
  const leftovers: string[] = [];
  const ok = await runContractChecks(backend, (finding) => findings.set(finding.id, finding), { remote, leftovers });
  return { ok, findings, leftovers };
}

describe('doctor contract checks', () => {
  it('a local folder: writable, case-sensitive, mtimes to the millisecond, nothing left', async () => {
    const { ok, findings, leftovers } = await check(new LocalBackend(dir));
    assert.equal(ok, true);
    assert.equal(findings.get('writable')?.value, true);
    assert.equal(findings.get('case-sensitive')?.value, true);
    assert.equal(findings.get('mtime-set')?.value, 1);
    assert.equal(findings.has('clock-offset'), false);
    assert.deepEqual(leftovers, []);
    assert.deepEqual(await fs.readdir(dir), []);
  });

  it('a backend that cannot set times: mtime-set is null (a warning); the clock is measured', async () => {
    const backend = new MemoryBackend({ canSetMtime: false, mtimePrecisionMs: 1000 });
    const { ok, findings } = await check(backend, true);
    assert.equal(ok, true);
    assert.deepEqual([findings.get('mtime-set')?.value, findings.get('mtime-set')?.status], [null, 'warn']);
    assert.equal(findings.get('clock-offset')?.value, 0);
    assert.deepEqual(
      (await backend.list('' as never)).map((entry) => entry.name),
      [],
    );
  });

  it('a check failing after the write still removes its temporary file', async () => {
    const local = new LocalBackend(dir);
    const failing = Object.create(local) as Backend;
    // Only the case check's lookup (the lower-case name) fails; removal and its check work.
    failing.stat = async (p) => {
      if (p.includes('-aa.')) throw new BackendError('connection-lost', 'the connection dropped');
      return local.stat(p);
    };
    await assert.rejects(check(failing), /the connection dropped/);
    const names = await fs.readdir(dir);
    assert.deepEqual(names.filter(isTempName), [], `left: ${names.join(', ')}`);
  });

  it('a folder that cannot be written reports writable: false and stops', async () => {
    const backend = new MemoryBackend();
    backend.write = async () => {
      throw new BackendError('permission', 'permission denied');
    };
    const { ok, findings } = await check(backend, true);
    assert.equal(ok, false);
    assert.deepEqual([findings.get('writable')?.value, findings.get('writable')?.status], [false, 'fail']);
    assert.equal(findings.has('clock-offset'), false);
  });
});
