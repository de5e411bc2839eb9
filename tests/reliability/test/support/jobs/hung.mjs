// A job for the loop's reliability tests: records each message like
// record.mjs, except a message whose body is "hang": that job announces
// itself and then never settles, ignoring its abort signal.
import { appendFileSync } from 'node:fs';

const file = process.env.QDO_TEST_RECORDS;

export function job(message) {
  if (message.body === 'hang') {
    appendFileSync(file, `${message.partition} ${message.message_id} hanging ${process.pid}\n`);
    return new Promise(() => {});
  }
  appendFileSync(
    file,
    `${message.partition} ${message.message_id} ${message.body} ${process.pid}\n`,
  );
}
