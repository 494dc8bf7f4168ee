import { Button, Content, Flex, Form, Heading, InlineAlert, TextField, View } from '@adobe/react-spectrum';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router';
import { LIMITS } from '../../../shared/contracts.ts';
import { api } from '../api.ts';
import { PageTitle } from '../components/PageTitle.tsx';
import { errorMessage } from '../errors.ts';

/**
 * The page of a one-time link: `/set-password/:token` (the invitation of a new admin) or
 * `/reset-password/:token` ("Forgot password"). Both set the password through the same endpoint;
 * afterwards the admin signs in.
 */
export function SetPasswordPage({ mode }: { mode: 'invitation' | 'reset' }) {
  const { t } = useTranslation();
  const { token = '' } = useParams();
  const navigate = useNavigate();
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const mismatch = repeat !== '' && repeat !== password;

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (mismatch) {
      return;
    }
    setPending(true);
    setError(null);
    api
      .post<{ email: string }>(
        '/api/v1/auth/password-reset/confirm',
        { token, newPassword: password },
        { ignoreUnauthorized: true },
      )
      .then((answer) => setDone(answer.email))
      .catch((caught: unknown) => setError(caught))
      .finally(() => setPending(false));
  };

  return (
    <main className="usher-centered">
      <View
        width="size-4600"
        maxWidth="100%"
        padding="size-400"
        borderWidth="thin"
        borderColor="gray-300"
        borderRadius="medium"
        backgroundColor="gray-50"
      >
        <Flex direction="column" gap="size-200">
          <span className="usher-brand">Usher</span>
          <PageTitle>{mode === 'invitation' ? t('password.setTitle') : t('password.resetTitle')}</PageTitle>
          {done ? (
            <>
              <InlineAlert variant="positive" width="100%" data-testid="password-set-done">
                <Heading>{t('password.setDoneTitle')}</Heading>
                <Content>{t('password.setDone', { email: done })}</Content>
              </InlineAlert>
              <Button
                variant="accent"
                data-testid="password-to-sign-in"
                onPress={() => navigate('/', { replace: true, state: { email: done } })}
              >
                {t('password.toSignIn')}
              </Button>
            </>
          ) : (
            <>
              {error !== null && (
                <div data-testid="password-set-error">
                  <InlineAlert variant="negative" width="100%">
                    <Heading>{t('password.setFailed')}</Heading>
                    <Content>{errorMessage(t, error)}</Content>
                  </InlineAlert>
                </div>
              )}
              <Form
                onSubmit={submit}
                validationBehavior="native"
                aria-label={mode === 'invitation' ? t('password.setTitle') : t('password.resetTitle')}
              >
                <TextField
                  label={t('password.new')}
                  type="password"
                  autoComplete="new-password"
                  value={password}
                  onChange={setPassword}
                  minLength={LIMITS.passwordMin}
                  maxLength={LIMITS.passwordMax}
                  description={t('setup.passwordHint', { min: LIMITS.passwordMin })}
                  isRequired
                  autoFocus
                  data-testid="password-new"
                />
                <TextField
                  label={t('password.repeat')}
                  type="password"
                  autoComplete="new-password"
                  value={repeat}
                  onChange={setRepeat}
                  maxLength={LIMITS.passwordMax}
                  validationState={mismatch ? 'invalid' : undefined}
                  errorMessage={mismatch ? t('password.mismatch') : undefined}
                  isRequired
                  data-testid="password-repeat"
                />
                <Button
                  type="submit"
                  variant="accent"
                  isPending={pending}
                  marginTop="size-200"
                  data-testid="password-set-submit"
                >
                  {t('password.save')}
                </Button>
              </Form>
            </>
          )}
        </Flex>
      </View>
    </main>
  );
}
