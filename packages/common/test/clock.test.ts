import { describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../src/index.js';

describe('the clock contract', () => {
  it('system sleep resolves (never rejects) at once when its signal aborts', async () => {
    const stop = new AbortController();
    const slept = systemClock.sleep(60_000, stop.signal);
    stop.abort();
    await expect(slept).resolves.toBeUndefined();
    await expect(systemClock.sleep(60_000, stop.signal)).resolves.toBeUndefined();
  });

  it('a manual clock wakes sleepers only when time passes their deadline', async () => {
    const clock = new ManualClock(1_000);
    let woke = 0;
    void clock.sleep(500).then(() => woke++);
    void clock.sleep(1_500).then(() => woke++);
    expect(clock.sleeping).toBe(2);
    clock.advance(499);
    await Promise.resolve();
    expect(woke).toBe(0);
    clock.advance(1);
    await new Promise((r) => setImmediate(r));
    expect(woke).toBe(1);
    expect(clock.now()).toBe(1_500);
    clock.advance(1_000);
    await new Promise((r) => setImmediate(r));
    expect(woke).toBe(2);
    expect(clock.sleeping).toBe(0);
  });

  it('a manual sleep ends on abort like the system one, and may go backwards in time', async () => {
    const clock = new ManualClock(10_000);
    const stop = new AbortController();
    const slept = clock.sleep(1_000, stop.signal);
    stop.abort();
    await expect(slept).resolves.toBeUndefined();
    expect(clock.sleeping).toBe(0);
    clock.set(5_000);
    expect(clock.now()).toBe(5_000);
  });

  it('measures deadlines on monotonic time: a wall-clock step either way wakes no sleeper and moves no monotonic reading', async () => {
    const clock = new ManualClock(100_000);
    let woke = 0;
    void clock.sleep(1_000).then(() => woke++);
    const before = clock.monotonic();
    clock.set(40_000);
    clock.set(400_000);
    await new Promise((r) => setImmediate(r));
    expect(woke).toBe(0);
    expect(clock.monotonic()).toBe(before);
    clock.advance(1_000);
    await new Promise((r) => setImmediate(r));
    expect(woke).toBe(1);
    expect(clock.monotonic()).toBe(before + 1_000);
    expect(clock.now()).toBe(401_000);
  });

  it('the system clock’s monotonic reading never goes back', () => {
    const a = systemClock.monotonic();
    const b = systemClock.monotonic();
    expect(b).toBeGreaterThanOrEqual(a);
  });
});

describe('the clock’s timers', () => {
  it('a system timer fires once its time passed, and not once cancelled', async () => {
    const fired: string[] = [];
    systemClock.timer(1, () => fired.push('kept'));
    const cancel = systemClock.timer(1, () => fired.push('cancelled'));
    cancel();
    await new Promise((r) => setTimeout(r, 20));
    expect(fired).toEqual(['kept']);
  });

  it('a manual timer fires only when advance passes its deadline, earliest first; a cancelled one never', () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    clock.timer(300, () => fired.push('300'));
    clock.timer(100, () => fired.push('100'));
    const cancel = clock.timer(200, () => fired.push('200'));
    expect(clock.timers).toEqual([100, 200, 300]);
    expect(clock.sleeping).toBe(0); // a timer is no sleep
    clock.advance(99);
    expect(fired).toEqual([]);
    expect(clock.timers).toEqual([1, 101, 201]);
    cancel();
    clock.advance(1_000);
    expect(fired).toEqual(['100', '300']);
    expect(clock.timers).toEqual([]);
  });

  it('a manual timer cancelled by one firing before it in the same advance does not fire', () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    let cancelLater = () => {};
    clock.timer(10, () => {
      fired.push('first');
      cancelLater();
    });
    cancelLater = clock.timer(20, () => fired.push('later'));
    clock.advance(50);
    expect(fired).toEqual(['first']);
  });

  it('a wall-clock step fires no manual timer', () => {
    const clock = new ManualClock(100_000);
    let fired = 0;
    clock.timer(1_000, () => fired++);
    clock.set(500_000);
    expect(fired).toBe(0);
    clock.advance(1_000);
    expect(fired).toBe(1);
  });
});
