import { Button, Content, Form, Heading, InlineAlert, Link, TextField } from '@adobe/react-spectrum';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link as RouterLink } from 'react-router';
import { LIMITS } from '../../../shared/contracts.ts';
import { api } from '../api.ts';
import { AuthCard } from '../components/AuthCard.tsx';
import { errorMessage } from '../errors.ts';

/** "Forgot password": asks for the e-mail and says a link is on its way (the same for any address). */
export function ForgotPasswordPage() {
  const { t } = useTranslation();
  const [email, setEmail] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState(false);
  const [sent, setSent] = useState(false);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setPending(true);
    setError(null);
    api
      .post('/api/v1/auth/password-reset', { email: email.trim() }, { ignoreUnauthorized: true })
      .then(() => setSent(true))
      .catch((caught: unknown) => setError(caught))
      .finally(() => setPending(false));
  };

  return (
    <AuthCard title={t('password.forgotTitle')} width="size-4600">
      {sent ? (
        <InlineAlert variant="positive" width="100%" data-testid="forgot-sent">
          <Heading>{t('password.forgotSentTitle')}</Heading>
          <Content>{t('password.forgotSent', { email: email.trim() })}</Content>
        </InlineAlert>
      ) : (
        <>
          {error !== null && (
            <InlineAlert variant="negative" width="100%" data-testid="forgot-error">
              <Heading>{t('password.forgotFailed')}</Heading>
              <Content>{errorMessage(t, error)}</Content>
            </InlineAlert>
          )}
          <Form onSubmit={submit} validationBehavior="native" aria-label={t('password.forgotTitle')}>
            <TextField
              label={t('signIn.email')}
              type="email"
              autoComplete="username"
              value={email}
              onChange={setEmail}
              maxLength={LIMITS.emailMax}
              description={t('password.forgotHint')}
              isRequired
              autoFocus
              data-testid="forgot-email"
            />
            <Button type="submit" variant="accent" isPending={pending} marginTop="size-200" data-testid="forgot-submit">
              {t('password.forgotSubmit')}
            </Button>
          </Form>
        </>
      )}
      <Link>
        <RouterLink to="/" data-testid="forgot-back">
          {t('password.backToSignIn')}
        </RouterLink>
      </Link>
    </AuthCard>
  );
}
