// The batch hook of the reliability tests' workers: one line per message of
// the batch, appended to QDO_TEST_RECORDS in one write (so a killed process
// leaves a batch's lines whole or absent) in the order the batch gave them,
// then QDO_TEST_JOB_MS of work: a kill then lands on a batch that was seen
// but not yet committed.
import { appendFileSync } from 'node:fs';

const file = process.env.QDO_TEST_RECORDS;
const delay = Number(process.env.QDO_TEST_JOB_MS ?? 0);

export async function batch(messages) {
  const lines = messages.map((m) => `${m.partition} ${m.message_id} ${m.body} ${process.pid}\n`);
  appendFileSync(file, lines.join(''));
  if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
}
