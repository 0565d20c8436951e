/**
 * What the project's command-line tools share (cli/pipeline-cli.ts, cli/users-cli.ts): where they
 * write, their error for a failure they explain themselves, and how they answer `--help` and a
 * command line they cannot run.
 */

export interface Writer {
  write(text: string): unknown;
}

/** A failure whose message already says what happened and what to do: printed as it is. */
export class CliError extends Error {}

/** What a parser answers instead of a command: the help, or why the command line is wrong. */
export type UsageAnswer = { readonly kind: 'help' } | { readonly kind: 'usage-error'; readonly message: string };

export function isUsageAnswer<T extends { readonly kind: string }>(parsed: T | UsageAnswer): parsed is UsageAnswer {
  return parsed.kind === 'help' || parsed.kind === 'usage-error';
}

/** Prints the help (exit code 0) or the error and the help (exit code 2, as for a usage error). */
export function answerUsage(answer: UsageAnswer, usage: string, io: { readonly out: Writer; readonly err: Writer }): number {
  if (answer.kind === 'help') {
    io.out.write(`${usage}\n`);
    return 0;
  }
  io.err.write(`error: ${answer.message}\n\n${usage}\n`);
  return 2;
}

/**
 * Rows as aligned text lines: every column padded to its widest cell, the first one left-aligned,
 * the others left-aligned too unless `numbers` (then right-aligned, for figures); two spaces
 * between columns, no trailing spaces.
 */
export function alignColumns(rows: readonly (readonly string[])[], numbers = false): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [column, cell] of row.entries()) widths[column] = Math.max(widths[column] ?? 0, cell.length);
  }
  return rows.map((row) => row.map((cell, column) => (numbers && column > 0 ? cell.padStart(widths[column]) : cell.padEnd(widths[column]))).join('  ').trimEnd());
}
