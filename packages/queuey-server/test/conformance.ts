/**
 * The HTTP conformance suite: every row of QUEUEY_API.md, including each
 * error case, over real HTTP. Each storage's test file calls it unchanged.
 */
import { describe } from 'vitest';
import { authTests } from './support/conformance-auth.js';
import { headerTests } from './support/conformance-headers.js';
import { idTests } from './support/conformance-ids.js';
import { ifMatchTests } from './support/conformance-if-match.js';
import { messageTests } from './support/conformance-messages.js';
import { positionTests } from './support/conformance-positions.js';
import { queueTests } from './support/conformance-queues.js';
import { type OpenStorage, useHttpFixture } from './support/http-fixture.js';

export type { OpenStorage } from './support/http-fixture.js';
export { clockAt } from './support/http-fixture.js';

export function conformanceSuite(name: string, openStorage: OpenStorage): void {
  // Generous: the suite shares a loaded machine; nothing in it is timed that tightly.
  describe(`conformance: ${name}`, { timeout: 30_000 }, () => {
    const fixture = useHttpFixture(openStorage);
    authTests(fixture);
    queueTests(fixture);
    messageTests(fixture);
    idTests(fixture);
    ifMatchTests(fixture);
  });
  describe(`conformance: ${name}, extensions`, { timeout: 30_000 }, () => {
    positionTests(openStorage);
    headerTests(openStorage);
  });
}
