import { ManualClock } from '@qdo/common';
import { describe, expect, it } from 'vitest';
import { Liveness } from '../src/liveness.js';

const never = () => new Promise<never>(() => undefined);

describe('the self-fencing deadline', () => {
  it('falls due after the deadline of elapsed time, though the wall clock stepped back 30 s', () => {
    const clock = new ManualClock();
    let fired = 0;
    const liveness = new Liveness({ probe: never, clock, deadline: 666, onOverdue: () => fired++ });
    clock.set(clock.now() - 30_000);
    clock.advance(600);
    expect(liveness.overdue()).toBe(false);
    clock.advance(100);
    expect(liveness.overdue()).toBe(true);
    expect(liveness.silence()).toBe(700);
  });

  it('does not fall due when the wall clock steps forward past the deadline', () => {
    const clock = new ManualClock();
    const liveness = new Liveness({ probe: never, clock, deadline: 666, onOverdue: () => {} });
    clock.set(clock.now() + 60_000);
    expect(liveness.overdue()).toBe(false);
  });
});
