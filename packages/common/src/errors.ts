/**
 * The one error scheme of the qdo packages. Every package's base error class
 * extends `CodedError`: a stable string `code` prefixed by the package
 * (`QDO_`, `QDO_CLI_`, `QDO_FAILURE_`, `QDO_ZK_`, `QDO_DASHBOARD_`,
 * `QDO_COMMON_`, `QUEUEY_CLIENT_`, `QUEUEY_SERVER_`) and the standard ES2022
 * `cause`. Callers check `code` or `name`, never the message.
 *
 * A class states its code once, as `static readonly code`, which is also the
 * constant callers compare with (`error.code === QdoConfigError.code`); a
 * code given to the constructor wins over it. Names come from `nameErrors`.
 */
export abstract class CodedError<Code extends string = string> extends Error {
  /** The code of this class's errors when the constructor is given none. */
  static readonly code: string = 'CODED_ERROR';
  readonly code: Code;

  constructor(message: string, options: { code?: Code | undefined; cause?: unknown } = {}) {
    // Only a given cause becomes an own `cause` property, as with `new Error()`.
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code ?? ((new.target as typeof CodedError).code as Code);
  }
}

type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * Names a package's error classes in one place: each class's `name` (on its
 * prototype, so all its errors have it) is the key it is listed under, as
 * object keys survive minifiers and class names do not. Returns those names,
 * the set that the package's `is…Error` check accepts from another copy of
 * the package.
 */
export function nameErrors(classes: Record<string, ErrorClass>): ReadonlySet<string> {
  for (const [name, type] of Object.entries(classes)) {
    Object.defineProperty(type.prototype, 'name', {
      value: name,
      writable: true,
      configurable: true,
    });
  }
  return new Set(Object.keys(classes));
}

nameErrors({ CodedError });

/**
 * `value instanceof type`, or, for an error from another copy of the same
 * package (whose classes are different objects), an Error with a string
 * `code` whose `name` is one of `names`.
 */
export function isCodedError<T extends Error>(
  value: unknown,
  type: abstract new (...args: never[]) => T,
  names: ReadonlySet<string>,
): value is T {
  if (value instanceof type) return true;
  return (
    value instanceof Error &&
    names.has(value.name) &&
    typeof (value as { code?: unknown }).code === 'string'
  );
}

/** The codes @qdo/common throws with. */
export type CommonErrorCode = 'QDO_COMMON_INVALID_ID' | 'QDO_COMMON_OUT_OF_RANGE';

/**
 * A value outside what the message-id codec can represent: not 32 hex digits
 * (`QDO_COMMON_INVALID_ID`), or a time outside the UUID's 60 bits
 * (`QDO_COMMON_OUT_OF_RANGE`).
 */
export class QdoCommonError extends CodedError<CommonErrorCode> {
  /** No default code: each throw says which. */
  constructor(message: string, options: { code: CommonErrorCode; cause?: unknown }) {
    super(message, options);
  }
}

const COMMON_NAMES = nameErrors({ QdoCommonError });

export function isCommonError(value: unknown): value is QdoCommonError {
  return isCodedError(value, QdoCommonError, COMMON_NAMES);
}
