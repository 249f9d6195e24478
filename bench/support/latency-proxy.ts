/**
 * A loopback proxy that plays a server far away, for `npm run bench:small -- --latency-ms N`: run
 * as its own process, so that it keeps forwarding while the benchmark waits for a tool.
 *
 *   node --import tsx bench/support/latency-proxy.ts --target PORT --latency-ms N [--ftp]
 *
 * Prints `port P` once it listens on 127.0.0.1:P and forwards to 127.0.0.1:PORT, every chunk
 * arriving N ms after it was sent (each way: a round trip takes 2 × N), until stdin closes.
 * `--ftp` routes passive data connections through it too (plain FTP only).
 */
import { FaultProxy } from '../../test/support/fault-proxy.js';
import { parseArgs } from './bench-support.js';

const args = parseArgs();
const target = Number(args.get('target'));
const latencyMs = Number(args.get('latency-ms') ?? 0);
if (!Number.isInteger(target) || target <= 0 || !(latencyMs >= 0)) {
  console.error('usage: latency-proxy.ts --target PORT --latency-ms N [--ftp]');
  process.exit(2);
}
const proxy = await FaultProxy.start(target, { ftp: args.get('ftp') === 'true' });
proxy.setLatency(latencyMs);
console.log(`port ${proxy.port}`);
// The proxy's sockets do not keep the process alive (as in the tests); stdin does, until the
// benchmark closes it.
process.stdin.resume();
process.stdin.on('end', () => {
  // What passed through, for the record (stderr: the benchmark shows it).
  const { pasv, epsv } = proxy.passiveReplies;
  if (args.get('stats') === 'true')
    console.error(`latency proxy: ${proxy.accepted} connections (${proxy.dataAccepted} FTP data; PASV ${pasv}, EPSV ${epsv} replies rewritten)`);
  void proxy.close().then(() => process.exit(0));
});
