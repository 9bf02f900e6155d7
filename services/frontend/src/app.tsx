import { useEffect, useRef, useState, type ReactNode } from 'react';

import { messageOf } from './api.js';
import { ErrorNotice, Loading } from './components.js';
import { AuditLogPage } from './pages/audit-page.js';
import { NotebookPage } from './pages/notebook-page.js';
import { ProfilePage } from './pages/profile-page.js';
import { Link, navigate, useLocation } from './router.js';
import { loginUrl, markLoginStarted, useSession, type Session } from './session.js';

interface Route {
  readonly path: string;
  readonly title: string;
  readonly page: () => ReactNode;
  /** Role the page needs; the API enforces it too, this only hides the link. */
  readonly role?: string;
}

const routes: readonly Route[] = [
  { path: '/profile', title: 'Profile', page: () => <ProfilePage /> },
  { path: '/notebook', title: 'Notebook', page: () => <NotebookPage /> },
  { path: '/admin/audit', title: 'Audit log', page: () => <AuditLogPage />, role: 'admin' },
];

/** The app shell: navigation, sign-in state and the page for the current path. */
export function App() {
  const { pathname } = useLocation();
  const { state, signOut } = useSession();
  const route = routes.find((candidate) => candidate.path === pathname);
  const title = route?.title ?? (pathname === '/' ? 'Palisade' : 'Page not found');
  const heading = useRef<HTMLHeadingElement>(null);

  // After client-side navigation, focus moves to the new page's heading, as a page load would.
  const firstRender = useRef(true);
  useEffect(() => {
    document.title = title === 'Palisade' ? title : `${title} · Palisade`;
    if (firstRender.current) firstRender.current = false;
    else heading.current?.focus();
  }, [pathname, title]);

  const [signOutError, setSignOutError] = useState<string | undefined>();
  const onSignOut = () => {
    setSignOutError(undefined);
    signOut().then(
      () => navigate('/'),
      (error: unknown) => setSignOutError(messageOf(error)),
    );
  };

  const session = state.status === 'signed-in' ? state.session : undefined;
  const visible = routes.filter((candidate) => allows(session, candidate));

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header>
        <nav aria-label="Main">
          <Link to="/" current={pathname === '/'}>
            Palisade
          </Link>
          {session === undefined
            ? null
            : visible.map((candidate) => (
                <Link
                  key={candidate.path}
                  to={candidate.path}
                  current={candidate.path === pathname}
                >
                  {candidate.title}
                </Link>
              ))}
        </nav>
        <div className="account">
          {session === undefined ? null : (
            <>
              <span>Signed in as {session.subject}</span>
              <button type="button" onClick={onSignOut}>
                Sign out
              </button>
            </>
          )}
        </div>
      </header>
      <main id="main">
        <h1 ref={heading} tabIndex={-1}>
          {title}
        </h1>
        {signOutError === undefined ? null : (
          <ErrorNotice>Sign-out failed: {signOutError}</ErrorNotice>
        )}
        {state.status === 'loading' ? <Loading what="your session" /> : null}
        {state.status === 'error' ? (
          <ErrorNotice>Could not check your session: {state.message}</ErrorNotice>
        ) : null}
        {state.status === 'signed-out' ? <SignedOut path={pathname} /> : null}
        {session === undefined ? null : (
          <PageFor route={route} pathname={pathname} session={session} />
        )}
      </main>
    </>
  );
}

function PageFor(props: { route: Route | undefined; pathname: string; session: Session }) {
  if (props.route === undefined) {
    if (props.pathname === '/') {
      return (
        <p>
          Choose a page above: your profile, your notebook or, for administrators, the audit log.
        </p>
      );
    }
    return <p>There is no page at {props.pathname}.</p>;
  }
  if (!allows(props.session, props.route)) {
    return <ErrorNotice>This page needs the {props.route.role} role.</ErrorNotice>;
  }
  return props.route.page();
}

function SignedOut(props: { path: string }) {
  return (
    <p>
      You are signed out.{' '}
      <a className="button" href={loginUrl(props.path)} onClick={markLoginStarted}>
        Sign in
      </a>
    </p>
  );
}

function allows(session: Session | undefined, route: Route): boolean {
  return route.role === undefined || (session?.roles.includes(route.role) ?? false);
}
