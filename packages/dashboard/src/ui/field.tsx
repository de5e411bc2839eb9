import type { ComponentChildren } from 'preact';

/** A label and its control, tied by id so the control's accessible name is just the label. */
export function Field({
  id,
  label,
  children,
}: {
  id: string;
  label: string;
  children: ComponentChildren;
}) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {children}
    </div>
  );
}
