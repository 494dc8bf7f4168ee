import { Button, Content, Form, Heading, InlineAlert } from '@adobe/react-spectrum';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router';
import { NewPasswordFields, passwordsDiffer } from '../account/NewPasswordFields.tsx';
import { api } from '../api.ts';
import { AuthCard } from '../components/AuthCard.tsx';
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
  const mismatch = passwordsDiffer(password, repeat);

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
    <AuthCard title={mode === 'invitation' ? t('password.setTitle') : t('password.resetTitle')} width="size-4600">
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
            <NewPasswordFields
              password={password}
              onPassword={setPassword}
              repeat={repeat}
              onRepeat={setRepeat}
              autoFocus
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
    </AuthCard>
  );
}
