import { Button, Content, Flex, Heading, InlineAlert } from '@adobe/react-spectrum';
import { useTranslation } from 'react-i18next';
import { MfaSection } from '../account/MfaSection.tsx';
import { AuthCard } from '../components/AuthCard.tsx';
import { useSession, useSignedIn } from '../session.tsx';

/**
 * What an admin sees after signing in when the organization requires a second factor and they
 * have none: enrolment first; then the console.
 */
export function MfaEnrolmentPage() {
  const { t } = useTranslation();
  const session = useSignedIn();
  const { refresh, signOut } = useSession();
  return (
    <AuthCard title={t('mfa.enrolTitle')} width="size-6000">
      <InlineAlert variant="notice" data-testid="mfa-enrolment-required">
        <Heading level={2}>{t('mfa.enrolRequiredTitle')}</Heading>
        <Content>{t('mfa.enrolRequired', { email: session.user?.email ?? session.actor.label })}</Content>
      </InlineAlert>
      <MfaSection onEnrolled={() => undefined} />
      <Flex gap="size-100">
        <Button variant="accent" data-testid="mfa-continue" onPress={() => void refresh()}>
          {t('mfa.continue')}
        </Button>
        <Button variant="secondary" data-testid="sign-out" onPress={() => void signOut()}>
          {t('shell.signOut')}
        </Button>
      </Flex>
    </AuthCard>
  );
}
