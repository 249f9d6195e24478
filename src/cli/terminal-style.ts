/**
 * Colours for terminal output: on a TTY, or wherever FORCE_COLOR asks for them; never with
 * --no-color, and not with NO_COLOR (unless FORCE_COLOR) or TERM=dumb.
 */
import * as util from 'node:util';

/** Decides once whether to colour, and offers the few styles the output uses. */
export interface TerminalStyle {
  readonly enabled: boolean;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

type StyleName = 'red' | 'green' | 'yellow' | 'cyan' | 'dim' | 'bold';

/** SGR codes (open, close) of each style, for Node versions without `util.styleText`. */
const sgr: Record<StyleName, readonly [number, number]> = {
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
  dim: [2, 22],
  bold: [1, 22],
};

type StyleText = (format: StyleName, text: string, options?: { validateStream?: boolean }) => string;

/**
 * Node's own `util.styleText` where it exists (Node 20.12+), else the same codes written here.
 * `validateStream: false`: whether to colour is decided by {@link colourWanted}, not by Node
 * (Node 20 ignores the option and always colours, which is what is asked of it).
 */
const styleText: StyleText =
  typeof (util as { styleText?: unknown }).styleText === 'function'
    ? (format, text) => (util as unknown as { styleText: StyleText }).styleText(format, text, { validateStream: false })
    : (format, text) => `\u001b[${sgr[format][0]}m${text}\u001b[${sgr[format][1]}m`;

/**
 * Whether output to a stream is coloured. `--no-color` always wins; then FORCE_COLOR (set, and
 * not `0` or `false`) turns colours on even into a pipe, as in Node and most command-line tools;
 * then NO_COLOR (https://no-color.org) and TERM=dumb turn them off; otherwise a TTY is coloured.
 */
export function colourWanted(isTTY: boolean, options: { noColor?: boolean; env?: NodeJS.ProcessEnv } = {}): boolean {
  const env = options.env ?? process.env;
  if (options.noColor) return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === '0' || force.toLowerCase() === 'false') return false;
    return true;
  }
  return isTTY && env.NO_COLOR === undefined && env.TERM !== 'dumb';
}

/** Style for a stream (see {@link colourWanted} for when it colours). */
export function styleFor(stream: NodeJS.WriteStream, options: { noColor?: boolean; env?: NodeJS.ProcessEnv } = {}): TerminalStyle {
  const enabled = colourWanted(Boolean(stream.isTTY), options);
  const wrap = (format: StyleName) => (text: string) => (enabled ? styleText(format, text) : text);
  return {
    enabled,
    red: wrap('red'),
    green: wrap('green'),
    yellow: wrap('yellow'),
    cyan: wrap('cyan'),
    dim: wrap('dim'),
    bold: wrap('bold'),
  };
}
