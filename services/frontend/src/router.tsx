import { useEffect, useState, type MouseEvent, type ReactNode } from 'react';

const navigationEvent = 'palisade:navigate';

/** Moves to a path of this app without a page load. */
export function navigate(path: string): void {
  window.history.pushState(null, '', path);
  window.dispatchEvent(new Event(navigationEvent));
}

/** Returns the current location, updated on navigation and on Back and Forward. */
export function useLocation(): { pathname: string; search: URLSearchParams } {
  const read = () => ({
    pathname: window.location.pathname,
    search: new URLSearchParams(window.location.search),
  });
  const [location, setLocation] = useState(read);
  useEffect(() => {
    const update = () => setLocation(read());
    window.addEventListener('popstate', update);
    window.addEventListener(navigationEvent, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(navigationEvent, update);
    };
  }, []);
  return location;
}

/** A link inside the app: a plain click navigates in place, a modified click opens as usual. */
export function Link(props: { to: string; children: ReactNode; current?: boolean }) {
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      return;
    }
    event.preventDefault();
    navigate(props.to);
  };
  return (
    <a href={props.to} onClick={onClick} aria-current={props.current === true ? 'page' : undefined}>
      {props.children}
    </a>
  );
}
