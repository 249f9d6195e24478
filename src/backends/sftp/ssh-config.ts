/**
 * The part of OpenSSH's client config (`~/.ssh/config`, ssh_config(5)) that ferry honours:
 * `Host` blocks with patterns, `Match` blocks on `host`, `originalhost`, `user`, `localuser` and
 * `all`, and in them `HostName`, `Port`, `User`, `IdentityFile`, `IdentitiesOnly`,
 * `UserKnownHostsFile`, `ProxyJump` and `ProxyCommand`. Like ssh, the first value found for a
 * keyword wins (IdentityFile accumulates; of ProxyJump and ProxyCommand the first one found wins).
 * `Include` is followed. A `Match` on anything else (`exec`, `canonical`, `final`, `localnetwork`,
 * `tagged`) is skipped with a warning: ferry runs no command to decide a match.
 *
 * Why not the `ssh-config` package: its lookup (5.x) does not follow `Include`, matches keywords
 * case-sensitively, and runs `Match exec` commands itself; this reader is small and does what ssh does
 * for the keywords above.
 */
import { readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import * as path from 'node:path';
import { FerryError } from '../../errors.js';

/** What the config says about one host. */
export interface SshHostConfig {
  readonly hostName?: string;
  readonly port?: number;
  readonly user?: string;
  readonly identityFiles: readonly string[];
  readonly userKnownHostsFiles: readonly string[];
  /** `IdentitiesOnly yes`: only the configured keys (and `--ssh-key`), agent keys only if among them. */
  readonly identitiesOnly?: boolean;
  /** `ProxyJump` as written (`[user@]host[:port][,...]`); absent for none. */
  readonly proxyJump?: string;
  /** `ProxyCommand` as written (its `%` tokens are expanded when connecting); absent for none. */
  readonly proxyCommand?: string;
  /** Things the config asks for that ferry does not do (one line each, for the user). */
  readonly warnings: readonly string[];
}

interface Directive {
  readonly keyword: string;
  readonly args: string[];
  /** Everything after the keyword, as written (ProxyCommand is a shell command line). */
  readonly rest: string;
}

interface Block {
  /** Undefined for the lines before the first Host (they apply to every host). */
  readonly patterns: string[] | undefined;
  /** The criteria of a `Match` line, with where it was for warnings. */
  readonly match?: { readonly args: string[]; readonly written: string; readonly where: string };
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
  text.split(/\r?\n/).forEach((rawLine, index) => {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) return;
    // A line that starts with `=` names no keyword: ssh rejects it, ferry skips it.
    const head = /^([^\s=]+)\s*(?:=\s*)?(.*)$/.exec(line);
    if (!head) return;
    const rest = head[2]!.trim();
    const words = [head[1]!, ...splitWords(rest)];
    const keyword = words[0]!.toLowerCase();
    const args = words.slice(1);
    if (keyword === 'host') {
      current = { patterns: args, directives: [] };
      blocks.push(current);
    } else if (keyword === 'match') {
      current = { patterns: undefined, match: { args, written: rest, where: `${file}:${index + 1}` }, directives: [] };
      blocks.push(current);
    } else if (keyword === 'include' && depth < 8) {
      // Relative includes are relative to ~/.ssh, as ssh does for user configs.
      for (const arg of args) {
        const target = path.isAbsolute(expandHome(arg)) ? expandHome(arg) : path.join(homedir(), '.ssh', arg);
        parseBlocks(target, depth + 1, blocks);
      }
      current = blocks[blocks.length - 1]!;
    } else {
      current.directives.push({ keyword, args, rest });
    }
  });
}

