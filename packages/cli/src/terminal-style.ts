/** Colours and screen control, on only where a terminal is attached and `NO_COLOR` is unset. */
export interface TerminalStyle {
  readonly tty: boolean;
  readonly color: boolean;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  cyan(text: string): string;
  bold(text: string): string;
}

/** The style for `stream`: ANSI colours when it is a TTY and `NO_COLOR` is empty or unset (https://no-color.org). */
export function terminalStyle(stream: { readonly isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): TerminalStyle {
  const tty = stream.isTTY === true;
  const color = tty && (env['NO_COLOR'] === undefined || env['NO_COLOR'] === '');
  const wrap = (code: number) => (text: string) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
  return { tty, color, dim: wrap(2), red: wrap(31), green: wrap(32), cyan: wrap(36), bold: wrap(1) };
}
