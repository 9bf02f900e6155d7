import { useEffect, useState, type FormEvent } from 'react';

import { ApiError, apiRequest, messageOf } from '../api.js';
import { ErrorNotice, Loading, TextField } from '../components.js';

interface EntrySummary {
  readonly id: string;
  readonly title: string;
  readonly tags: readonly string[];
  readonly updatedAt: string;
}

interface EntryPage {
  readonly entries: readonly EntrySummary[];
  readonly nextCursor?: string;
}

interface SearchPage {
  readonly mode: 'hybrid' | 'text';
  readonly results: readonly { entry: EntrySummary; snippet: string }[];
}

type Listing =
  | { readonly kind: 'list'; readonly page: EntryPage }
  | { readonly kind: 'search'; readonly query: string; readonly page: SearchPage };

/** Lists the caller's notebook entries, searches them, and adds new ones. */
export function NotebookPage() {
  const [query, setQuery] = useState('');
  const [request, setRequest] = useState<{ query: string; cursor?: string }>({ query: '' });
  const [listing, setListing] = useState<Listing | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [version, setVersion] = useState(0);

  useEffect(() => {
    setListing(undefined);
    setError(undefined);
    let current = true;
    const params = new URLSearchParams();
    if (request.cursor !== undefined) params.set('cursor', request.cursor);
    const load: Promise<Listing> =
      request.query === ''
        ? apiRequest<EntryPage>('GET', `/api/entries?${params.toString()}`).then((page) => ({
            kind: 'list',
            page,
          }))
        : apiRequest<SearchPage>(
            'GET',
            `/api/entries/search?${new URLSearchParams({ q: request.query }).toString()}`,
          ).then((page) => ({ kind: 'search', query: request.query, page }));
    load.then(
      (loaded) => current && setListing(loaded),
      (failure: unknown) => current && setError(messageOf(failure)),
    );
    return () => {
      current = false;
    };
  }, [request, version]);

  const onSearch = (event: FormEvent) => {
    event.preventDefault();
    setRequest({ query: query.trim() });
  };

  return (
    <>
      <NewEntryForm onCreated={() => setVersion((value) => value + 1)} />
      <form className="filters" role="search" onSubmit={onSearch} aria-label="Search entries">
        <TextField label="Search text" name="q" type="search" value={query} onChange={setQuery} />
        <button type="submit">Search</button>
        {request.query === '' ? null : (
          <button
            type="button"
            onClick={() => {
              setQuery('');
              setRequest({ query: '' });
            }}
          >
            Show all entries
          </button>
        )}
      </form>
      {error === undefined ? null : <ErrorNotice>Could not load entries: {error}</ErrorNotice>}
      {listing === undefined && error === undefined ? <Loading what="entries" /> : null}
      {listing?.kind === 'list' ? (
        <>
          <EntryList entries={listing.page.entries} />
          {listing.page.nextCursor === undefined ? null : (
            <button
              type="button"
              onClick={() => setRequest({ query: '', cursor: listing.page.nextCursor })}
            >
              Older entries
            </button>
          )}
        </>
      ) : null}
      {listing?.kind === 'search' ? (
        <section aria-label="Search results">
          <p role="status">
            {listing.page.results.length === 1
              ? '1 result'
              : `${listing.page.results.length} results`}{' '}
            for “{listing.query}”{listing.page.mode === 'text' ? ' (full-text ranking only)' : ''}
          </p>
          <ul className="entries">
            {listing.page.results.map(({ entry, snippet }) => (
              <li key={entry.id}>
                <strong>{entry.title}</strong>
                <p>
                  <Snippet html={snippet} />
                </p>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </>
  );
}

function EntryList(props: { entries: readonly EntrySummary[] }) {
  if (props.entries.length === 0) return <p className="notice">No entries yet.</p>;
  return (
    <ul className="entries">
      {props.entries.map((entry) => (
        <li key={entry.id}>
          <strong>{entry.title}</strong>{' '}
          <time dateTime={entry.updatedAt}>{new Date(entry.updatedAt).toLocaleString()}</time>
          {entry.tags.length === 0 ? null : <span className="tags"> {entry.tags.join(', ')}</span>}
        </li>
      ))}
    </ul>
  );
}

function NewEntryForm(props: { onCreated: () => void }) {
  const [title, setTitle] = useState('');
  const [body, setBody] = useState('');
  const [tags, setTags] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | undefined>();

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setErrors({});
    setFailure(undefined);
    const tagList = tags
      .split(',')
      .map((tag) => tag.trim())
      .filter((tag) => tag !== '');
    apiRequest('POST', '/api/entries', { title, body, tags: tagList }).then(
      () => {
        setTitle('');
        setBody('');
        setTags('');
        props.onCreated();
      },
      (error: unknown) => {
        if (error instanceof ApiError) {
          const byField: Record<string, string> = {};
          for (const { field, message } of error.fieldErrors) {
            byField[field.replace(/^\//, '').split('/')[0] ?? field] ??= message;
          }
          setErrors(byField);
        }
        setFailure(messageOf(error));
      },
    );
  };

  return (
    <form onSubmit={onSubmit} noValidate aria-label="New entry">
      <TextField
        label="Title"
        name="title"
        value={title}
        onChange={setTitle}
        error={errors['title']}
      />
      <TextField
        label="Body (Markdown)"
        name="body"
        multiline
        value={body}
        onChange={setBody}
        error={errors['body']}
      />
      <TextField
        label="Tags"
        name="tags"
        hint="Comma-separated."
        value={tags}
        onChange={setTags}
        error={errors['tags']}
      />
      {failure === undefined ? null : <ErrorNotice>Not saved: {failure}</ErrorNotice>}
      <button type="submit">Add entry</button>
    </form>
  );
}

/**
 * Renders a search snippet, which the API sends HTML-escaped with matches inside <mark>, as
 * text and <mark> elements, never as HTML.
 */
function Snippet(props: { html: string }) {
  const parts = props.html.split(/<\/?mark>/);
  return (
    <>
      {parts.map((part, index) =>
        index % 2 === 1 ? <mark key={index}>{unescapeHtml(part)}</mark> : unescapeHtml(part),
      )}
    </>
  );
}

const htmlEntities: Readonly<Record<string, string>> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#39;': "'",
  '&#x27;': "'",
};

function unescapeHtml(text: string): string {
  return text.replace(/&(?:amp|lt|gt|quot|#39|#x27);/g, (entity) => htmlEntities[entity] ?? entity);
}
