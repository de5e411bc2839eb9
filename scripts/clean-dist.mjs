#!/usr/bin/env node
// Empties the package's dist/ before tsc writes it, so files whose source is
// gone (or maps of a dropped kind) never reach a published tarball.
import { rmSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
