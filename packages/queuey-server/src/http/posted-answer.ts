/** The answer of a post: `{"status":"ok","messages":[{"key","timestamp","partition"}, ...]}`. */
import { formatTimestamp } from '@qdo/common';
import type { StoredMessage } from '../storage/types.js';
import { type Answer, JsonText } from './context.js';

/**
 * Written as JSON text directly: the same bytes JSON.stringify makes of
 * `ok({ messages: [{ key, timestamp, partition }] }, 201)`, as nothing in it
 * needs escaping (keys are hex, timestamps digits and a dot, partitions
 * integers). For a batch of 1,000 this skips an object per message and
 * JSON.stringify's walk over them: about half the answer's CPU.
 */
export function postedAnswer(stored: readonly StoredMessage[]): Answer {
  let text = '{"status":"ok","messages":[';
  for (let i = 0; i < stored.length; i++) {
    const { id, time, partition } = stored[i] as StoredMessage;
    if (i > 0) text += ',';
    text += `{"key":"${id}","timestamp":"${formatTimestamp(time)}","partition":${partition}}`;
  }
  return { status: 201, body: new JsonText(`${text}]}`) };
}
