import { useState } from 'preact/hooks';

export type NoticeState = { ok: boolean; text: string } | undefined;

/** The outcome of an action, announced to screen readers. */
export function Notice({ state }: { state: NoticeState }) {
  return (
    <p
      role="status"
      aria-live="polite"
      class={state ? (state.ok ? 'notice ok' : 'notice bad') : 'notice'}
    >
      {state?.text ?? ''}
    </p>
  );
}

/**
 * A form's actions and the notice they leave: `run` says what `done` makes of
 * the answer, or "WHAT failed: reason"; `busy` while one is under way.
 */
export function useAction() {
  const [notice, setNotice] = useState<NoticeState>();
  const [busy, setBusy] = useState(false);
  const run = async <T,>(what: string, request: () => Promise<T>, done: (answer: T) => string) => {
    setBusy(true);
    try {
      setNotice({ ok: true, text: done(await request()) });
    } catch (error) {
      setNotice({ ok: false, text: `${what} failed: ${(error as Error).message}` });
    } finally {
      setBusy(false);
    }
  };
  return { notice, setNotice, busy, run };
}
