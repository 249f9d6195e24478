import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { remoteFolder } from '/work/wt-hang/test/support/fault-targets.js';
import { makeSandbox } from '/work/wt-hang/test/support/run-cli.js';
import { runSync } from '/work/wt-hang/src/index.js';

const stallAt = Number(process.argv[2] ?? 3000);
const box = await makeSandbox('hang-dbg');
for (let i = 0; i < 4; i++) await fs.writeFile(path.join(box.local, `big${i}.bin`), randomBytes(700_000));
for (let i = 0; i < 40; i++) await fs.writeFile(path.join(box.local, `s${i}.txt`), `small ${i}\n`);
const folder = await remoteFolder((process.argv[3] ?? 'ftp') as any, 'hang-dbg', box.root);
folder.proxy!.whenBytes(stallAt, () => { console.log('STALL at', Date.now() - t0); folder.proxy!.stall(); });
const t0 = Date.now();
const pending = new Set<string>(); setInterval(() => console.log('tick', Date.now() - t0, folder.proxy!.bytes), 2000).unref();
const last = new Map<string,string>(); (globalThis as any).__trace = (p: string, tag: string) => last.set(p, tag + '@' + (Date.now()-t0));
setTimeout(() => { console.log((globalThis as any).__pools?.map((p: any) => p.debugState)); console.log('PENDING after 25s', [...pending].map(p => p + ':' + last.get(p))); process.exit(9); }, 25_000).unref();
try {
  const s = await runSync('upload', { local: box.local, remote: folder.url, stateDir: path.join(box.root, 'st'), createFolder: true,
    connection: { caFile: '/work/main/.test-servers/ftp-cert/cert.pem', onConnecting: () => console.log('connecting', Date.now() - t0), timeoutMs: 2000, useNetrc: false, useKeyring: false, prompt: 'never' },
    onEvent: (e: any) => {
      if (e.type === 'action-started') pending.add(e.action.path);
      if (e.type === 'action-finished') { pending.delete(e.result.action.path); console.log(Date.now() - t0, e.result.action.path, e.result.status, e.result.error ?? e.result.why ?? ''); }
    } });
  console.log('summary', s);
} catch (e) { console.log('ERR', Date.now() - t0, (e as Error).message); }
await folder.cleanup(); await box.cleanup();
