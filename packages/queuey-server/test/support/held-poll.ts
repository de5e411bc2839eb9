/**
 * A request over its own connection from a chosen loopback address
 * (127.0.0.0/8 is all loopback on Linux), so a test can be many clients.
 */
import { type Agent, request } from 'node:http';

export interface PollReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  // biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field in tests
  json: any;
  /** Ms from sending to the whole answer. */
  ms: number;
}

export function poll(
  url: string,
  path: string,
  options: {
    key?: string;
    from?: string;
    method?: string;
    agent?: Agent;
    /** A form body (POST). */
    form?: Record<string, string>;
    /** A message body (POST). */
    body?: string;
  } = {},
): Promise<PollReply> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, {
      method: options.method ?? 'GET',
      agent: options.agent ?? false,
      ...(options.from ? { localAddress: options.from } : {}),
      headers: {
        ...(options.key ? { authorization: `Application ${options.key}` } : {}),
        ...(options.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
    });
    req.once('error', reject);
    req.once('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.once('error', reject);
      response.once('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          json: text === '' ? undefined : JSON.parse(text),
          ms: performance.now() - started,
        });
      });
    });
    req.end(options.form ? new URLSearchParams(options.form).toString() : options.body);
  });
}
