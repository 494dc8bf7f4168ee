import { Button, Content, Flex, Form, Heading, InlineAlert, TextField } from '@adobe/react-spectrum';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LIMITS } from '../../../shared/contracts.ts';
import { MfaSection } from '../account/MfaSection.tsx';
import { NewPasswordFields, passwordsDiffer } from '../account/NewPasswordFields.tsx';
import { api } from '../api.ts';
import { PageTitle } from '../components/PageTitle.tsx';
import { Toast } from '../components/Toast.tsx';
import { errorMessage } from '../errors.ts';
import { useSignedIn } from '../session.tsx';

/** The signed-in admin's own account: who they are and their password. */
export function ProfilePage() {
  const { t } = useTranslation();
  const session = useSignedIn();
  const [current, setCurrent] = useState('');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const mismatch = passwordsDiffer(password, repeat);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (mismatch) {
      return;
    }
    setPending(true);
    setError(null);
    setNotice(null);
    api
      .post('/api/v1/auth/password', { currentPassword: current, newPassword: password })
      .then(() => {
        setCurrent('');
        setPassword('');
        setRepeat('');
        setNotice(t('password.changed'));
      })
      .catch((caught: unknown) => setError(caught))
      .finally(() => setPending(false));
  };

  return (
    <Flex direction="column" gap="size-300" maxWidth="size-6000">
      <PageTitle>{t('profile.title')}</PageTitle>
      <span data-testid="profile-email">{session.user?.email ?? session.actor.label}</span>
      <section aria-labelledby="profile-password">
        <Heading level={2} id="profile-password" marginBottom="size-100">
          {t('password.changeTitle')}
        </Heading>
        <Toast message={notice} onDismiss={() => setNotice(null)} testId="password-change-done" />
        {error !== null && (
          <InlineAlert variant="negative" data-testid="password-change-error">
            <Heading>{t('password.changeFailed')}</Heading>
            <Content>{errorMessage(t, error)}</Content>
          </InlineAlert>
        )}
        <Form onSubmit={submit} validationBehavior="native" aria-label={t('password.changeTitle')}>
          <TextField
            label={t('password.current')}
            type="password"
            autoComplete="current-password"
            value={current}
            onChange={setCurrent}
            maxLength={LIMITS.passwordMax}
            isRequired
            data-testid="password-current"
          />
          <NewPasswordFields password={password} onPassword={setPassword} repeat={repeat} onRepeat={setRepeat} />
          <Button
            type="submit"
            variant="accent"
            isPending={pending}
            marginTop="size-200"
            data-testid="password-change-submit"
          >
            {t('password.change')}
          </Button>
        </Form>
        <p>{t('password.changeHint')}</p>
      </section>
      <section aria-labelledby="profile-mfa">
        <Heading level={2} id="profile-mfa" marginBottom="size-100">
          {t('mfa.title')}
        </Heading>
        <MfaSection />
      </section>
    </Flex>
  );
}
