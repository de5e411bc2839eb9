// Small helpers shared by the pack check's steps: run a command and fail
// loudly with its output, and collect problems instead of stopping at the first.
import { spawnSync } from 'node:child_process';

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
