import { useEffect, useState, type FormEvent } from 'react';

import { ApiError, apiRequest, messageOf } from '../api.js';
import { ErrorNotice, Loading, TextField } from '../components.js';

interface AuditEvent {
  readonly id: string;
  readonly actorSubject: string;
  readonly action: string;
  readonly targetType: string;
  readonly targetId: string;
  readonly occurredAt: string;
}

interface AuditPage {
  readonly events: readonly AuditEvent[];
  readonly nextPageToken?: string;
}

interface Filters {
  readonly userId: string;
  readonly action: string;
}

const pageSize = 20;

/** Lists audit events, newest first, filtered by user id and action, one page at a time. */
export function AuditLogPage() {
  const [draft, setDraft] = useState<Filters>({ userId: '', action: '' });
  const [filters, setFilters] = useState<Filters>({ userId: '', action: '' });
  // Tokens of the pages before the current one, so Previous can go back.
  const [tokens, setTokens] = useState<readonly string[]>([]);
  const [token, setToken] = useState<string | undefined>();
  const [page, setPage] = useState<AuditPage | undefined>();
  const [error, setError] = useState<ApiError | Error | undefined>();

  useEffect(() => {
    const query = new URLSearchParams({ pageSize: String(pageSize) });
    if (filters.userId !== '') query.set('userId', filters.userId);
    if (filters.action !== '') query.set('action', filters.action);
    if (token !== undefined) query.set('pageToken', token);
    setPage(undefined);
    setError(undefined);
    let current = true;
    apiRequest<AuditPage>('GET', `/api/admin/audit?${query.toString()}`).then(
      (loaded) => current && setPage(loaded),
      (failure: unknown) =>
        current && setError(failure instanceof Error ? failure : new Error(String(failure))),
    );
    return () => {
      current = false;
    };
  }, [filters, token]);

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setTokens([]);
    setToken(undefined);
    setFilters({ userId: draft.userId.trim(), action: draft.action.trim() });
  };

  const fieldError = (field: keyof Filters) =>
    error instanceof ApiError
      ? error.fieldErrors.find((entry) => entry.field === field)?.message
      : undefined;

  return (
    <>
      <form className="filters" onSubmit={onSubmit} aria-label="Filter audit events">
        <TextField
          label="User id"
          name="userId"
          hint="Events where this user is the actor or the target."
          value={draft.userId}
          onChange={(userId) => setDraft((current) => ({ ...current, userId }))}
          error={fieldError('userId')}
        />
        <TextField
          label="Action"
          name="action"
          hint="For example profile.update."
          value={draft.action}
          onChange={(action) => setDraft((current) => ({ ...current, action }))}
          error={fieldError('action')}
        />
        <button type="submit">Apply filters</button>
      </form>
      {error !== undefined ? (
        <ErrorNotice>Could not load the audit log: {messageOf(error)}</ErrorNotice>
      ) : null}
      {page === undefined && error === undefined ? <Loading what="audit events" /> : null}
      {page === undefined ? null : (
        <>
          {page.events.length === 0 ? (
            <p className="notice">No audit events match these filters.</p>
          ) : (
            <table>
              <caption>Audit events, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Actor</th>
                  <th scope="col">Action</th>
                  <th scope="col">Target</th>
                </tr>
              </thead>
              <tbody>
                {page.events.map((event) => (
                  <tr key={event.id}>
                    <td>
                      <time dateTime={event.occurredAt}>
                        {new Date(event.occurredAt).toLocaleString()}
                      </time>
                    </td>
                    <td>{event.actorSubject}</td>
                    <td>{event.action}</td>
                    <td>
                      {event.targetType} {event.targetId}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <nav className="pager" aria-label="Audit log pages">
            <button
              type="button"
              disabled={tokens.length === 0 && token === undefined}
              onClick={() => {
                setToken(tokens.at(-1));
                setTokens(tokens.slice(0, -1));
              }}
            >
              Previous page
            </button>
            <button
              type="button"
              disabled={page.nextPageToken === undefined}
              onClick={() => {
                if (token !== undefined) setTokens([...tokens, token]);
                else setTokens([]);
                setToken(page.nextPageToken);
              }}
            >
              Next page
            </button>
          </nav>
        </>
      )}
    </>
  );
}
