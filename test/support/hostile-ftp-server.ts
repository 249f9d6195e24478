/**
 * A scripted FTP server on loopback (node `net`) that serves whatever listings and file contents a
 * test gives it, however hostile: names with `..`, `/`, NUL, duplicates, enormous sizes, absurd
 * times, malformed lines, a file that grows while it is downloaded. It speaks enough FTP for
 * ferry's downloads: USER, PASS, FEAT, OPTS, SYST, PWD, CWD, TYPE, EPSV, PASV, MLSD, MLST, LIST,
 * SIZE, MDTM, RETR, NOOP, QUIT. Every writing command is refused (550), so nothing the test did
 * not script can happen on the "server".
 */
import { createServer, type Server, type Socket } from 'node:net';

/** One folder of the scripted server: the raw listing text it sends (MLSD or LIST format). */
export interface ScriptedFolder {
  readonly listing: string;
}

/** One file of the scripted server. */
export interface ScriptedFile {
  /** The bytes RETR sends; a function is called on each RETR (for a file that changes). */
  readonly content: Buffer | (() => Buffer);
  /** Facts MLST and SIZE/MDTM report; a function is called each time. */
  readonly facts: string | (() => string);
  readonly size?: number | (() => number);
  readonly mdtm?: string;
}

/** What the server serves, by absolute path (`/`, `/sub`, `/sub/file`). */
export interface HostileScript {
  /** MLSD (default) or LIST-only (FEAT without MLST). */
  readonly mode: 'mlsd' | 'list';
  readonly folders: Record<string, ScriptedFolder>;
  readonly files: Record<string, ScriptedFile>;
  /** The text of the 220 greeting (default `hostile test server`). */
  readonly banner?: string;
  /** The text of the 550 that refuses every change (default `Not allowed on this server`). */
  readonly refusal?: string;
}

/** A running scripted server. */
export interface HostileFtpServer {
  readonly port: number;
  /** Every command received, in order (for assertions that nothing was written). */
  readonly commands: string[];
  close(): Promise<void>;
}

function normalise(cwd: string, arg: string): string {
  const joined = arg.startsWith('/') ? arg : `${cwd === '/' ? '' : cwd}/${arg}`;
  const parts: string[] = [];
  for (const part of joined.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `/${parts.join('/')}`;
}

/** Starts the server on 127.0.0.1 (a free port). */
export async function startHostileFtpServer(script: HostileScript): Promise<HostileFtpServer> {
  const commands: string[] = [];
  const sockets = new Set<Socket>();
  const dataServers = new Set<Server>();
  const server = createServer((control) => {
    sockets.add(control);
    control.on('close', () => sockets.delete(control));
    control.on('error', () => undefined);
    let cwd = '/';
    let pendingData: Promise<Socket> | undefined;
    const reply = (text: string): void => {
      if (!control.destroyed) control.write(`${text}\r\n`);
    };
    const openPassive = (): Promise<number> =>
      new Promise((resolve) => {
        const data = createServer();
        dataServers.add(data);
        pendingData = new Promise<Socket>((accept) => {
          data.once('connection', (socket) => {
            sockets.add(socket);
            socket.on('close', () => sockets.delete(socket));
            socket.on('error', () => undefined);
            data.close();
            dataServers.delete(data);
            accept(socket);
          });
        });
        data.listen(0, '127.0.0.1', () => resolve((data.address() as { port: number }).port));
      });
    const sendData = async (payload: Buffer, done: string): Promise<void> => {
      if (!pendingData) return reply('425 Use PASV or EPSV first');
      const socket = await pendingData;
      pendingData = undefined;
      reply('150 Opening BINARY mode data connection');
      socket.end(payload, () => reply(done));
    };
    const fileAt = (arg: string): ScriptedFile | undefined => script.files[normalise(cwd, arg)];
    const value = <T>(v: T | (() => T)): T => (typeof v === 'function' ? (v as () => T)() : v);

    reply(`220 ${script.banner ?? 'hostile test server'}`);
    let buffered = '';
    control.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl).replace(/\r$/, '');
        buffered = buffered.slice(nl + 1);
        void handle(line);
      }
    });
    const handle = async (line: string): Promise<void> => {
      commands.push(line);
      const space = line.indexOf(' ');
      const verb = (space < 0 ? line : line.slice(0, space)).toUpperCase();
      const arg = space < 0 ? '' : line.slice(space + 1);
      switch (verb) {
        case 'USER':
          return reply('331 Password please');
        case 'PASS':
          return reply('230 Logged in');
        case 'FEAT':
          control.write(
            `211-Features:\r\n${script.mode === 'mlsd' ? ' MLST type*;size*;modify*;unix.mode*;\r\n' : ''} SIZE\r\n MDTM\r\n UTF8\r\n EPSV\r\n PASV\r\n211 End\r\n`,
          );
          return;
        case 'OPTS':
        case 'TYPE':
        case 'NOOP':
          return reply('200 OK');
        case 'SYST':
          return reply('215 UNIX Type: L8');
        case 'PWD':
          return reply(`257 "${cwd}" is the current directory`);
        case 'CWD': {
          const target = normalise(cwd, arg);
          if (script.folders[target] === undefined) return reply('550 No such directory');
          cwd = target;
          return reply('250 OK');
        }
        case 'EPSV':
          return reply(`229 Entering Extended Passive Mode (|||${await openPassive()}|)`);
        case 'PASV': {
          const port = await openPassive();
          return reply(`227 Entering Passive Mode (127,0,0,1,${port >> 8},${port & 255})`);
        }
        case 'MLSD':
        case 'LIST': {
          const folder = script.folders[arg && !arg.startsWith('-') ? normalise(cwd, arg) : cwd];
          if (!folder) return reply('550 No such directory');
          return sendData(Buffer.from(folder.listing, 'utf8'), '226 Transfer complete');
        }
        case 'MLST': {
          const target = normalise(cwd, arg);
          if (script.folders[target] !== undefined) return reply(`250-Listing ${arg}\r\n type=dir; ${target}\r\n250 End`);
          const file = fileAt(arg);
          if (!file) return reply('550 No such file');
          return reply(`250-Listing ${arg}\r\n ${value(file.facts)} ${target}\r\n250 End`);
        }
        case 'SIZE': {
          const file = fileAt(arg);
          if (!file) return reply('550 No such file');
          return reply(`213 ${value(file.size ?? value(file.content).length)}`);
        }
        case 'MDTM': {
          const file = fileAt(arg);
          if (!file?.mdtm) return reply('550 No such file');
          return reply(`213 ${file.mdtm}`);
        }
        case 'RETR': {
          const file = fileAt(arg);
          if (!file) return reply('550 No such file');
          return sendData(value(file.content), '226 Transfer complete');
        }
        case 'QUIT':
          reply('221 Bye');
          control.end();
          return;
        default:
          // STOR, DELE, MKD, RMD, RNFR, SITE, MFMT, ...: this server changes nothing.
          return reply(`550 ${script.refusal ?? 'Not allowed on this server'}`);
      }
    };
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    commands,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      for (const data of dataServers) data.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
