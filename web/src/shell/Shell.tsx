import { Outlet } from 'react-router';
import { Header } from './Header.tsx';
import { SideNav } from './SideNav.tsx';

/** The signed-in console: header, side navigation and the current page. */
export function Shell() {
  return (
    <div className="usher-shell">
      <Header />
      <SideNav />
      <main className="usher-main">
        <Outlet />
      </main>
    </div>
  );
}
