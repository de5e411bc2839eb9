import { useState } from 'preact/hooks';
import type { Snapshot } from '../api-types.js';
import { act, info } from './api.js';
import { Field } from './field.js';
import { Notice, type NoticeState } from './notice.js';

export function PostPage({ snapshot }: { snapshot: Snapshot }) {
  const [queue, setQueue] = useState(snapshot.queues[0]?.name ?? '');
  const [partition, setPartition] = useState('');
  const [ttl, setTtl] = useState('');
  const [body, setBody] = useState('');
  const [notice, setNotice] = useState<NoticeState>();
  const max = snapshot.queues.find((q) => q.name === queue)?.partitions ?? 1;
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      const r = await act<{ messageId: string; partition: number }>('/api/post', {
        queue,
        body,
        partition,
        ttl,
      });
      setNotice({ ok: true, text: `Posted ${r.messageId} to ${queue}-${r.partition}` });
      setBody('');
    } catch (error) {
      setNotice({ ok: false, text: `Post failed: ${(error as Error).message}` });
    }
  };
  if (info.readOnly) return <p>This dashboard is read-only.</p>;
  return (
    <form class="panel" onSubmit={submit}>
      <div class="row">
        <Field id="post-queue" label="Queue">
          {' '}
          <select
            id="post-queue"
            value={queue}
            onChange={(e) => setQueue(e.currentTarget.value)}
            required
          >
            {snapshot.queues.map((q) => (
              <option key={q.name}>{q.name}</option>
            ))}
          </select>{' '}
        </Field>
        <Field id="post-partition-empty-random" label="Partition (empty: random)">
          {' '}
          <input
            id="post-partition-empty-random"
            type="number"
            min={1}
            max={max}
            value={partition}
            onInput={(e) => setPartition(e.currentTarget.value)}
          />{' '}
        </Field>
        <Field id="post-ttl-in-seconds-empty-3-d" label="TTL in seconds (empty: 3 days)">
          {' '}
          <input
            id="post-ttl-in-seconds-empty-3-d"
            type="number"
            min={1}
            max={2 ** 25}
            value={ttl}
            onInput={(e) => setTtl(e.currentTarget.value)}
          />{' '}
        </Field>
      </div>
      <Field id="post-body" label="Body">
        {' '}
        <textarea
          id="post-body"
          rows={6}
          value={body}
          onInput={(e) => setBody(e.currentTarget.value)}
          required
        />{' '}
      </Field>
      <button type="submit" disabled={!queue}>
        Post message
      </button>
      <Notice state={notice} />
    </form>
  );
}
