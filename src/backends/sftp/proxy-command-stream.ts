/**
 * `ProxyCommand`: a command whose stdin and stdout carry the SSH connection, as OpenSSH runs it
 * (`ssh -W %h:%p bastion`, `nc -X connect -x proxy:8080 %h %p`, `cloudflared access ssh ...`).
 */
import { spawn } from 'node:child_process';
import { Duplex } from 'node:stream';

/** An open ProxyCommand: the stream to the server, and what the command said when it failed. */
export interface ProxyCommandStream {
  readonly stream: Duplex;
  /** The last lines the command wrote to stderr and how it ended, for an error message ('' if nothing). */
  readonly failure: () => string;
}

/**
 * Expands the `%` tokens ssh allows in ProxyCommand: `%h` host, `%p` port, `%r` user, `%n` the
 * name as typed, `%%` a percent sign. Other tokens are left as written.
 */
export function expandProxyCommand(command: string, tokens: { host: string; port: number; user: string; alias: string }): string {
  return command.replace(/%(.)/g, (all, token: string) => {
    switch (token) {
      case '%':
        return '%';
      case 'h':
        return tokens.host;
      case 'p':
        return String(tokens.port);
      case 'r':
        return tokens.user;
      case 'n':
        return tokens.alias;
      default:
        return all;
    }
  });
}

/**
 * Starts `command` through the shell (like ssh, which runs it with `exec` in the user's shell) and
 * returns its stdin/stdout as one stream. Destroying the stream ends the command. Its stderr is
 * kept (the last 2 KiB) for messages and passed line by line to `trace`.
 */
export function startProxyCommand(command: string, trace?: (line: string) => void): ProxyCommandStream {
  const child = spawn(command, { shell: true, stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
  let stderr = '';
  let ended = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-2048);
    if (trace) for (const line of chunk.split(/\r?\n/)) if (line.trim() !== '') trace(`proxy-command: ${line}`);
  });
  child.on('error', (error) => {
    ended = `could not start: ${error.message}`;
  });
  child.on('exit', (code, signal) => {
    ended = signal ? `ended by ${signal}` : `exited with code ${code}`;
    trace?.(`proxy-command ${ended}`);
  });
  const stream = Duplex.from({ readable: child.stdout, writable: child.stdin });
  // A write after the command died must not crash the process: ssh2 reports the closed stream.
  child.stdin.on('error', () => undefined);
  stream.on('error', () => undefined);
  stream.on('close', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill();
  });
  return {
    stream,
    failure: () => {
      const said = stderr.trim().split(/\r?\n/).slice(-2).join(' / ');
      return [ended, said ? `it said: ${said}` : ''].filter((part) => part !== '').join('; ');
    },
  };
}
