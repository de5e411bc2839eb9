/**
 * Field validation with the original's (colander's) messages, collecting every
 * problem of a request before answering 400 keyed by field.
 */
import { errors } from '../errors.js';

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^\d+(?:\.\d+)?$/;

/** Missing and empty values are the same thing, as in the original. */
export function isMissing(raw: unknown): raw is undefined | null | '' {
  return raw === undefined || raw === null || raw === '';
}

/** A value quoted for an error message, cut short so a huge input is not echoed back. */
export function quote(raw: unknown): string {
  const text = typeof raw === 'string' ? raw : stringify(raw);
  return `"${text.length > 80 ? `${text.slice(0, 80)}...` : text}"`;
}

/** JSON of a value for a message; one nested too deep to write becomes a short description. */
function stringify(raw: unknown): string {
  try {
    return JSON.stringify(raw) ?? String(raw);
  } catch {
    return Array.isArray(raw) ? '[...]' : '{...}';
  }
}

interface Range {
  min?: number;
  max?: number;
}

export class FieldErrors {
  #prefix: string | (() => string);

  constructor(
    prefix: string | (() => string) = '',
    readonly messages: Record<string, string> = {},
    // Shared with the items of a batch: while it is 0, has() needs no key
    // string (it is asked per field of every message of a 1,000-message post).
    private readonly count: { added: number } = { added: 0 },
  ) {
    this.#prefix = prefix;
  }

  /** Made only when an error is keyed: a valid batch item needs no prefix string. */
  private get prefix(): string {
    if (typeof this.#prefix !== 'string') this.#prefix = this.#prefix();
    return this.#prefix;
  }

  /** Errors of a batch item are keyed `<index>.<field>`, in the same collection. */
  item(index: number): FieldErrors {
    return new FieldErrors(() => `${this.prefix}${index}.`, this.messages, this.count);
  }

  add(key: string, message: string): void {
    const full = `${this.prefix}${key}`;
    if (full in this.messages) return;
    this.messages[full] = message;
    this.count.added += 1;
  }

  has(key: string): boolean {
    return this.count.added > 0 && `${this.prefix}${key}` in this.messages;
  }

  throwIfAny(): void {
    if (this.count.added > 0) throw errors.badRequest(this.messages);
  }

  required(key: string, raw: unknown): string | undefined {
    if (isMissing(raw)) {
      this.add(key, 'Required');
      return undefined;
    }
    if (typeof raw === 'string') return raw;
    if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
    this.add(key, `${quote(raw)} is not a string`);
    return undefined;
  }

  integer(key: string, raw: unknown, range: Range = {}): number | undefined {
    if (isMissing(raw)) return undefined;
    // A safe integer in range, as most are (every partition of a batch):
    // no BigInt to make. `+ 0` turns -0 into 0, as the BigInt way does.
    if (isIntegerIn(raw, range)) return raw + 0;
    let value: bigint;
    if (typeof raw === 'number' && Number.isSafeInteger(raw)) value = BigInt(raw);
    else if (typeof raw === 'string' && INTEGER.test(raw.trim())) value = BigInt(raw.trim());
    else {
      this.add(key, `${quote(raw)} is not a number`);
      return undefined;
    }
    return this.#inRange(key, value, range);
  }

  /** A non-negative decimal number of seconds (the `wait` extension). */
  seconds(key: string, raw: unknown, range: Range = {}): number | undefined {
    if (isMissing(raw)) return undefined;
    const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
    if (!DECIMAL.test(text)) {
      this.add(key, `${quote(raw)} is not a number`);
      return undefined;
    }
    const value = Number(text);
    if (range.min !== undefined && value < range.min) {
      this.add(key, `${text} is less than minimum value ${range.min}`);
      return undefined;
    }
    if (range.max !== undefined && value > range.max) {
      this.add(key, `${text} is greater than maximum value ${range.max}`);
      return undefined;
    }
    return value;
  }

  oneOf<T extends string>(key: string, raw: unknown, choices: readonly T[]): T | undefined {
    if (isMissing(raw)) return undefined;
    if (typeof raw === 'string' && (choices as readonly string[]).includes(raw)) return raw as T;
    this.add(key, `${quote(raw)} is not one of ${choices.join(', ')}`);
    return undefined;
  }

  #inRange(key: string, value: bigint, range: Range): number | undefined {
    if (range.min !== undefined && value < BigInt(range.min)) {
      this.add(key, `${value} is less than minimum value ${range.min}`);
      return undefined;
    }
    const max = range.max ?? Number.MAX_SAFE_INTEGER;
    if (value > BigInt(max)) {
      this.add(key, `${value} is greater than maximum value ${max}`);
      return undefined;
    }
    return Number(value);
  }
}

/** A safe integer (a number, not a string of digits) within the range. */
export function isIntegerIn(raw: unknown, range: Range): raw is number {
  return (
    Number.isSafeInteger(raw) &&
    (range.min === undefined || (raw as number) >= range.min) &&
    (range.max === undefined || (raw as number) <= range.max)
  );
}

/** Colander's Bool: anything but `false`/`0` (or nothing) is true. */
export function parseBool(raw: unknown): boolean {
  if (isMissing(raw)) return false;
  if (typeof raw === 'boolean') return raw;
  return !['false', '0'].includes(String(raw).trim().toLowerCase());
}
