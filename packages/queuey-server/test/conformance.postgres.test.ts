import { clockAt, conformanceSuite } from './conformance.js';
import { openInTestSchema } from './support/postgres.js';

// The HTTP conformance suite, unchanged, over a real PostgreSQL: each test
// gets its own PostgreSQL schema, dropped afterwards.
conformanceSuite('postgres', () => openInTestSchema(clockAt()));
