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
