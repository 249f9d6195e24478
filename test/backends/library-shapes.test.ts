/**
 * The private parts of basic-ftp and ssh2 that ferry uses (basic-ftp-internals.ts, ssh2-internals.ts),
 * checked against real loopback servers (proftpd, sshd). An update of either library that renames
 * or reshapes one of them fails here, naming the field, instead of quietly slowing ferry down or
 * changing what it does.
 */
import assert from 'node:assert/strict';
import { Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import type { Client, FTPResponse } from 'basic-ftp';
import { interceptNextCommand, parseEpsvPort, runningTask, setPlaceholderDataSocket, writeCommands } from '../../src/backends/ftp/basic-ftp-internals.js';
import { connectFtpClient } from '../../src/backends/ftp/connect-ftp-client.js';
import { pipelinesEpsv } from '../../src/backends/ftp/pipelined-passive-transfer.js';
import type { SftpBackend } from '../../src/backends/sftp/sftp-backend.js';
import type { RelPath } from '../../src/core/rel-path.js';
import { serverSoftware, sftpAnnounced, sftpMaxWriteLength, sftpProcessesInOrder, sshSocket } from '../../src/backends/sftp/ssh2-internals.js';
import { clientSettingsFor } from '../ftp/ftp-test-servers.js';
import { openFreshSftp } from '../sftp/sftp-test-server.js';

describe('basic-ftp: the private parts ferry uses (basic-ftp-internals.ts), against proftpd', () => {
  const clients: Client[] = [];
  after(() => clients.forEach((client) => client.close()));
  const connect = async (): Promise<Client> => {
    const client = await connectFtpClient(await clientSettingsFor('proftpd'));
    clients.push(client);
    return client;
  };

  it('FTPContext._task holds the running task, and is cleared when it ends', async () => {
    const client = await connect();
    assert.equal(runningTask(client.ftp), undefined, 'basic-ftp FTPContext._task: not undefined while idle');
    const reply = client.send('NOOP');
    assert.equal(typeof runningTask(client.ftp), 'object', 'basic-ftp FTPContext._task: no object while a command runs');
    await reply;
    assert.equal(runningTask(client.ftp), undefined, 'basic-ftp FTPContext._task: not cleared after the command');
  });

  it('basic-ftp/dist/transfer.js parseEpsvResponse reads the port of a real EPSV reply', async () => {
    const client = await connect();
    const reply = await client.send('EPSV');
    const port = parseEpsvPort(reply.message);
    assert.ok(Number.isInteger(port) && port > 0 && port < 65536, `basic-ftp parseEpsvResponse: ${port} from ${JSON.stringify(reply.message)}`);
    assert.throws(() => parseEpsvPort('229 no port here'), Error, 'basic-ftp parseEpsvResponse: accepted a reply without a port');
  });

  it('FTPContext.handle without a command plus a write to FTPContext.socket: several commands, their replies in order', async () => {
    const client = await connect();
    const replies: FTPResponse[] = [];
    const done = writeCommands<FTPResponse[]>(
      client.ftp,
      ['NOOP', 'PWD'],
      () => 'NOOP + PWD',
      (response, task) => {
        if (response instanceof Error) return task.reject(response);
        replies.push(response);
        if (replies.length === 2) task.resolve(replies);
      },
    );
    const [noop, pwd] = await done;
    assert.equal(noop?.code, 200, 'basic-ftp FTPContext.handle(undefined, …) + FTPContext.socket.write: NOOP');
    assert.equal(pwd?.code, 257, 'basic-ftp FTPContext.handle(undefined, …) + FTPContext.socket.write: PWD');
    assert.equal((await client.send('NOOP')).code, 200, 'the connection works on afterwards');
  });

  it('FTPContext.handle replaced for the next command only', async () => {
    const client = await connect();
    const seen: Array<string | undefined> = [];
    interceptNextCommand(client.ftp, (command, responseHandler, originalHandle) => {
      seen.push(command);
      return originalHandle.call(client.ftp, command, responseHandler);
    });
    assert.equal((await client.send('NOOP')).code, 200);
    assert.deepEqual(seen, ['NOOP'], 'basic-ftp Client.send no longer goes through FTPContext.handle');
    assert.equal(Object.prototype.hasOwnProperty.call(client.ftp, 'handle'), false, 'basic-ftp FTPContext.handle: the replacement stayed');
    await client.send('PWD');
    assert.deepEqual(seen, ['NOOP'], 'basic-ftp FTPContext.handle: replaced for more than one command');
  });

  it('FTPContext.dataSocket takes a placeholder, and closes it when the real socket is set', async () => {
    const client = await connect();
    const placeholder = setPlaceholderDataSocket(client.ftp);
    assert.equal(client.ftp.dataSocket, placeholder, 'basic-ftp FTPContext.dataSocket: the placeholder was not kept');
    const real = new Socket();
    client.ftp.dataSocket = real;
    assert.equal(placeholder.destroyed, true, 'basic-ftp FTPContext.dataSocket setter: the placeholder was not closed');
    client.ftp.dataSocket = undefined;
  });

  it('Client.prepareTransfer becomes enterPassiveModeIPv6 once EPSV worked (so EPSV is then pipelined)', async () => {
    const client = await connect();
    await client.list('/');
    assert.equal(pipelinesEpsv(client), true, 'basic-ftp Client.prepareTransfer: not replaced by enterPassiveModeIPv6 after the first transfer');
    // The next transfer goes through the pipelined path and still works.
    await client.list('/');
  });
});

describe('ssh2: the private parts ferry uses (ssh2-internals.ts), against sshd', () => {
  let backend: SftpBackend | undefined;
  after(() => backend?.close());

  it('Client._sock, Client._remoteVer, SFTP._isOpenSSH, _version, _extensions, _maxWriteLen, and writes through the socket', async () => {
    backend = await openFreshSftp('library-shapes');
    const connection = backend.pool.live[0]!;
    const socket = sshSocket(connection.ssh);
    assert.ok(socket instanceof Socket, 'ssh2 Client._sock: not a net.Socket');
    assert.equal(typeof socket.localPort, 'number', 'ssh2 Client._sock: no local port');
    assert.match(serverSoftware(connection.ssh) ?? '', /^OpenSSH/, 'ssh2 Client._remoteVer: not the server version string');
    assert.equal(sftpProcessesInOrder(connection.sftp), true, 'ssh2 SFTP._isOpenSSH: not true for OpenSSH');
    const announced = sftpAnnounced(connection.sftp);
    assert.equal(announced.version, 3, 'ssh2 SFTP._version: not the SFTP version');
    assert.equal(announced.extensions['posix-rename@openssh.com'], '1', 'ssh2 SFTP._extensions: posix-rename missing');
    const max = sftpMaxWriteLength(connection.sftp);
    assert.ok(Number.isFinite(max) && max > 0, `ssh2 SFTP._maxWriteLen: ${max}`);
    // ssh2 writes its packets with the socket's write(), which ferry replaced to coalesce them.
    assert.notEqual(socket.write, Socket.prototype.write, 'ssh2-internals coalesceWrites: the socket write was not replaced');
    const replaced = socket.write;
    let writes = 0;
    socket.write = ((...args: Parameters<Socket['write']>) => {
      writes++;
      return replaced.apply(socket, args);
    }) as Socket['write'];
    try {
      await backend.stat('' as RelPath);
      await backend.list('' as RelPath);
    } finally {
      socket.write = replaced;
    }
    assert.ok(writes > 0, 'ssh2 no longer writes its packets through Client._sock.write');
  });
});
