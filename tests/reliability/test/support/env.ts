import { waitFor } from '@qdo/test-utils';

/** The short form runs in the normal test run; RELIABILITY_LONG=1 the long one. */
export const LONG = process.env.RELIABILITY_LONG === '1';

/** `short` in the normal run, `long` with RELIABILITY_LONG=1. */
export function scale<T>(short: T, long: T): T {
  return LONG ? long : short;
}

/** RELIABILITY_SEED replays a run; every test prints the seed it used. */
export const SEED = Number(process.env.RELIABILITY_SEED ?? 20_240_917);

/** A small seeded PRNG (mulberry32): the same seed gives the same faults. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** An integer in [min, max]. */
export function between(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** Polls `check` until it returns a truthy value; fails with `what` after `ms`. */
export function until<T>(what: string, check: () => T | Promise<T>, ms = 30_000): Promise<T> {
  return waitFor(check, { what, timeout: ms });
}
