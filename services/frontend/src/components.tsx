import { useId, type ChangeEvent, type ReactNode } from 'react';

/** Renders a loading notice that screen readers announce politely. */
export function Loading(props: { what: string }) {
  return (
    <p role="status" className="notice">
      Loading {props.what}…
    </p>
  );
}

/** Renders an error notice that screen readers announce at once. */
export function ErrorNotice(props: { children: ReactNode }) {
  return (
    <p role="alert" className="notice notice-error">
      {props.children}
    </p>
  );
}

/** Renders a labelled text input with its field error linked by aria-describedby. */
export function TextField(props: {
  label: string;
  name: string;
  value: string;
  onChange: (value: string) => void;
  error?: string | undefined;
  type?: 'text' | 'email' | 'search';
  hint?: string;
  multiline?: boolean;
}) {
  const id = useId();
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const describedBy =
    [props.hint === undefined ? '' : hintId, props.error === undefined ? '' : errorId]
      .filter((part) => part !== '')
      .join(' ') || undefined;
  const common = {
    id,
    name: props.name,
    value: props.value,
    'aria-invalid': props.error === undefined ? undefined : true,
    'aria-describedby': describedBy,
    onChange: (event: ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) =>
      props.onChange(event.target.value),
  };
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      {props.hint === undefined ? null : (
        <span id={hintId} className="hint">
          {props.hint}
        </span>
      )}
      {props.multiline === true ? (
        <textarea {...common} rows={6} />
      ) : (
        <input {...common} type={props.type ?? 'text'} />
      )}
      {props.error === undefined ? null : (
        <span id={errorId} className="field-error">
          {props.error}
        </span>
      )}
    </div>
  );
}
