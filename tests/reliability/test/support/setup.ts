// Runs around every test: a test that leaves a process running fails, and so
// does one whose processes printed an app key (QUEUEY_API.md, "keys never in logs").

import { reapProcesses } from '@qdo/test-utils';
import { afterEach, expect } from 'vitest';
import { knownKeys } from './secrets.js';

afterEach(async () => {
  const { left, outputs } = await reapProcesses();
  expect(left, 'processes left running by the test').toEqual([]);
  for (const key of knownKeys()) {
    for (const { label, output } of outputs) {
      expect(output.includes(key), `${label} printed an app key:\n${output}`).toBe(false);
    }
  }
});
