import { describe, expect, it } from 'vitest';
import { CodedError, isCodedError, isCommonError, QdoCommonError, uuidTime } from '../src/index.js';

type ToyCode = 'TOY_ERROR' | 'TOY_BROKEN';
const TOY_NAMES: ReadonlySet<string> = new Set(['ToyError', 'BrokenToyError']);

/** A package's base class and one subclass, as every package declares them. */
class ToyError extends CodedError<ToyCode> {
  static override readonly code: ToyCode = 'TOY_ERROR';
  override name = 'ToyError';
}
class BrokenToyError extends ToyError {
  static override readonly code = 'TOY_BROKEN';
  override name = 'BrokenToyError';
  readonly part: string;
  constructor(part: string, options?: { cause?: unknown }) {
    super(`the ${part} broke`, options);
    this.part = part;
  }
}
/** Another package's error, with the same code. */
class OtherError extends CodedError {
  override name = 'OtherError';
}
const isToyError = (value: unknown) => isCodedError(value, ToyError, TOY_NAMES);

describe('CodedError', () => {
  it('keeps the message, the code and the subclass name', () => {
    const error = new BrokenToyError('wheel');
    expect(error.message).toBe('the wheel broke');
    expect(error.code).toBe('TOY_BROKEN');
    expect(error.name).toBe('BrokenToyError');
    expect(error.part).toBe('wheel');
    expect(String(error)).toBe('BrokenToyError: the wheel broke');
    expect(error.stack).toMatch(/^BrokenToyError: the wheel broke/);
  });

  it("takes its code from the class's static code unless the constructor is given one", () => {
    expect(new ToyError('x').code).toBe('TOY_ERROR');
    expect(new ToyError('x', { code: 'TOY_BROKEN' }).code).toBe('TOY_BROKEN');
    expect(new BrokenToyError('wheel').code).toBe(BrokenToyError.code);
    expect(new OtherError('x').code).toBe(CodedError.code);
  });

  it('keeps the cause as the standard ES2022 own property, and has none when none was given', () => {
    const cause = new Error('low level');
    expect(new BrokenToyError('wheel', { cause }).cause).toBe(cause);
    expect(new BrokenToyError('wheel', { cause: 'not an Error' }).cause).toBe('not an Error');
    expect(Object.hasOwn(new BrokenToyError('wheel'), 'cause')).toBe(false);
  });

  it('is an instance of every class up its chain', () => {
    const error = new BrokenToyError('wheel');
    expect(error).toBeInstanceOf(BrokenToyError);
    expect(error).toBeInstanceOf(ToyError);
    expect(error).toBeInstanceOf(CodedError);
    expect(error).toBeInstanceOf(Error);
    expect(new ToyError('x')).not.toBeInstanceOf(BrokenToyError);
    expect(new OtherError('x')).not.toBeInstanceOf(ToyError);
  });

  it('recognises an error of another copy of the package by name and code, never by message', () => {
    const foreign = Object.assign(new Error('the wheel broke'), {
      name: 'BrokenToyError',
      code: 'TOY_BROKEN',
    });
    expect(isToyError(foreign)).toBe(true);
    expect(isToyError(new BrokenToyError('wheel'))).toBe(true);
    expect(isToyError(Object.assign(new Error('x'), { name: 'BrokenToyError' }))).toBe(false);
    expect(
      isToyError(Object.assign(new Error('x'), { name: 'OtherError', code: 'TOY_BROKEN' })),
    ).toBe(false);
    expect(isToyError({ name: 'ToyError', code: 'TOY_ERROR', message: 'x' })).toBe(false);
    expect(isToyError(new OtherError('x', { code: 'TOY_ERROR' }))).toBe(false);
  });
});

describe("@qdo/common's own errors", () => {
  it('are QdoCommonErrors with a QDO_COMMON_ code', () => {
    let thrown: unknown;
    try {
      uuidTime('nope');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(QdoCommonError);
    expect(thrown).toBeInstanceOf(CodedError);
    expect(thrown).toMatchObject({ name: 'QdoCommonError', code: 'QDO_COMMON_INVALID_ID' });
    expect(isCommonError(thrown)).toBe(true);
    expect(isCommonError(new OtherError('x', { code: 'QDO_COMMON_INVALID_ID' }))).toBe(false);
  });
});
