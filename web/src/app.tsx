/** The console shell: sign-in gate, navigation, and the routes of the pages. */
import { useEffect, useState } from 'preact/hooks';
import { Link, Route, Router, Switch, useLocation, useParams } from 'wouter-preact';
import { currentSession, setSession, signOut, whenSignedOut, type SessionInfo } from './api';
import { SessionContext } from './session';
import { SignIn } from './pages/sign-in';
import { NetworksPage, NetworkSettingsPage } from './pages/networks';
import { UsersPage } from './pages/users';
import { SecurityGroupsPage } from './pages/security-groups';
import { BotsPage } from './pages/bots';
import { DataRetentionPage } from './pages/data-retention';
import { GuestUsersPage } from './pages/guest-users';
import { SsoPage } from './pages/sso';
import { ScimPage } from './pages/scim';
import { InvitationsPage } from './pages/invitations';
import { ChooseNetwork } from './pages/choose-network';
import { DashboardPage } from './pages/dashboard';
import { AuditPage } from './pages/audit';
import { AccessKeysPage } from './pages/access-keys';
import { Loading } from './ui';

const SECTIONS = [
  ['dashboard', 'Dashboard'],
  ['users', 'Users'],
  ['security-groups', 'Security groups'],
  ['bots', 'Bots'],
  ['data-retention', 'Data retention'],
  ['guest-users', 'Guest users'],
  ['sso', 'SSO'],
  ['scim', 'SCIM'],
  ['invitations', 'Invitations'],
] as const;

const PAGES = {
  dashboard: DashboardPage,
  users: UsersPage,
  'security-groups': SecurityGroupsPage,
  bots: BotsPage,
  'data-retention': DataRetentionPage,
  'guest-users': GuestUsersPage,
  sso: SsoPage,
  scim: ScimPage,
  invitations: InvitationsPage,
} as const;

/** The network the pages act on: from the address, else the last one visited. */
function useNetworkId(): string | undefined {
  const [location] = useLocation();
  const m = /^\/networks\/(\d{8})(\/|$)/.exec(location);
  if (m) {
    sessionStorage.setItem('network', m[1]!);
    return m[1];
  }
  return sessionStorage.getItem('network') ?? undefined;
}

function Shell({ session, onSignOut }: { session: SessionInfo; onSignOut(): void }) {
  const networkId = useNetworkId();
  const [location] = useLocation();
  // At phone width the navigation folds behind the Menu button; a choice closes it.
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => setMenuOpen(false), [location]);
  const section = (s: string) => (networkId ? `/networks/${networkId}/${s}` : `/choose/${s}`);
  const current = (href: string) => (location === href ? 'page' : undefined);
  return (
    <div class="shell">
      <a class="skip" href="#content">
        Skip to content
      </a>
      <header class="top">
        <button
          type="button"
          class="menu"
          aria-expanded={menuOpen}
          aria-controls="console-nav"
          onClick={() => setMenuOpen(!menuOpen)}
        >
          Menu
        </button>
        <span class="brand">Wickr Admin</span>
        <span class="who">
          {session.accessKeyId} · account {session.accountId} · {session.region}
          {networkId ? ` · network ${networkId}` : ''}
        </span>
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <nav id="console-nav" class={`side${menuOpen ? ' open' : ''}`} aria-label="Console">
        <Link href="/networks" aria-current={current('/networks')}>
          Networks
        </Link>
        {SECTIONS.map(([s, label]) => (
          <Link key={s} href={section(s)} aria-current={current(section(s))}>
            {label}
          </Link>
        ))}
        <Link href="/audit" aria-current={current('/audit')}>
          Audit
        </Link>
        <Link href="/access-keys" aria-current={current('/access-keys')}>
          Access keys
        </Link>
      </nav>
      <main id="content" tabIndex={-1}>
        <Switch>
          <Route path="/networks" component={NetworksPage} />
          <Route path="/audit" component={AuditPage} />
          <Route path="/access-keys" component={AccessKeysPage} />
          <Route path="/networks/:networkId/settings" component={NetworkSettingsPage} />
          <Route path="/networks/:networkId/:section" component={NetworkSection} />
          <Route path="/choose/:section" component={ChooseNetwork} />
          <Route>
            <Redirect to={networkId ? `/networks/${networkId}/dashboard` : '/networks'} />
          </Route>
        </Switch>
      </main>
    </div>
  );
}

function NetworkSection() {
  const { networkId, section } = useParams<{ networkId: string; section: string }>();
  const Page = PAGES[section as keyof typeof PAGES];
  if (!Page) return <p>There is no page here.</p>;
  return <Page key={networkId} networkId={networkId} />;
}

function Redirect({ to }: { to: string }) {
  const [, navigate] = useLocation();
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

export function App() {
  const [session, setState] = useState<SessionInfo | null | undefined>(undefined);
  const accept = (s: SessionInfo | null) => {
    setSession(s);
    setState(s);
  };
  useEffect(() => {
    whenSignedOut(() => accept(null));
    currentSession().then(accept, () => accept(null));
  }, []);
  if (session === undefined) return <Loading what="the console" />;
  return (
    <SessionContext.Provider value={session}>
      <Router base="/console">
        {session ? (
          <Shell
            session={session}
            onSignOut={() => {
              signOut()
                .catch(() => undefined)
                .finally(() => {
                  sessionStorage.removeItem('network');
                  accept(null);
                });
            }}
          />
        ) : (
          <SignIn onSignedIn={accept} />
        )}
      </Router>
    </SessionContext.Provider>
  );
}
