/**
 * EPSV sent in one packet with the transfer command (src/backends/ftp/pipelined-passive-transfer.ts).
 * The real servers run it in every FTP conformance test; this scripted server shows what they
 * cannot: which packets carried which commands, and an EPSV refused after it had worked.
 */
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { Client } from 'basic-ftp';
import {
  EPSV_REFUSAL_GRACE_MAX_MS,
  EPSV_REFUSAL_GRACE_MIN_MS,
  epsvRefusalGraceMs,
  pipelineEpsvOnceChosen,
} from '../../src/backends/ftp/pipelined-passive-transfer.js';
import { storeBuffer } from '../../src/backends/ftp/store-buffer.js';

interface ScriptedServer {
  readonly port: number;
  /** The raw text of every packet (read) the control connection received. */
  readonly packets: string[];
  /** Answer EPSV with 500 from now on. */
  refuseEpsv: boolean;
  /** Refuse EPSV with 425 and never answer the command after it (proftpd out of passive ports). */
  outOfPorts: boolean;
  close(): Promise<void>;
}

const LISTING = 'type=file;size=3;modify=20240101000000; a.txt\r\n';
const CONTENT = 'abcdef';

async function startServer(): Promise<ScriptedServer> {
  const sockets = new Set<Socket>();
  const state: ScriptedServer = {
    port: 0,
    packets: [],
    refuseEpsv: false,
    outOfPorts: false,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((control) => {
    sockets.add(control);
    control.on('error', () => undefined);
    let pending: Promise<Socket> | undefined;
    let offset = 0;
    // A 229 for an EPSV that came with more commands in its packet waits for the next reply and
    // goes out in one write with it: so both arrive together, before ferry could have connected.
    let deferred = '';
    const reply = (text: string): void => {
      control.write(`${deferred}${text}\r\n`);
      deferred = '';
    };
    let buffered = '';
    // Commands are handled one after the other, as real servers read them.
    let queue = Promise.resolve();
    control.on('data', (chunk: Buffer) => {
      state.packets.push(chunk.toString('utf8'));
      buffered += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffered.indexOf('\r\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 2);
        const more = buffered.includes('\r\n');
        queue = queue.then(() => handle(line, more));
      }
    });
    let silent = false;
    const handle = async (line: string, more: boolean): Promise<void> => {
      const verb = line.split(' ')[0]!.toUpperCase();
      if (silent) {
        silent = false;
        return;
      }
      if (verb === 'USER') return reply('331 Password please');
      if (verb === 'PASS') return reply('230 Logged in');
      if (verb === 'TYPE' || verb === 'NOOP') return reply('200 OK');
      if (verb === 'EPSV') {
        if (state.refuseEpsv) return reply('500 EPSV not understood');
        if (state.outOfPorts) {
          silent = true;
          return reply('425 EPSV: Address already in use');
        }
        const data = createServer();
        pending = new Promise<Socket>((accept) =>
          data.once('connection', (socket) => {
            sockets.add(socket);
            data.close();
            accept(socket);
          }),
        );
        await new Promise<void>((resolve) => data.listen(0, '127.0.0.1', resolve));
        const text = `229 Entering Extended Passive Mode (|||${(data.address() as { port: number }).port}|)`;
        if (more) deferred = `${text}\r\n`;
        else reply(text);
        return;
      }
      if (verb === 'REST') {
        offset = Number(line.split(' ')[1]);
        return reply(`350 Restarting at ${offset}`);
      }
      if (verb === 'STOR' || verb === 'MLSD' || verb === 'RETR') {
        if (!pending) return reply('425 Use PASV or EPSV first');
        if (deferred) {
          control.write(deferred);
          deferred = '';
        }
        const socket = await pending;
        pending = undefined;
        reply('150 Opening data connection');
        if (verb === 'STOR') {
          let received = 0;
          await new Promise<void>((resolve) => {
            socket.on('data', (chunk: Buffer) => (received += chunk.length));
            socket.on('end', () => resolve());
          });
          socket.end();
          return reply(`226 Transfer complete (${received} bytes)`);
        }
        const payload = verb === 'MLSD' ? LISTING : CONTENT.slice(offset);
        offset = 0;
        await new Promise<void>((resolve) => socket.end(payload, resolve));
        return reply('226 Transfer complete');
      }
      reply('502 Not implemented');
    };
    reply('220 scripted server');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(state, { port: (server.address() as { port: number }).port });
}

describe('FTP: EPSV pipelined with the transfer command', () => {
  let server: ScriptedServer;
  let client: Client;
  before(async () => {
    server = await startServer();
    client = new Client(5000);
    pipelineEpsvOnceChosen(client);
    await client.access({ host: '127.0.0.1', port: server.port, user: 'u', password: 'p' });
  });
  after(async () => {
    client.close();
    await server.close();
  });

  const listNames = async (): Promise<string[]> => (await client.list('/')).map((entry) => entry.name);

  it('waits for the first EPSV reply, then sends EPSV and MLSD in one packet; listings stay whole', async () => {
    client.availableListCommands = ['MLSD'];
    assert.deepEqual(await listNames(), ['a.txt']);
    assert.ok(
      server.packets.some((packet) => packet === 'EPSV\r\n'),
      'the first EPSV goes alone',
    );
    server.packets.length = 0;
    for (let i = 0; i < 3; i++) assert.deepEqual(await listNames(), ['a.txt']);
    const epsvPackets = server.packets.filter((packet) => packet.includes('EPSV'));
    assert.equal(epsvPackets.length, 3);
    for (const packet of epsvPackets) assert.equal(packet, 'EPSV\r\nMLSD /\r\n');
  });

  it('a download that starts with REST: the 350 waits with the other replies, RETR follows, the bytes start at the offset', async () => {
    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk);
        callback();
      },
    });
    server.packets.length = 0;
    await client.downloadTo(sink, '/a.txt', 2);
    assert.equal(Buffer.concat(chunks).toString(), 'cdef');
    assert.ok(server.packets.includes('EPSV\r\nREST 2\r\n'), JSON.stringify(server.packets));
  });

  it('an EPSV refused after it had worked fails the transfer with that refusal; the connection goes on', async () => {
    server.refuseEpsv = true;
    await assert.rejects(listNames(), /500 EPSV not understood/);
    server.refuseEpsv = false;
    assert.equal((await client.send('NOOP')).code, 200, 'the MLSD reply (425) was consumed, not left for the next command');
    assert.deepEqual(await listNames(), ['a.txt']);
  });

  it('a transfer command left unanswered after a refused EPSV fails within seconds and closes the connection', async () => {
    server.outOfPorts = true;
    const started = Date.now();
    try {
      await assert.rejects(listNames(), /425 EPSV: Address already in use/);
    } finally {
      server.outOfPorts = false;
    }
    const waited = Date.now() - started;
    // Not the control connection's timeout (5 s here, 30 s by default): the grace period.
    // On loopback the refusal comes within a millisecond: the shortest grace applies.
    assert.ok(waited >= EPSV_REFUSAL_GRACE_MIN_MS - 100 && waited < EPSV_REFUSAL_GRACE_MIN_MS + 1000, `took ${waited} ms`);
    assert.equal(client.closed, true, 'a connection in an unknown state is closed');
  });

  it('a small file sent whole (storeBuffer): EPSV and STOR in one packet; left unanswered after a refused EPSV, it fails within seconds', async () => {
    client = new Client(5000);
    pipelineEpsvOnceChosen(client);
    await client.access({ host: '127.0.0.1', port: server.port, user: 'u', password: 'p' });
    client.availableListCommands = ['MLSD'];
    await listNames();
    server.packets.length = 0;
    const reply = await storeBuffer(client, '/b.bin', Buffer.alloc(10_000, 1));
    assert.equal(reply.message, '226 Transfer complete (10000 bytes)');
    assert.ok(server.packets.includes('EPSV\r\nSTOR /b.bin\r\n'), JSON.stringify(server.packets));
    server.outOfPorts = true;
    const started = Date.now();
    try {
      await assert.rejects(storeBuffer(client, '/c.bin', Buffer.from('c')), /425 EPSV: Address already in use/);
    } finally {
      server.outOfPorts = false;
    }
    const waited = Date.now() - started;
    // On loopback the refusal comes within a millisecond: the shortest grace applies.
    assert.ok(waited >= EPSV_REFUSAL_GRACE_MIN_MS - 100 && waited < EPSV_REFUSAL_GRACE_MIN_MS + 1000, `took ${waited} ms`);
    assert.equal(client.closed, true);
  });

  it('the grace after a refused EPSV grows with the round trip, within 0.5 and 3 s', () => {
    assert.equal(epsvRefusalGraceMs(0.3), EPSV_REFUSAL_GRACE_MIN_MS);
    assert.equal(epsvRefusalGraceMs(100), 800);
    assert.equal(epsvRefusalGraceMs(2000), EPSV_REFUSAL_GRACE_MAX_MS);
  });
});
