/**
 * Colours for terminal output: only on a TTY, never with NO_COLOR or --no-color.
 */

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

/** Style for a stream; colours only when it is a TTY and neither NO_COLOR nor --no-color is set. */
export function styleFor(stream: NodeJS.WriteStream, options: { noColor?: boolean; env?: NodeJS.ProcessEnv } = {}): TerminalStyle {
  const env = options.env ?? process.env;
  const enabled = Boolean(stream.isTTY) && !options.noColor && env.NO_COLOR === undefined && env.TERM !== 'dumb';
  const wrap = (open: number, close: number) => (text: string) => (enabled ? `\u001b[${open}m${text}\u001b[${close}m` : text);
  return {
    enabled,
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    cyan: wrap(36, 39),
    dim: wrap(2, 22),
    bold: wrap(1, 22),
  };
}
