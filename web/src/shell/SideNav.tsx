import { useTranslation } from 'react-i18next';
import { NavLink } from 'react-router';
import type { Action } from '../../../shared/roles.ts';
import { useCan } from '../session.tsx';

interface NavItem {
  id: 'overview' | 'users' | 'groups' | 'products' | 'devices' | 'bulk' | 'audit' | 'outbox' | 'settings';
  path: string;
  /** The ability needed to see the item; none = every admin. */
  ability?: Action;
}

const ITEMS: NavItem[] = [
  { id: 'overview', path: '/overview' },
  { id: 'users', path: '/users' },
  { id: 'groups', path: '/groups' },
  { id: 'products', path: '/products' },
  { id: 'devices', path: '/devices', ability: 'device.read' },
  { id: 'bulk', path: '/bulk', ability: 'bulk.run' },
  { id: 'audit', path: '/audit', ability: 'audit.read' },
  { id: 'outbox', path: '/outbox', ability: 'outbox.read' },
  { id: 'settings', path: '/settings' },
];

/** The console's sections; each shows only when the admin may use it. */
export function SideNav() {
  const { t } = useTranslation();
  const can = useCan();
  return (
    <nav className="usher-nav" aria-label={t('nav.label')}>
      {ITEMS.filter((item) => !item.ability || can(item.ability)).map((item) => (
        <NavLink key={item.id} to={item.path} className="usher-nav-link" data-testid={`nav-${item.id}`}>
          {t(`nav.${item.id}`)}
        </NavLink>
      ))}
    </nav>
  );
}
