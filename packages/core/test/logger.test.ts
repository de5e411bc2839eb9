import { describe, expect, it, vi } from 'vitest';
import { createLogger, workerName } from '../src/index.js';

describe('createLogger', () => {
  it('writes plain lines, without colour codes, when stdout is not a terminal', () => {
    const write = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      const tty = process.stdout.isTTY;
      Object.defineProperty(process.stdout, 'isTTY', { value: false, configurable: true });
      try {
        createLogger({ name: 'w' }).info('hello');
      } finally {
        Object.defineProperty(process.stdout, 'isTTY', { value: tty, configurable: true });
      }
      const line = write.mock.calls.flat().join(' ');
      expect(line).toContain('hello');
      expect(line).toContain('w');
      // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for ANSI escapes
      expect(line).not.toMatch(/\u001b\[/);
    } finally {
      write.mockRestore();
    }
  });

  it('colours lines when asked to', () => {
    const write = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      createLogger({ colors: true }).info('hello');
      // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for ANSI escapes
      expect(write.mock.calls.flat().join(' ')).toMatch(/\u001b\[/);
    } finally {
      write.mockRestore();
    }
  });
});

describe('workerName', () => {
  it('is host-pid, with the configured name appended', () => {
    expect(workerName()).toMatch(new RegExp(`-${process.pid}$`));
    expect(workerName('blue')).toMatch(new RegExp(`-${process.pid}-blue$`));
  });
});
