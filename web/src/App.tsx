import { lazy, Suspense, useEffect } from 'react';
import { Files } from './pages/Files.tsx';
import { Callback, SignIn } from './pages/SignIn.tsx';
import { Upload } from './pages/Upload.tsx';
import { BASE, Link, navigate, useLocation } from './router.tsx';
import { useSession } from './session.tsx';

// Pages that bring their own weight (the RE2 engine for the rule tester) load when opened.
const Rules = lazy(() =>
  import('./pages/Rules.tsx').then(async (m) => {
    await m.patternEngineLoaded;
    return { default: m.Rules };
  }),
);
const Notifications = lazy(() => import('./pages/Notifications.tsx').then((m) => ({ default: m.Notifications })));
const FilePage = lazy(() => import('./pages/FilePage.tsx').then((m) => ({ default: m.FilePage })));
const Phone = lazy(() => import('./pages/Phone.tsx').then((m) => ({ default: m.Phone })));
const Sends = lazy(() => import('./pages/Sends.tsx').then((m) => ({ default: m.Sends })));
const Templates = lazy(() => import('./pages/Templates.tsx').then((m) => ({ default: m.Templates })));
const Settings = lazy(() => import('./pages/Settings.tsx').then((m) => ({ default: m.Settings })));
const Messages = lazy(() => import('./pages/Messages.tsx').then((m) => ({ default: m.Messages })));
const MessagePage = lazy(() => import('./pages/MessagePage.tsx').then((m) => ({ default: m.MessagePage })));
const Voice = lazy(() => import('./pages/Voice.tsx').then((m) => ({ default: m.Voice })));

const pages = [
  { path: `${BASE}/upload`, label: 'Upload' },
  { path: `${BASE}/files`, label: 'Files' },
  { path: `${BASE}/rules`, label: 'Rules' },
  { path: `${BASE}/notifications`, label: 'Notifications' },
  { path: `${BASE}/sends`, label: 'Sends' },
  { path: `${BASE}/templates`, label: 'Templates' },
  { path: `${BASE}/messages`, label: 'Messages' },
  { path: `${BASE}/settings`, label: 'Settings' },
  { path: `${BASE}/voice`, label: 'Voice' },
];

function route(path: string, phone: boolean) {
  const file = new RegExp(`^${BASE}/files/([^/]+)$`).exec(path);
  if (file) return <FilePage key={file[1]} fileId={decodeURIComponent(file[1]!)} />;
  const message = new RegExp(`^${BASE}/messages/([^/]+)$`).exec(path);
  if (message) return <MessagePage key={message[1]} messageId={decodeURIComponent(message[1]!)} />;
  switch (path) {
    case `${BASE}/files`:
      return <Files />;
    case `${BASE}/rules`:
      return <Rules />;
    case `${BASE}/notifications`:
      return <Notifications />;
    case `${BASE}/voice`:
      return <Voice />;
    case `${BASE}/phone`:
      return phone ? <Phone /> : <NotFound />;
    case `${BASE}/upload`:
      return <Upload />;
    case `${BASE}/sends`:
      return <Sends />;
    case `${BASE}/templates`:
      return <Templates />;
    case `${BASE}/messages`:
      return <Messages />;
    case `${BASE}/settings`:
      return <Settings />;
    default:
      return <NotFound />;
  }
}

function NotFound() {
  return (
    <main id="main">
      <h1>Page not found</h1>
      <p>
        <Link to={`${BASE}/upload`}>Go to Upload</Link>
      </p>
    </main>
  );
}

export function App() {
  const { session, signOut, config } = useSession();
  const { path } = useLocation();

  // The console's front door and anything outside /app/ lead to a page.
  useEffect(() => {
    if (!session && path !== `${BASE}/sign-in` && path !== `${BASE}/callback`) navigate(`${BASE}/sign-in`, { replace: true });
    else if (session && (path === '/' || path === BASE || path === `${BASE}/` || path === `${BASE}/sign-in` || path === `${BASE}/callback`))
      navigate(`${BASE}/upload`, { replace: true });
  }, [session, path]);

  useEffect(() => {
    const current = [...pages, { path: `${BASE}/phone`, label: 'Phone' }].find((p) => path.startsWith(p.path));
    document.title = `${current ? `${current.label} · ` : ''}Twilio Message System`;
  }, [path]);

  if (!session) return path === `${BASE}/callback` ? <Callback /> : <SignIn />;

  const nav = config.phone ? [...pages, { path: `${BASE}/phone`, label: 'Phone' }] : pages;
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Message System</span>
        <nav aria-label="Main">
          <ul>
            {nav.map((p) => (
              <li key={p.path}>
                <Link to={p.path} aria-current={path === p.path || path.startsWith(`${p.path}/`) ? 'page' : undefined}>
                  {p.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <span className="user">
          <span className="muted">{session.userId}</span>
          <button type="button" className="secondary small" onClick={() => signOut()}>
            Sign out
          </button>
        </span>
      </header>
      <Suspense
        fallback={
          <main id="main" aria-busy="true" className="loading">
            Loading…
          </main>
        }
      >
        {route(path, config.phone)}
      </Suspense>
    </>
  );
}
