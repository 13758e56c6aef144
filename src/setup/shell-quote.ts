/** Quotes one argument for a POSIX shell, so printed commands can be pasted exactly as shown. */
export function shellQuote(argument: string): string {
  if (/^[\w@%+=:,./-]+$/.test(argument)) return argument;
  return `'${argument.replace(/'/g, `'\\''`)}'`;
}

export function shellLine(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

/**
 * Like shellQuote, but `${NAME}` placeholders stay expandable: such an argument is double-quoted
 * with every other `$`, backtick, backslash and double quote escaped.
 */
export function shellQuoteExpanding(argument: string): string {
  if (!/\$\{[A-Z_]+\}/.test(argument)) return shellQuote(argument);
  const escaped = argument.replace(/[\\"`]/g, '\\$&').replace(/\$(?!\{[A-Z_]+\})/g, '\\$');
  return `"${escaped}"`;
}
