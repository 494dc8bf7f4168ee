import { Button, Content, Flex, Heading, InlineAlert, View } from '@adobe/react-spectrum';
import { useTranslation } from 'react-i18next';
import { MfaSection } from '../account/MfaSection.tsx';
import { PageTitle } from '../components/PageTitle.tsx';
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
    <main className="usher-centered">
      <View
        width="size-6000"
        maxWidth="100%"
        padding="size-400"
        borderWidth="thin"
        borderColor="gray-300"
        borderRadius="medium"
        backgroundColor="gray-50"
      >
        <Flex direction="column" gap="size-200">
          <span className="usher-brand">Usher</span>
          <PageTitle>{t('mfa.enrolTitle')}</PageTitle>
          <InlineAlert variant="notice" data-testid="mfa-enrolment-required">
            <Heading>{t('mfa.enrolRequiredTitle')}</Heading>
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
        </Flex>
      </View>
    </main>
  );
}
