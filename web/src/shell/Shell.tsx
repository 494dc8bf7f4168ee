import { useTranslation } from 'react-i18next';
import { Outlet } from 'react-router';
import { ToastRegion } from '../components/Toast.tsx';
import { Header } from './Header.tsx';
import { SideNav } from './SideNav.tsx';

/** The signed-in console: a "skip to content" link, header, side navigation and the current page. */
export function Shell() {
  const { t } = useTranslation();
  return (
    <div className="usher-shell">
      <a className="usher-skip-link" href="#content" data-testid="skip-to-content">
        {t('shell.skipToContent')}
      </a>
      <Header />
      <SideNav />
      <main className="usher-main" id="content" tabIndex={-1}>
        <Outlet />
      </main>
      <ToastRegion />
    </div>
  );
}
