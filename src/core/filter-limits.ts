/**
 * The values of `--min-size`, `--max-size` and `--max-age`, as rclone and rsync users write them.
 * Pure.
 */

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/**
 * Bytes from `500`, `10k`, `1.5M`, `2G`, `1T` (binary multiples, as rclone and rsync read them;
 * `KiB`, `KB`, `K` are the same); undefined when the text is not a size.
 */
export function parseSize(text: string): number | undefined {
  const found = /^\s*(\d+(?:\.\d+)?)\s*([bkmgt]?)(?:i?b)?\s*$/i.exec(text);
  if (!found) return undefined;
  const unit = SIZE_UNITS[found[2]!.toLowerCase()]!;
  return Math.round(Number(found[1]) * unit);
}

const AGE_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/**
 * Milliseconds from `90s`, `30m`, `12h`, `7d`, `2w`, or several (`1d12h`); a bare number is
 * seconds (as rclone reads it). Undefined when the text is not a duration.
 */
export function parseAge(text: string): number | undefined {
  const trimmed = text.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  if (!/^(\d+(\.\d+)?(ms|s|m|h|d|w))+$/.test(trimmed)) return undefined;
  let total = 0;
  for (const part of trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g)) total += Number(part[1]) * AGE_UNITS[part[2]!]!;
  return Math.round(total);
}
