import { FaultProxy } from '/work/wt-hang/test/support/fault-proxy.js';
import { loadServer } from '/work/wt-hang/test/support/test-servers.js';
import { connectFtpClient } from '/work/wt-hang/src/backends/ftp/connect-ftp-client.js';
const f = loadServer<any>('proftpd');
const proxy = await FaultProxy.start(f.port, { ftp: true });
proxy.stall();
const t0 = Date.now();
setTimeout(() => { console.log('still hanging'); process.exit(1); }, 15000).unref();
try {
  const c = await connectFtpClient({ host: '127.0.0.1', port: proxy.port, user: f.user, password: f.password, tls: 'none', tlsOptions: {}, encoding: 'utf8', timeoutMs: 2000, label: 'x' });
  console.log('connected?!');
} catch (e) { console.log('failed after', Date.now() - t0, (e as Error).message); }
await proxy.close();
import { FtpClientPool } from '/work/wt-hang/src/backends/ftp/ftp-client-pool.js';
const proxy2 = await FaultProxy.start(f.port, { ftp: true });
proxy2.stall();
const pool = new FtpClientPool({ size: 4, connect: (signal) => connectFtpClient({ host: '127.0.0.1', port: proxy2.port, user: f.user, password: f.password, tls: 'none', tlsOptions: {}, encoding: 'utf8', timeoutMs: 2000, label: 'x' }, signal) });
const t1 = Date.now();
const rs = await Promise.allSettled([1,2,3,4,5,6].map(() => pool.use(async (c) => c.send('NOOP'))));
console.log('pool after', Date.now() - t1, rs.map(r => r.status));
