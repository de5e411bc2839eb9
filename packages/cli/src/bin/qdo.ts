#!/usr/bin/env node
import { qdoCommand } from '../commands/qdo.js';
import { runBin } from '../run.js';

await runBin('qdo', qdoCommand);
