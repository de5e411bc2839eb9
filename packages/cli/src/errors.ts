/**
 * Errors of @qdo/cli. Commands throw these; the bins catch them in one place
 * (see run.ts) and map them to an exit code and one printed line.
 */
import { type ConfigProblem, formatProblem } from '@qdo/common';
export class CliError extends Error {
  override name = 'CliError';
  readonly code: string = 'QDO_CLI_ERROR';
  /** Process exit code: 2 for usage and configuration, 1 for runtime failures. */
  readonly exitCode: number = 1;
}

/** A command's deliberate exit: `message` is printed as is, without a stack. */
export class ExitError extends CliError {
  override name = 'ExitError';
  override readonly code: string = 'QDO_EXIT';
  override readonly exitCode: number;
  constructor(exitCode: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.exitCode = exitCode;
  }
}

/** Bad command-line usage (unknown flag, missing argument): exit 2. */
export class UsageError extends ExitError {
  override name = 'UsageError';
  override readonly code = 'QDO_CLI_USAGE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(2, message, options);
  }
}

/** Everything wrong with a config file, one problem per line: exit 2. */
export class ConfigError extends ExitError {
  override name = 'ConfigError';
  override readonly code = 'QDO_CLI_CONFIG';
  readonly problems: readonly ConfigProblem[];
  constructor(problems: readonly ConfigProblem[]) {
    super(2, problems.map(formatProblem).join('\n'));
    this.problems = problems;
  }
}

/** A hook spec that cannot be loaded (missing module, export, not a function): exit 2. */
export class HookError extends ExitError {
  override name = 'HookError';
  override readonly code = 'QDO_CLI_HOOK';
  constructor(message: string, options?: { cause?: unknown }) {
    super(2, message, options);
  }
}

export function isCliError(e: unknown): e is CliError {
  if (e instanceof CliError) return true;
  const { exitCode, code } = (e ?? {}) as { exitCode?: unknown; code?: unknown };
  return (
    e instanceof Error &&
    typeof exitCode === 'number' &&
    typeof code === 'string' &&
    code.startsWith('QDO_CLI_')
  );
}
