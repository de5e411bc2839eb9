// The job of the reliability tests' workers: one line per run message,
// appended to QDO_TEST_RECORDS (a small append is atomic, so lines from a
// killed process are whole or absent). QDO_TEST_JOB_MS delays each job, so
// kills land in the middle of batches.
import { appendFileSync } from 'node:fs';

const file = process.env.QDO_TEST_RECORDS;
const delay = Number(process.env.QDO_TEST_JOB_MS ?? 0);

export async function job(message) {
  if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
  appendFileSync(
    file,
    `${message.partition} ${message.message_id} ${message.body} ${process.pid}\n`,
  );
}
