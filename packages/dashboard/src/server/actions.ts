import { StatusAdmin, type TargetKind } from '@qdo/core';
import { ErrorQueue } from '@qdo/failure';
import type { QueueyClient } from '@qdo/queuey-client';
import type { ErrorGroupView, ErrorView } from '../api-types.js';
import { DashboardError } from './errors.js';
import { errorView, type GroupFilter, groupIds, listGroups } from './failures.js';
import { PEEK_MAX, peekPartition } from './peek.js';
import { checkPartition } from './queues.js';
import { type SeekTarget, seekPartition } from './seek.js';

const bad = (message: string) => new DashboardError(message, 'QDO_DASHBOARD_BAD_REQUEST');

/**
 * Refuses keys an action does not know: a misspelled filter must not
 * widen what the action touches (`{"id": …}` replaying every message).
 */
const only = (body: Record<string, unknown>, keys: readonly string[]) => {
  const unknown = Object.keys(body).filter((key) => !keys.includes(key));
  if (unknown.length > 0)
    throw bad(
      `unknown key${unknown.length === 1 ? '' : 's'} ${unknown.map((k) => JSON.stringify(k)).join(', ')}: this action takes ${keys.join(', ')}`,
    );
};

const str = (body: Record<string, unknown>, key: string): string | undefined => {
  const value = body[key];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw bad(`${key} must be a string`);
  return value;
};

const int = (body: Record<string, unknown>, key: string, min: number, max: number) => {
  const value = body[key];
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw bad(`${key} must be a whole number ${min}..${max}`);
  return n;
};

/** A group's filter: `name` (error class) and `pattern` as the groups list gives them, `queue` optional. */
const groupOf = (body: Record<string, unknown>): GroupFilter => {
  const name = str(body, 'name');
  if (!name) throw bad('name (the error class, as the groups list gives it) is required');
  const { pattern } = body;
  if (typeof pattern !== 'string') throw bad('pattern (as the groups list gives it) is required');
  return { name, pattern, queue: str(body, 'queue') };
};

/** A pause or resume's target: `partition` (Q-N) or `queue` (all its partitions), one of them. */
const pauseTarget = (body: Record<string, unknown>): [string, TargetKind] => {
  only(body, ['partition', 'queue']);
  const partition = str(body, 'partition');
  const queue = str(body, 'queue');
  if ((partition === undefined) === (queue === undefined))
    throw bad('say what to pause or resume: partition (Q-N) or queue, one of them');
  if (partition !== undefined && !/-\d+$/.test(partition))
    throw bad(`partition must be Q-N, got ${JSON.stringify(partition)}`);
  return partition !== undefined ? [partition, 'partition'] : [queue as string, 'queue'];
};

