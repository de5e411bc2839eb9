import { useState } from 'preact/hooks';
import type { Snapshot } from '../api-types.js';
import { act, info } from './api.js';
import { Field, InputField, SelectField } from './field.js';
import { Notice, useAction } from './notice.js';

export function PostPage({ snapshot }: { snapshot: Snapshot }) {
  const [queue, setQueue] = useState(snapshot.queues[0]?.name ?? '');
  const [partition, setPartition] = useState('');
  const [key, setKey] = useState('');
  const [ttl, setTtl] = useState('');
  const [body, setBody] = useState('');
  const action = useAction();
  const max = snapshot.queues.find((q) => q.name === queue)?.partitions ?? 1;
  const submit = async (e: Event) => {
    e.preventDefault();
    await action.run(
      'Post',
      () =>
        act<{ messageId: string; partition: number }>('/api/post', {
          queue,
          body,
          // A key chooses the partition itself (the client's keyed posts).
          ...(key ? { key } : { partition }),
          ttl,
        }),
      (r) => {
        setBody('');
        return `Posted ${r.messageId} to ${queue}-${r.partition}`;
      },
    );
  };
  if (info.readOnly) return <p>This dashboard is read-only.</p>;
  return (
    <form class="panel" onSubmit={submit}>
      <div class="row">
        <SelectField id="post-queue" label="Queue" value={queue} onValue={setQueue} required>
          {snapshot.queues.map((q) => (
            <option key={q.name}>{q.name}</option>
          ))}
        </SelectField>
        <InputField
          id="post-partition-empty-random"
          label="Partition (empty: random)"
          type="number"
          min={1}
          max={max}
          value={key ? '' : partition}
          onValue={setPartition}
          disabled={key !== ''}
        />
        <InputField id="post-key" label="Key (sets the partition)" value={key} onValue={setKey} />
        <InputField
          id="post-ttl-in-seconds-empty-3-d"
          label="TTL in seconds (empty: 3 days)"
          type="number"
          min={1}
          max={2 ** 25}
          value={ttl}
          onValue={setTtl}
        />
      </div>
      <Field id="post-body" label="Body">
        <textarea
          id="post-body"
          rows={6}
          value={body}
          onInput={(e) => setBody(e.currentTarget.value)}
          required
        />
      </Field>
      <button type="submit" disabled={!queue}>
        Post message
      </button>
      <Notice state={action.notice} />
    </form>
  );
}
