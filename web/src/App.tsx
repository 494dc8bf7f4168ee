import { defaultTheme, Flex, ProgressCircle, Provider } from '@adobe/react-spectrum';
import { useTranslation } from 'react-i18next';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router';
import { currentLocale, SPECTRUM_LOCALES } from './i18n/index.ts';
import { AuditPage } from './pages/AuditPage.tsx';
import { BulkOperationPage } from './pages/BulkOperationPage.tsx';
import { BulkOperationsPage } from './pages/BulkOperationsPage.tsx';
import { ConnectPage } from './pages/ConnectPage.tsx';
import { DevicesPage } from './pages/DevicesPage.tsx';
import { DirectorySyncPage } from './pages/DirectorySyncPage.tsx';
import { ForgotPasswordPage } from './pages/ForgotPasswordPage.tsx';
import { GroupPage } from './pages/GroupPage.tsx';
import { GroupsPage } from './pages/GroupsPage.tsx';
import { MfaEnrolmentPage } from './pages/MfaEnrolmentPage.tsx';
import { OutboxMessagePage } from './pages/OutboxMessagePage.tsx';
import { OutboxPage } from './pages/OutboxPage.tsx';
import { OverviewPage } from './pages/OverviewPage.tsx';
import { ProductsPage } from './pages/ProductsPage.tsx';
import { ProfilePage } from './pages/ProfilePage.tsx';
import { SetPasswordPage } from './pages/SetPasswordPage.tsx';
import { SettingsPage } from './pages/SettingsPage.tsx';
import { SetupPage } from './pages/SetupPage.tsx';
import { SignInPage } from './pages/SignInPage.tsx';
import { SyncRunPage } from './pages/SyncRunPage.tsx';
import { UserDetailsPage } from './pages/UserDetailsPage.tsx';
import { UsersPage } from './pages/UsersPage.tsx';
import { SessionProvider, useSession } from './session.tsx';
import { Shell } from './shell/Shell.tsx';

function Loading() {
  const { t } = useTranslation();
  return (
    <Flex height="100vh" alignItems="center" justifyContent="center">
      <ProgressCircle aria-label={t('common.loading')} isIndeterminate />
    </Flex>
  );
}

function ConsoleRoutes() {
  const { state } = useSession();
  const location = useLocation();
  // A device-connection link works whether or not someone is signed in to the console here.
  if (location.pathname.startsWith('/connect/')) {
    return (
      <Routes>
        <Route path="/connect/:token" element={<ConnectPage />} />
      </Routes>
    );
  }
  // So does a one-time link that sets a password (an invitation, or "Forgot password").
  if (location.pathname.startsWith('/set-password/') || location.pathname.startsWith('/reset-password/')) {
    return (
      <Routes>
        <Route path="/set-password/:token" element={<SetPasswordPage mode="invitation" />} />
        <Route path="/reset-password/:token" element={<SetPasswordPage mode="reset" />} />
      </Routes>
    );
  }
  if (state.status === 'loading') {
    return <Loading />;
  }
  if (state.status === 'anonymous') {
    return (
      <Routes>
        <Route path="/setup" element={<SetupPage />} />
        <Route path="/forgot-password" element={<ForgotPasswordPage />} />
        <Route path="/" element={<SignInPage expired={state.expired} />} />
        <Route path="*" element={<Navigate to="/" replace />} />
      </Routes>
    );
  }
  // The organization requires a second factor this admin has not enrolled: that comes first.
  if (state.session.mfaEnrolmentRequired) {
    return <MfaEnrolmentPage />;
  }
  const abilities = state.session.abilities;
  const canAudit = abilities.includes('audit.read');
  const canOutbox = abilities.includes('outbox.read');
  const canUsers = abilities.includes('user.read');
  const canGroups = abilities.includes('group.read');
  const canBulk = abilities.includes('bulk.run');
  return (
    <Routes>
      <Route path="/setup" element={<SetupPage />} />
      <Route element={<Shell />}>
        <Route path="/overview" element={<OverviewPage />} />
        <Route path="/users" element={<UsersPage />} />
        <Route path="/users/:id" element={canUsers ? <UserDetailsPage /> : <Navigate to="/users" replace />} />
        <Route path="/groups" element={<GroupsPage />} />
        <Route path="/groups/:id" element={canGroups ? <GroupPage /> : <Navigate to="/groups" replace />} />
        <Route path="/products" element={<ProductsPage />} />
        <Route path="/devices" element={<DevicesPage />} />
        <Route path="/bulk" element={<BulkOperationsPage />} />
        <Route path="/bulk/:id" element={canBulk ? <BulkOperationPage /> : <Navigate to="/bulk" replace />} />
        <Route path="/audit" element={canAudit ? <AuditPage /> : <Navigate to="/users" replace />} />
        <Route path="/outbox" element={canOutbox ? <OutboxPage /> : <Navigate to="/users" replace />} />
        <Route path="/outbox/:id" element={canOutbox ? <OutboxMessagePage /> : <Navigate to="/users" replace />} />
        <Route path="/settings" element={<SettingsPage />} />
        <Route path="/settings/directories/:id/sync" element={<DirectorySyncPage />} />
        <Route path="/settings/directories/:id/sync/runs/:runId" element={<SyncRunPage />} />
        <Route path="/profile" element={<ProfilePage />} />
      </Route>
      {/* The overview is the console's home. */}
      <Route path="*" element={<Navigate to="/overview" replace />} />
    </Routes>
  );
}

/** The console: theme and locale of React Spectrum, the session, and the routes. */
export function App() {
  useTranslation();
  const locale = SPECTRUM_LOCALES[currentLocale()];
  return (
    <Provider theme={defaultTheme} locale={locale} minHeight="100vh">
      <SessionProvider>
        <BrowserRouter>
          <ConsoleRoutes />
        </BrowserRouter>
      </SessionProvider>
    </Provider>
  );
}
