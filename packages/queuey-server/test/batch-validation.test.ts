/**
 * validateBatch takes plainly valid items by a shortcut (message-fields.ts,
 * plainItem): every item must come out of it as it comes out of the full
 * check, message and errors alike.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateBatch } from '../src/http/message-fields.js';
import { FieldErrors } from '../src/http/validate.js';

const anyValue = fc.oneof(
  fc.constantFrom(undefined, null, '', 0, -0, 1, 2, 7, 1.5, -1, 2 ** 25, 2 ** 25 + 1, 2 ** 53),
  fc.constantFrom(
    '1',
    ' 3 ',
    'x',
    'x'.repeat(255),
    'x'.repeat(256),
    true,
    false,
    [],
    {},
    { a: 'b' },
  ),
  fc.string({ maxLength: 300 }),
  fc.integer(),
);

const item = fc.record(
  { body: anyValue, ttl: anyValue, partition: anyValue, content_type: anyValue },
  { requiredKeys: [] },
);

/** The messages and errors of one batch; `full` forces the full check of every item. */
function validated(items: Record<string, unknown>[], full: boolean) {
  const errors = new FieldErrors();
  // `headers: null` is no headers to the full check, and no plain item to the shortcut.
  const sent = full ? items.map((i) => ({ ...i, headers: null })) : items;
  // One partition: a message without one gets partition 1 either way, not a random one.
  const messages = validateBatch(sent, { partitions: 1, errors, headers: true });
  return { messages, errors: errors.messages };
}

describe('validateBatch', () => {
  it('gives each item the message and errors of the full check', () => {
    fc.assert(
      fc.property(fc.array(item, { maxLength: 5 }), (items) => {
        expect(validated(items, false)).toEqual(validated(items, true));
      }),
      { numRuns: 2000 },
    );
  });
});
