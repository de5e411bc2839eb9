import { clockAt, conformanceSuite } from './conformance.js';
import { openInTempDir } from './support/storage-fixture.js';

conformanceSuite('sqlite', () => openInTempDir(clockAt()));
