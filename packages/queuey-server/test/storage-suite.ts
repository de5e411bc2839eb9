/**
 * The one storage suite: every adapter's test file calls `storageSuite` with
 * a factory that opens a fresh, empty storage and a controllable clock.
 */
import { describe } from 'vitest';
import { type OpenStorage, useStorage } from './support/storage-fixture.js';
import { concurrencyTests } from './support/storage-suite-concurrency.js';
import { expiryTests } from './support/storage-suite-expiry.js';
import { keyTests } from './support/storage-suite-keys.js';
import { messageTests } from './support/storage-suite-messages.js';
import { queueTests } from './support/storage-suite-queues.js';
import { writeTests } from './support/storage-suite-writes.js';

export type { OpenStorage } from './support/storage-fixture.js';
export { manualClock } from './support/storage-fixture.js';

export function storageSuite(name: string, open: OpenStorage): void {
  describe(`storage: ${name}`, () => {
    const fixture = useStorage(open);
    queueTests(fixture);
    messageTests(fixture);
    keyTests(fixture);
    expiryTests(fixture);
    concurrencyTests(fixture);
    writeTests(fixture);
  });
}
