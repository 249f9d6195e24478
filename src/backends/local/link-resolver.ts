/**
 * `--links follow` for local folders: where a symbolic link may be followed. A link is followed
 * only when its target (all links resolved) lies inside the root, and, for a folder, when that
 * folder is not one the path already passes through (which would be a loop).
 */
import type { Stats } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { RelPath } from '../../core/rel-path.js';

/** A followed link's target, or why it is not followed. */
export type FollowResult = { readonly real: string; readonly stats: Stats } | { readonly why: string };

/** Resolves links below one root. */
export class LinkResolver {
  private realRoot: Promise<string> | undefined;

  constructor(private readonly root: string) {}

  private async rootReal(): Promise<string> {
    this.realRoot ??= fs.realpath(this.root);
    return this.realRoot;
  }

  private isInsideRoot(real: string, rootReal: string): boolean {
    return real === rootReal || real.startsWith(rootReal.endsWith(path.sep) ? rootReal : rootReal + path.sep);
  }

  /**
   * Follows the link at `absLink`, listed in the folder `dir` (relative to the root). Reports why
   * when the link dangles, leaves the root, or points to a folder on its own path.
   */
  async follow(dir: RelPath, absLink: string): Promise<FollowResult> {
    const rootReal = await this.rootReal();
    let real: string;
    try {
      real = await fs.realpath(absLink);
    } catch {
      return { why: 'symlink (broken or a loop)' };
    }
    if (!this.isInsideRoot(real, rootReal)) return { why: 'symlink (points outside the folder)' };
    const stats = await fs.stat(real);
    if (stats.isDirectory()) {
      // The real folders the path to this link passes through: following into one of them again
      // would list the same tree forever.
      const prefixes = ['', ...(dir === '' ? [] : dir.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/')))];
      for (const prefix of prefixes) {
        const passed = await fs.realpath(path.join(this.root, ...prefix.split('/').filter(Boolean))).catch(() => undefined);
        if (passed === real) return { why: 'symlink (a loop)' };
      }
    }
    return { real, stats };
  }

  /** The real path to read when `abs` is a followable link; undefined when it is not a link. */
  async followIfLink(dir: RelPath, abs: string): Promise<string | undefined> {
    const stats = await fs.lstat(abs).catch(() => undefined);
    if (!stats?.isSymbolicLink()) return undefined;
    const followed = await this.follow(dir, abs);
    return 'why' in followed ? undefined : followed.real;
  }
}
