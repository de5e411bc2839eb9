import { describe, expect, it } from 'vitest';
import { Progress } from '../src/cli/progress.js';
import { table } from '../src/cli/table.js';
import { uuid1Time } from '../src/commands/status-data.js';

describe('uuid1Time', () => {
  it('reads the time of a UUID1 id and refuses other ids', () => {
    // 2012-08-28T11:35:31.962Z, the message id of the seed's example
    expect(new Date(uuid1Time('79924e0ff10411e1850bb88d120c81de') as number).toISOString()).toBe(
      '2012-08-28T11:35:31.962Z',
    );
    expect(uuid1Time('79924e0ff10441e1850bb88d120c81de')).toBeUndefined();
    expect(uuid1Time('not-an-id')).toBeUndefined();
  });
});

describe('table', () => {
  it('pads text left and numbers right', () => {
    expect(
      table(
        ['NAME', 'N'],
        [
          ['a', 10],
          ['long', 2],
        ],
      ),
    ).toBe('NAME   N\na     10\nlong   2');
  });
});

describe('Progress', () => {
  const stream = (isTTY: boolean) => {
    const out = {
      text: '',
      isTTY,
      write(s: string) {
        out.text += s;
        return true;
      },
    };
    return out;
  };

  it('draws a bar on a TTY once the input is large, and clears it at the end', () => {
    const tty = stream(true);
    const progress = new Progress(tty as never, 1000);
    progress.update(10, 100);
    expect(tty.text).toBe('');
    progress.update(2000, 500);
    const ESC = '\u001b';
    expect(tty.text.startsWith('\r[###############...............] 50% 2000 messages, ')).toBe(
      true,
    );
    expect(tty.text.endsWith(`/s${ESC}[K`)).toBe(true);
    progress.done();
    expect(tty.text.endsWith('\r\u001b[K')).toBe(true);
  });

  it('stays silent when stderr is not a TTY', () => {
    const pipe = stream(false);
    const progress = new Progress(pipe as never);
    progress.update(5000, 0);
    progress.done();
    expect(pipe.text).toBe('');
  });
});
