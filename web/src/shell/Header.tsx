import { Button, Link } from '@adobe/react-spectrum';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link as RouterLink, useNavigate } from 'react-router';
import { LanguagePicker } from '../components/LanguagePicker.tsx';
import { currentLocale } from '../i18n/index.ts';
import { useCan, useSession, useSignedIn } from '../session.tsx';

/** Product name, organization, language, who is signed in, and sign-out. */
export function Header() {
  const { t } = useTranslation();
  const session = useSignedIn();
  const can = useCan();
  const { changeLocale, signOut } = useSession();
  const navigate = useNavigate();
  const [signingOut, setSigningOut] = useState(false);

  return (
    <header className="usher-header">
      <span className="usher-brand">Usher</span>
      <span className="usher-organization" title={session.organization.name} data-testid="organization-name">
        {session.organization.name}
      </span>
      <span className="usher-header-spacer" />
      <LanguagePicker
        value={currentLocale()}
        testId="language-picker"
        isDisabled={!can('self.update')}
        onChange={(locale) => {
          // A failure other than 401 keeps the new language for this page only.
          changeLocale(locale).catch(() => {});
        }}
      />
      <span className="usher-email" data-testid="signed-in-as">
        {session.user ? (
          <Link isQuiet>
            <RouterLink to="/profile" title={t('profile.title')} data-testid="nav-profile">
              {session.user.email}
            </RouterLink>
          </Link>
        ) : (
          session.actor.label
        )}
      </span>
      <Button
        variant="secondary"
        style="outline"
        isPending={signingOut}
        data-testid="sign-out"
        onPress={() => {
          setSigningOut(true);
          signOut()
            .catch(() => {})
            .finally(() => navigate('/', { replace: true }));
        }}
      >
        {t('shell.signOut')}
      </Button>
    </header>
  );
}