function patternMatches(patterns: readonly string[], host: string): boolean {
  let matched = false;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const pattern = negated ? raw.slice(1) : raw;
    const re = new RegExp(
      `^${pattern
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
      'i',
    );
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

/** Criteria of `Match` that ferry can decide without running anything. */
const decidableCriteria = new Set(['all', 'host', 'originalhost', 'user', 'localuser']);

function localUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? '';
  }
}

/** Criteria of `Match` that take no argument. */
const bareCriteria = new Set(['all', 'canonical', 'final']);

/**
 * Whether a `Match` line applies, as ssh decides it: every criterion must hold (`!` negates one);
 * `host` is the name after any `HostName` seen so far, `originalhost` the name as typed. False as
 * soon as one criterion ferry can decide fails; otherwise undefined when one cannot be decided
 * (the block is then skipped with a warning).
 */
function matchApplies(args: readonly string[], facts: { host: string; originalHost: string; user: string }): boolean | undefined {
  let undecided = false;
  for (let i = 0; i < args.length; i++) {
    const raw = args[i]!;
    const negated = raw.startsWith('!');
    const criterion = (negated ? raw.slice(1) : raw).toLowerCase();
    const value = bareCriteria.has(criterion) ? undefined : args[++i];
    if (!decidableCriteria.has(criterion) || (criterion !== 'all' && value === undefined)) {
      undecided = true;
      continue;
    }
    const subject = criterion === 'host' ? facts.host : criterion === 'originalhost' ? facts.originalHost : criterion === 'user' ? facts.user : localUser();
    const holds = criterion === 'all' || patternMatches(value!.split(','), subject);
    if (holds === negated) return false;
  }
  return undecided ? undefined : true;
}

/** Who the lookup is for, besides the host name. */
export interface SshConfigLookup {
  /** The user named in the URL (it decides `Match user` and wins over `User`). */
  readonly user?: string;
}

/**
 * Looks `host` (the name as typed in the URL) up in the ssh config file `file`. A missing file
 * gives an empty result, as for ssh.
 */
export function readSshConfig(file: string, host: string, lookup: SshConfigLookup = {}): SshHostConfig {
  const blocks: Block[] = [];
  parseBlocks(file, 0, blocks);
  let hostName: string | undefined;
  let port: number | undefined;
  let user: string | undefined;
  let identitiesOnly: boolean | undefined;
  let proxy: { readonly jump: string } | { readonly command: string } | undefined;
  const identityFiles: string[] = [];
  const knownHosts: string[] = [];
  const warnings: string[] = [];
  for (const block of blocks) {
    if (block.match) {
      const applies = matchApplies(block.match.args, {
        host: hostName ? hostName.replace(/%h/g, host) : host,
        originalHost: host,
        user: lookup.user ?? user ?? localUser(),
      });
      if (applies === undefined) {
        warnings.push(
          `${block.match.where}: "Match ${block.match.written}" is not supported by ferry (it decides only host, originalhost, user, localuser and all); that block is skipped`,
        );
      }
      if (applies !== true) continue;
    } else if (block.patterns !== undefined && !patternMatches(block.patterns, host)) {
      continue;
    }
    for (const { keyword, args, rest } of block.directives) {
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
        case 'identitiesonly':
          identitiesOnly ??= value.toLowerCase() === 'yes' || value.toLowerCase() === 'true';
          break;
        case 'userknownhostsfile':
          if (knownHosts.length === 0) knownHosts.push(...args);
          break;
        case 'proxyjump':
          proxy ??= { jump: value };
          break;
        case 'proxycommand':
          proxy ??= { command: rest };
          break;
      }
    }
  }
  const realHost = hostName ? hostName.replace(/%h/g, host) : undefined;
  const tokenHost = realHost ?? host;
  const effectiveUser = lookup.user ?? user;
  const jump = proxy && 'jump' in proxy && proxy.jump.toLowerCase() !== 'none' ? proxy.jump : undefined;
  const command = proxy && 'command' in proxy && proxy.command.toLowerCase() !== 'none' ? proxy.command : undefined;
  return {
    hostName: realHost,
    port,
    user,
    identityFiles: identityFiles.map((f) => expandTokens(f, tokenHost, effectiveUser, port)),
    userKnownHostsFiles: knownHosts.filter((f) => f.toLowerCase() !== 'none').map((f) => expandTokens(f, tokenHost, effectiveUser, port)),
    ...(identitiesOnly !== undefined ? { identitiesOnly } : {}),
    ...(jump !== undefined ? { proxyJump: jump } : {}),
    ...(command !== undefined ? { proxyCommand: command } : {}),
    warnings,
  };
}
