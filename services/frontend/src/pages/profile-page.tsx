import { useEffect, useState, type FormEvent } from 'react';

import { ApiError, apiRequest, messageOf } from '../api.js';
import { ErrorNotice, Loading, TextField } from '../components.js';

interface Profile {
  readonly userId: string;
  readonly subject: string;
  readonly displayName: string;
  readonly email: string;
  readonly locale: string;
  readonly updatedAt: string;
}

type EditableField = 'displayName' | 'email' | 'locale';
type Draft = Record<EditableField, string>;

const editableFields: readonly EditableField[] = ['displayName', 'email', 'locale'];

/** Shows the signed-in user's profile and saves the fields that changed with PATCH /api/me. */
export function ProfilePage() {
  const [profile, setProfile] = useState<Profile | undefined>();
  const [loadError, setLoadError] = useState<string | undefined>();
  const [draft, setDraft] = useState<Draft>({ displayName: '', email: '', locale: '' });
  const [fieldErrors, setFieldErrors] = useState<Partial<Draft>>({});
  const [saveError, setSaveError] = useState<string | undefined>();
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    apiRequest<Profile>('GET', '/api/me').then(
      (loaded) => {
        setProfile(loaded);
        setDraft({ displayName: loaded.displayName, email: loaded.email, locale: loaded.locale });
      },
      (error: unknown) => setLoadError(messageOf(error)),
    );
  }, []);

  if (loadError !== undefined)
    return <ErrorNotice>Could not load your profile: {loadError}</ErrorNotice>;
  if (profile === undefined) return <Loading what="your profile" />;

  const changed = editableFields.filter((field) => draft[field] !== profile[field]);

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (changed.length === 0) return;
    const patch = Object.fromEntries(changed.map((field) => [field, draft[field]]));
    setSaving(true);
    setSaved(false);
    setSaveError(undefined);
    setFieldErrors({});
    apiRequest<Profile>('PATCH', '/api/me', patch)
      .then((updated) => {
        setProfile(updated);
        setSaved(true);
      })
      .catch((error: unknown) => {
        const errors = error instanceof ApiError ? fieldErrorsOf(error) : {};
        setFieldErrors(errors);
        setSaveError(messageOf(error));
      })
      .finally(() => setSaving(false));
  };

  const edit = (field: EditableField) => (value: string) => {
    setDraft((current) => ({ ...current, [field]: value }));
    setSaved(false);
  };

  return (
    <>
      <dl className="facts">
        <dt>User id</dt>
        <dd>{profile.userId}</dd>
        <dt>Subject</dt>
        <dd>{profile.subject}</dd>
        <dt>Last updated</dt>
        <dd>{new Date(profile.updatedAt).toLocaleString()}</dd>
      </dl>
      <form onSubmit={onSubmit} noValidate aria-label="Edit profile">
        <TextField
          label="Display name"
          name="displayName"
          value={draft.displayName}
          onChange={edit('displayName')}
          error={fieldErrors.displayName}
        />
        <TextField
          label="Email"
          name="email"
          type="email"
          value={draft.email}
          onChange={edit('email')}
          error={fieldErrors.email}
        />
        <TextField
          label="Locale"
          name="locale"
          hint="A BCP 47 language tag, such as en or en-GB."
          value={draft.locale}
          onChange={edit('locale')}
          error={fieldErrors.locale}
        />
        {saveError === undefined ? null : <ErrorNotice>Not saved: {saveError}</ErrorNotice>}
        {saved ? (
          <p role="status" className="notice notice-ok">
            Profile saved.
          </p>
        ) : null}
        <button type="submit" disabled={saving || changed.length === 0}>
          {saving ? 'Saving…' : 'Save changes'}
        </button>
      </form>
    </>
  );
}

/** Maps the API's field errors, named by JSON pointer such as `/email`, to form fields. */
function fieldErrorsOf(error: ApiError): Partial<Draft> {
  const errors: Partial<Draft> = {};
  for (const { field, message } of error.fieldErrors) {
    const name = field.replace(/^\//, '');
    if ((editableFields as readonly string[]).includes(name)) {
      errors[name as EditableField] ??= message;
    }
  }
  return errors;
}
