/**
 * The part of OpenSSH's client config (`~/.ssh/config`, ssh_config(5)) that ferry honours:
 * `Host` blocks with patterns, and in them `HostName`, `Port`, `User`, `IdentityFile`,
 * `UserKnownHostsFile`. Like ssh, the first value found for a keyword wins (IdentityFile
 * accumulates). `Match` blocks are skipped (their conditions need a shell); `Include` is followed.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import * as path from 'node:path';
import { FerryError } from '../../errors.js';

/** What the config says about one host. */
export interface SshHostConfig {
  readonly hostName?: string;
  readonly port?: number;
  readonly user?: string;
  readonly identityFiles: readonly string[];
  readonly userKnownHostsFiles: readonly string[];
}

interface Directive {
  readonly keyword: string;
  readonly args: string[];
}

interface Block {
  /** Undefined for the lines before the first Host (they apply to every host); null for Match. */
  readonly patterns: string[] | undefined | null;
  readonly directives: Directive[];
}

/** Splits a config line into words, honouring double quotes; `Key=value` is allowed. */
function splitWords(line: string): string[] {
  const words: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) words.push(m[1] ?? m[2]!);
  return words;
}

function expandHome(file: string): string {
  if (file === '~') return homedir();
  if (file.startsWith('~/')) return path.join(homedir(), file.slice(2));
  return file;
}

function parseBlocks(file: string, depth: number, blocks: Block[]): void {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return;
  }
  let current: Block = blocks[blocks.length - 1] ?? { patterns: undefined, directives: [] };
  if (blocks.length === 0) blocks.push(current);
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = /^(\S+?)\s*=\s*(.*)$/.exec(line);
    const words = eq ? [eq[1]!, ...splitWords(eq[2]!)] : splitWords(line);
    const keyword = words[0]!.toLowerCase();
    const args = words.slice(1);
    if (keyword === 'host') {
      current = { patterns: args, directives: [] };
      blocks.push(current);
    } else if (keyword === 'match') {
      current = { patterns: null, directives: [] };
      blocks.push(current);
    } else if (keyword === 'include' && depth < 8) {
      // Relative includes are relative to ~/.ssh, as ssh does for user configs.
      for (const arg of args) {
        const target = path.isAbsolute(expandHome(arg)) ? expandHome(arg) : path.join(homedir(), '.ssh', arg);
        parseBlocks(target, depth + 1, blocks);
      }
      current = blocks[blocks.length - 1]!;
    } else {
      current.directives.push({ keyword, args });
    }
  }
}

function patternMatches(patterns: readonly string[], host: string): boolean {
  let matched = false;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const pattern = negated ? raw.slice(1) : raw;
    const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
    if (re.test(host)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

/** Expands the `%` tokens ssh allows in IdentityFile and known-hosts paths. */
function expandTokens(value: string, host: string, user: string | undefined, port: number | undefined): string {
  const expanded = value.replace(/%(.)/g, (all, token: string) => {
    switch (token) {
      case '%':
        return '%';
      case 'd':
        return homedir();
      case 'h':
        return host;
      case 'r':
        return user ?? '';
      case 'p':
        return String(port ?? 22);
      case 'u':
        return process.env.USER ?? '';
      default:
        return all;
    }
  });
  return expandHome(expanded);
}

/**
 * Looks `host` (the name as typed in the URL) up in the ssh config file `file`. A missing file
 * gives an empty result, as for ssh.
 */
export function readSshConfig(file: string, host: string): SshHostConfig {
  const blocks: Block[] = [];
  parseBlocks(file, 0, blocks);
  let hostName: string | undefined;
  let port: number | undefined;
  let user: string | undefined;
  const identityFiles: string[] = [];
  const knownHosts: string[] = [];
  for (const block of blocks) {
    if (block.patterns === null) continue;
    if (block.patterns !== undefined && !patternMatches(block.patterns, host)) continue;
    for (const { keyword, args } of block.directives) {
      const value = args[0];
      if (value === undefined) continue;
      switch (keyword) {
        case 'hostname':
          hostName ??= value;
          break;
        case 'port':
          if (port !== undefined) break;
          // A port that cannot be used must not quietly become port 22 (or crash the connect).
          if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 65535) {
            throw new FerryError('config', `${file}: Port ${JSON.stringify(value).slice(1, -1)} for ${host} is not a port number (1-65535)`);
          }
          port = Number(value);
          break;
        case 'user':
          user ??= value;
          break;
        case 'identityfile':
          identityFiles.push(value);
          break;
        case 'userknownhostsfile':
          if (knownHosts.length === 0) knownHosts.push(...args);
          break;
      }
    }
  }
  const realHost = hostName ? hostName.replace(/%h/g, host) : undefined;
  const tokenHost = realHost ?? host;
  return {
    hostName: realHost,
    port,
    user,
    identityFiles: identityFiles.map((f) => expandTokens(f, tokenHost, user, port)),
    userKnownHostsFiles: knownHosts.filter((f) => f.toLowerCase() !== 'none').map((f) => expandTokens(f, tokenHost, user, port)),
  };
}
