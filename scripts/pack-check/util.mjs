// Small helpers shared by the pack check's steps: run a command and fail
// loudly with its output, and collect problems instead of stopping at the first.
import { spawn, spawnSync } from 'node:child_process';

export const problems = [];

export function fail(message) {
  problems.push(message);
  console.log(`  FAIL ${message}`);
}

export function ok(message) {
  console.log(`  ok   ${message}`);
}

const started = Date.now();

/** A step's title, with the seconds since the check started. */
export function section(title) {
  console.log(`\n== ${title} (at ${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

/** Runs a command; on a non-zero exit throws with its whole output. */
export function run(command, args, { cwd, env, timeout = 120_000 } = {}) {
  const result = spawnSync(command, args, {
    cwd,
    env: env ?? process.env,
    encoding: 'utf8',
    timeout,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw new Error(`${command} ${args.join(' ')}: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} exited with ${result.status ?? result.signal} in ${cwd}\n` +
        `${result.stdout}${result.stderr}`.trim(),
    );
  }
  return result.stdout;
}

/** Runs `fn`, turning a throw into a recorded problem. */
export async function attempt(label, fn) {
  try {
    const detail = await fn();
    ok(detail ? `${label}: ${detail}` : label);
  } catch (error) {
    fail(`${label}\n${indent(error instanceof Error ? error.message : String(error))}`);
  }
}

export const indent = (text) =>
  text
    .split('\n')
    .map((line) => `       ${line}`)
    .join('\n');

/** `run` without blocking: resolves with stdout, rejects with the whole output. */
export function runAsync(command, args, { cwd, env } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', (error) =>
      reject(new Error(`${command} ${args.join(' ')}: ${error.message}`)),
    );
    child.on('close', (code, signal) => {
      if (code === 0) resolve(stdout);
      else
        reject(
          new Error(
            `${command} ${args.join(' ')} exited with ${code ?? signal} in ${cwd}\n${stdout}${stderr}`.trim(),
          ),
        );
    });
  });
}

/** Runs `task` on every item, at most `limit` at a time; never rejects. */
export async function inPool(items, limit, task) {
  const outcomes = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        outcomes[i] = { value: await task(items[i]) };
      } catch (error) {
        outcomes[i] = { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return outcomes;
}
