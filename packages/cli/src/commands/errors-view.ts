import { timestampToTicks } from '@qdo/common';
import type { FailedMessage, FailureGroup } from '@qdo/failure';
import { table } from '../cli/table.js';
import { terminalText } from '../cli/terminal.js';

/** Multi-line server text for the terminal: its lines kept, every other control character escaped. */
const terminalLines = (text: string) => text.split('\n').map(terminalText).join('\n');

/** Queuey's epoch-seconds timestamp as ISO 8601, to the millisecond. */
const isoTime = (timestamp: string) =>
  new Date(Number(timestampToTicks(timestamp) / 10_000n)).toISOString();

const cut = (text: string, max: number) =>
  text.length > max ? `${text.slice(0, max - 1)}…` : text;

const bodyText = (body: unknown) => (typeof body === 'string' ? body : JSON.stringify(body));

/** `TypeError: first line of the message`; `-` for a failure saved without its error. */
function errorLine(failure: FailedMessage): string {
  const { error } = failure;
  if (!error) return '-';
  return `${error.name}: ${error.message.split('\n', 1)[0] ?? ''}`;
}

/** `qdo errors ls`: one line per failure. */
export function failureTable(failures: readonly FailedMessage[]): string {
  return table(
    ['ERROR ID', 'QUEUE', 'MESSAGE ID', 'FAILED AT', 'ERROR', 'BODY'],
    failures.map((f) => [
      f.errorId,
      f.queue,
      f.message.message_id,
      isoTime(f.failedAt),
      cut(errorLine(f), 60),
      cut(bodyText(f.message.body), 40),
    ]),
  );
}

/** `qdo errors ls --group`: how many failed alike, most first. */
export function groupTable(groups: readonly FailureGroup[]): string {
  return table(
    ['COUNT', 'ERROR', 'MESSAGE', 'QUEUES', 'LATEST'],
    groups.map((g) => [
      g.count,
      g.name,
      cut(g.pattern || '-', 60),
      cut(g.queues.join(','), 40),
      isoTime(g.latest.failedAt),
    ]),
  );
}

/** A failure for `--json`: times in ISO 8601, everything else as saved. */
export function failureJson(failure: FailedMessage) {
  const { message } = failure;
  return {
    ...failure,
    failedAt: isoTime(failure.failedAt),
    message: { ...message, timestamp: isoTime(message.timestamp) },
  };
}

/** A group for `--json`: its newest failure by id. */
export function groupJson(group: FailureGroup) {
  const { latest, ...rest } = group;
  return { ...rest, latestErrorId: latest.errorId, latestAt: isoTime(latest.failedAt) };
}

const indent = (text: string) =>
  text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');

/** `qdo errors show`: every field of one failure, for a person. */
export function failureText(failure: FailedMessage): string {
  const { message, error } = failure;
  const fields: [string, string | number | undefined][] = [
    ['error id', failure.errorId],
    ['queue', failure.queue],
    ['message id', message.message_id],
    ['posted at', isoTime(message.timestamp)],
    ['failed at', error?.failed_at || isoTime(failure.failedAt)],
    ['error', error ? errorLine(failure) : '(not recorded: saved by an older version)'],
    ['code', error?.code],
    ['attempts', error?.attempts],
    ['worker', error?.worker || undefined],
    ['content type', message.content_type],
  ];
  const width = Math.max(...fields.map(([name]) => name.length)) + 2;
  const lines = fields
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${`${name}:`.padEnd(width)}${terminalText(String(value))}`);
  if (error?.stack) lines.push('stack:', indent(terminalLines(error.stack)));
  lines.push('body:', indent(terminalLines(bodyText(message.body))));
  return lines.join('\n');
}
