#!/usr/bin/env node
import { workerMain } from '../cli/worker-entry.js';
import { runBin } from '../run.js';

await runBin('qdo-worker', workerMain);
