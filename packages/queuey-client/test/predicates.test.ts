import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  httpStatus,
  isConflict,
  isNotFound,
  isTransient,
  QueueyClient,
  QueueyConnectionError,
  QueueyHTTPError,
} from '../src/index.js';
import { startRawServer } from './helpers.js';
import { KEY, startQueuey, stopAll, uniqueName } from './queuey.js';

let queuey: QueueyClient;

beforeAll(async () => {
  queuey = new QueueyClient({ connection: (await startQueuey()).root, appKey: KEY, timeout: 3000 });
});
afterAll(stopAll);

/** What a request rejected with. */
async function failure(request: Promise<unknown>): Promise<unknown> {
  return request.then(
    () => expect.fail('the request succeeded'),
    (error: unknown) => error,
  );
}

describe('error predicates, on the real server', () => {
  it('a missing queue is not found, neither a conflict nor transient', async () => {
    const error = await failure(queuey.postMessage(uniqueName(), 'x'));
    expect(httpStatus(error)).toBe(404);
    expect([isNotFound(error), isConflict(error), isTransient(error)]).toEqual([
      true,
      false,
      false,
    ]);
  });

  it('a conditional PUT that lost is a conflict', async () => {
    const queue = uniqueName();
    await queuey.createQueue({ queueName: queue });
    const [posted] = await queuey.postMessages(queue, [{ body: 'a', partition: 1 }]);
    const ref = { partition: 1, id: posted?.key as string };
    const error = await failure(queuey.putMessages(queue, [ref], 'b', { ifMatch: '"stale"' }));
    expect([httpStatus(error), isConflict(error), isTransient(error)]).toEqual([412, true, false]);
  });

  it('a refused connection and a 503 are transient, a 400 is not', async () => {
    const down = new QueueyClient({ connection: 'http://127.0.0.1:1/v1/queuey/', appKey: KEY });
    const refused = await failure(down.connect());
    expect(refused).toBeInstanceOf(QueueyConnectionError);
    expect([isTransient(refused), httpStatus(refused)]).toEqual([true, undefined]);

    const sick = await startRawServer((_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end('{"status":"error","error_msg":{"storage":"down"}}');
    });
    try {
      const client = new QueueyClient({ connection: `${sick.url}/v1/queuey/`, appKey: KEY });
      const error = await failure(client.postMessage('q', 'x'));
      expect(error).toBeInstanceOf(QueueyHTTPError);
      expect([httpStatus(error), isTransient(error)]).toEqual([503, true]);
    } finally {
      await sick.close();
    }
    const bad = await failure(queuey.createQueue({ queueName: uniqueName(), partitions: 0 }));
    expect([httpStatus(bad), isTransient(bad)]).toEqual([400, false]);
  });

  it('anything that is not a Queuey error matches nothing', () => {
    for (const other of [new Error('x'), { status: 503 }, 'boom', undefined]) {
      expect([isTransient(other), isConflict(other), isNotFound(other)]).toEqual([
        false,
        false,
        false,
      ]);
      expect(httpStatus(other)).toBeUndefined();
    }
  });
});
