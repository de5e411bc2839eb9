/**
 * Errors of @qdo/cli. Commands throw these; the bins catch them in one place
 * (see run.ts) and map them to an exit code and one printed line.
 */
import {
  CodedError,
  type ConfigProblem,
  formatProblem,
  isCodedError,
  nameErrors,
} from '@qdo/common';

/** The codes of @qdo/cli's errors. */
export type CliErrorCode =
  | 'QDO_CLI_ERROR'
  | 'QDO_CLI_EXIT'
  | 'QDO_CLI_USAGE'
  | 'QDO_CLI_CONFIG'
  | 'QDO_CLI_HOOK';

export class CliError extends CodedError<CliErrorCode> {
  static override readonly code: CliErrorCode = 'QDO_CLI_ERROR';
  /** Process exit code: 2 for usage and configuration, 1 for runtime failures. */
  readonly exitCode: number = 1;
}

/** A command's deliberate exit: `message` is printed as is, without a stack. */
export class ExitError extends CliError {
  static override readonly code: CliErrorCode = 'QDO_CLI_EXIT';
  override readonly exitCode: number;
  constructor(exitCode: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.exitCode = exitCode;
  }
}

/** Bad input that the user fixes (usage, config file, hook spec): exit 2. */
class InputError extends ExitError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(2, message, options);
  }
}

/** Bad command-line usage (unknown flag, missing argument): exit 2. */
export class UsageError extends InputError {
  static override readonly code = 'QDO_CLI_USAGE';
}

/** Everything wrong with a config file, one problem per line: exit 2. */
export class ConfigError extends InputError {
  static override readonly code = 'QDO_CLI_CONFIG';
  readonly problems: readonly ConfigProblem[];
  constructor(problems: readonly ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.problems = problems;
  }
}

/** A hook spec that cannot be loaded (missing module, export, not a function): exit 2. */
export class HookError extends InputError {
  static override readonly code = 'QDO_CLI_HOOK';
}

const NAMES = nameErrors({ CliError, ExitError, UsageError, ConfigError, HookError });

export function isCliError(e: unknown): e is CliError {
  return (
    isCodedError(e, CliError, NAMES) && typeof (e as { exitCode?: unknown }).exitCode === 'number'
  );
}
