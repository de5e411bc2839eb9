import { manualClock, storageSuite } from './storage-suite.js';
import { openInTestSchema } from './support/postgres.js';

// The shared storage suite, unchanged, against a real PostgreSQL: each test
// gets its own PostgreSQL schema, dropped afterwards.
storageSuite('postgres', () => openInTestSchema(manualClock()));
