import type { BodyOf } from '@qdo/queuey-client';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  BodyParseError,
  type Job,
  type Message,
  QdoConfigError,
  StopWorker,
  Worker,
} from '../src/index.js';
import { quietLogger, run, until, useQueuey } from './helpers.js';

const q = useQueuey();

describe('body = json', () => {
  it('gives the job what a typed queue handle posted, parsed and typed', async () => {
    const name = await q.newQueue();
    const counts = q.client.queue<{ n: number }>(name);
    await counts.post({ n: 1 });
    await counts.postMany([{ body: { n: 2 } }, { body: { n: -1 } }]);
    const seen: { n: number }[] = [];
    const job: Job<unknown, BodyOf<typeof counts>> = (message) => {
      expectTypeOf(message).toEqualTypeOf<Message<{ n: number }>>();
      expectTypeOf(message.body.n).toEqualTypeOf<number>();
      if (message.body.n < 0) throw new StopWorker();
      seen.push(message.body);
    };
    await run(
      new Worker({
        queuey: q.client,
        logger: quietLogger,
        settings: { body: 'json', waitInterval: 0.02 },
        job,
      }),
    );
    expect(seen).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('sends a body that is not JSON to job_failure with the message id and the parse error, then carries on', async () => {
    const { queue, ids } = await q.queueWith(['{"n":1}', 'not json', '{"n":2}']);
    const seen: number[] = [];
    const failures: { body: unknown; error: unknown }[] = [];
    const worker = new Worker<unknown, { n: number }>({
      queuey: q.client,
      logger: quietLogger,
      settings: { body: 'json', waitInterval: 0.02 },
      job: (message) => {
        seen.push(message.body.n);
      },
      jobFailure: (message, _context, _partition, error) => {
        failures.push({ body: message.body, error });
      },
    });
    const done = run(worker);
    await until(() => seen.length === 2);
    worker.stop();
    await done;
    expect(seen).toEqual([1, 2]);
    expect(failures).toHaveLength(1);
    const [{ body, error }] = failures as [{ body: unknown; error: BodyParseError }];
    expect(body).toBe('not json');
    expect(error).toBeInstanceOf(BodyParseError);
    expect(error).toMatchObject({
      code: 'QDO_BODY_PARSE',
      messageId: ids[1],
      partition: `${queue}-1`,
    });
    expect(error.message).toMatch(
      new RegExp(`^body of message ${ids[1]} in ${queue}-1 does not parse: .*not valid JSON`),
    );
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });

  it('refuses body = json together with parseBody, and a format it does not know', () => {
    const both = () =>
      new Worker({
        queuey: q.client,
        settings: { body: 'json' },
        parseBody: (body) => body,
      });
    expect(both).toThrow(QdoConfigError);
    expect(both).toThrow("give settings.body = 'json' or parseBody, not both");
    const unknown = () => new Worker({ queuey: q.client, settings: { body: 'yaml' as never } });
    expect(unknown).toThrow('settings.body must be text or json, got "yaml"');
  });
});
