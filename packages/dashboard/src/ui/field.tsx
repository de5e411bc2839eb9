import type { ComponentChildren, InputHTMLAttributes } from 'preact';

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

/** A form's text value: shown from state, every change handed to `onValue`. */
interface Bound {
  id: string;
  label: string;
  value: string;
  onValue: (value: string) => void;
}

/** A labelled select; its options are the children. */
export function SelectField({
  id,
  label,
  value,
  onValue,
  required,
  children,
}: Bound & { required?: boolean; children: ComponentChildren }) {
  return (
    <Field id={id} label={label}>
      <select
        id={id}
        value={value}
        onChange={(e) => onValue(e.currentTarget.value)}
        required={required}
      >
        {children}
      </select>
    </Field>
  );
}

/** A labelled input; other attributes (type, min, pattern…) go to the input. */
export function InputField({
  id,
  label,
  value,
  onValue,
  ...input
}: Bound & Omit<InputHTMLAttributes<HTMLInputElement>, keyof Bound | 'onInput'>) {
  return (
    <Field id={id} label={label}>
      <input {...input} id={id} value={value} onInput={(e) => onValue(e.currentTarget.value)} />
    </Field>
  );
}