/** What the dashboard's buttons do; each one a thin call into the packages that own the logic. */
export function actions(queuey: QueueyClient, worker: string) {
  const errors = new ErrorQueue(queuey);
  const admin = new StatusAdmin(queuey, worker);
  return {
    async listErrors(queue: string | undefined, limit = 500): Promise<ErrorView[]> {
      const rows: ErrorView[] = [];
      for await (const f of errors.list(queue ? { queue } : {})) {
        rows.push(errorView(f));
        if (rows.length >= limit) break;
      }
      return rows;
    },

    /** Failures alike (error class and message pattern), with counts. */
    listGroups(queue: string | undefined): Promise<ErrorGroupView[]> {
      return listGroups(errors, queue);
    },

    /** The next messages of `Q-N` after its committed position; reads only. */
    peek(query: URLSearchParams) {
      const body = Object.fromEntries(query);
      only(body, ['queue', 'partition', 'limit']);
      const queue = str(body, 'queue');
      if (!queue) throw bad('queue is required');
      return peekPartition(queuey, {
        queue,
        partition: int(body, 'partition', 1, 200) ?? 1,
        limit: int(body, 'limit', 1, PEEK_MAX) ?? 20,
      });
    },

    /** Replays every failure of one group (`name`, `pattern`, optionally `queue`). */
    async replayGroup(body: Record<string, unknown>) {
      only(body, ['name', 'pattern', 'queue']);
      const ids = await groupIds(errors, groupOf(body));
      if (ids.length === 0) return { replayed: 0 };
      return errors.replay({ ids });
    },

    /** Deletes every failure of one group, for good: needs `confirm: "purge"`. */
    async purgeGroup(body: Record<string, unknown>) {
      only(body, ['name', 'pattern', 'queue', 'confirm']);
      if (body.confirm !== 'purge')
        throw bad('purge deletes failed messages for good: send confirm "purge"');
      return errors.purgeIds(await groupIds(errors, groupOf(body)));
    },

    /** Replays `ids`, or with `all: true` every failure (of `queue` when given): never by default. */
    async replay(body: Record<string, unknown>) {
      only(body, ['ids', 'all', 'queue']);
      const { ids, all } = body;
      if (all !== undefined && all !== true) throw bad('all must be true when given');
      if (ids !== undefined && !(Array.isArray(ids) && ids.every((i) => typeof i === 'string')))
        throw bad('ids must be a list of error ids');
      if ((ids === undefined) === (all === undefined))
        throw bad('say what to replay: ids (a list of error ids) or all: true, not both');
      if (Array.isArray(ids) && ids.length === 0) throw bad('ids is empty: nothing to replay');
      const queue = str(body, 'queue');
      return errors.replay({
        ...(queue ? { queue } : {}),
        ...(ids ? { ids: ids as string[] } : {}),
      });
    },

    async purge(body: Record<string, unknown>) {
      only(body, ['confirm', 'queue']);
      if (body.confirm !== 'purge')
        throw bad('purge deletes failed messages for good: send confirm "purge"');
      const queue = str(body, 'queue');
      return errors.purge(queue ? { queue } : {});
    },

    async seek(body: Record<string, unknown>) {
      only(body, ['partition', 'to', 'id']);
      const partition = str(body, 'partition');
      if (!partition) throw bad('partition (Q-N) is required');
      const to = str(body, 'to');
      let target: SeekTarget;
      if (to === 'start' || to === 'end') target = { to };
      else if (to === 'id') target = { to: 'id', id: str(body, 'id') ?? '' };
      else throw bad('to must be start, end or id');
      const { processed } = await seekPartition(queuey, { partition, target, worker });
      return { partition, processed };
    },

    /**
     * Pauses a partition (`partition`: Q-N) or every partition of a queue
     * (`queue`), as `qdo pause` does, through core's StatusAdmin.
     */
    pause(body: Record<string, unknown>) {
      return admin.pause(...pauseTarget(body));
    },

    /** Resumes what pause() paused: the same keys. */
    resume(body: Record<string, unknown>) {
      return admin.resume(...pauseTarget(body));
    },

    async post(body: Record<string, unknown>) {
      only(body, ['queue', 'body', 'partition', 'key', 'ttl', 'contentType']);
      const queue = str(body, 'queue');
      if (!queue) throw bad('queue is required');
      const text = str(body, 'body');
      if (text === undefined) throw bad('body is required');
      const partition = int(body, 'partition', 1, 200);
      const ttl = int(body, 'ttl', 1, 2 ** 25);
      const contentType = str(body, 'contentType');
      const key = str(body, 'key');
      if (key !== undefined && partition) throw bad('give a key or a partition, not both');
      await checkPartition(queuey, queue, partition);
      const posted = await queuey.postMessage(queue, text, {
        ...(partition ? { partition } : {}),
        ...(key !== undefined ? { key } : {}),
        ...(ttl ? { ttl } : {}),
        ...(contentType ? { contentType } : {}),
      });
      return { messageId: posted.key, partition: posted.partition };
    },
  };
}

export type Actions = ReturnType<typeof actions>;
