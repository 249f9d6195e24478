/**
 * The goal rows `npm run bench:all` collects from each benchmark's output (bench/support/goal-rows.ts):
 * both forms are read back as printed, other lines are left alone, and a misprinted row is an
 * error rather than a goal silently missing from the summary.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { goalLine, parseGoalLines, verdict, type GoalRow } from '../../bench/support/goal-rows.js';

const row: GoalRow = {
  id: 'loopback-ftp-noop',
  goal: 'loopback FTP no-op, ferry / fastest peer',
  measured: '1.41×',
  target: '≤ 0.7×',
  met: false,
  size: '200 × 4 KiB',
  goalSize: false,
  note: 'ferry 0.65 s | lftp 0.54 s, "quoted"',
};

describe('goal rows of the benchmarks', () => {
  it('reads back a printed row among the other lines of a benchmark', () => {
    const output = `small files: 200 × 4 KiB\n| ftp | no-op | 0.65 |\r\nsftp repeat 1/1: first ferry    \r${goalLine(row)}\nNot a GOAL line\n`;
    assert.deepEqual(parseGoalLines(output), [row]);
  });

  it('reads the short form: a ratio that must not exceed the target, other fields as a note', () => {
    const [resume, other] = parseGoalLines('GOAL resume-ftp ratio=0.27 target=0.30\nGOAL resume-sftp ratio=0.412 target=0.3 killed=80%\n');
    assert.deepEqual(resume, { id: 'resume-ftp', goal: 'resume ftp', measured: '0.27×', target: '≤ 0.30×', met: true });
    assert.deepEqual(other, { id: 'resume-sftp', goal: 'resume sftp', measured: '0.41×', target: '≤ 0.30×', met: false, note: 'killed 80%' });
  });

  it('keeps the last row of an id, in the order ids first came', () => {
    const again = { ...row, measured: '0.69×', met: true };
    const rows = parseGoalLines([goalLine(row), 'GOAL startup-noop ratio=1.5 target=1.3', goalLine(again)].join('\n'));
    assert.deepEqual(
      rows.map((r) => [r.id, r.measured]),
      [
        ['startup-noop', '1.50×'],
        ['loopback-ftp-noop', '0.69×'],
      ],
    );
  });

  it('refuses rows it cannot read', () => {
    for (const bad of [
      'GOAL {"id":"x","goal":"g","measured":"1×","target":"≤ 1×"}', // no met
      'GOAL {"id":"x","goal":"g","measured":"1×","target":"≤ 1×","met":"yes"}',
      'GOAL {"id":"x", broken',
      'GOAL resume-ftp ratio=fast target=0.30',
      'GOAL resume-ftp ratio=0.2',
      'GOAL resume-ftp 0.2 0.3',
    ])
      assert.throws(() => parseGoalLines(bad), /goal line/, bad);
  });

  it('words the verdict', () => {
    assert.equal(verdict(row), 'MISSED');
    assert.equal(verdict({ ...row, met: true }), 'met');
    assert.equal(verdict({ ...row, met: null }), '–');
  });
});
