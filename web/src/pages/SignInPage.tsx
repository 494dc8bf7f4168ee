import { Button, Content, Flex, Form, Heading, InlineAlert, Link, TextField, View } from '@adobe/react-spectrum';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link as RouterLink, useLocation, useNavigate } from 'react-router';
import { LIMITS } from '../../../shared/contracts.ts';
import { LanguagePicker } from '../components/LanguagePicker.tsx';
import { PageTitle } from '../components/PageTitle.tsx';
import { errorMessage } from '../errors.ts';
import { applyLocale, currentLocale, rememberLocale } from '../i18n/index.ts';
import { useSession } from '../session.tsx';

/** Sign-in with e-mail and password; the language can be chosen before signing in. */
export function SignInPage({ expired }: { expired: boolean }) {
  const { t } = useTranslation();
  const { signIn } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  // After a password was set from a link, the page comes with the account's e-mail.
  const [email, setEmail] = useState(() => {
    const state = location.state as { email?: unknown } | null;
    return typeof state?.email === 'string' ? state.email : '';
  });
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setPending(true);
    setError(null);
    signIn(email.trim(), password)
      .then(() => navigate('/users', { replace: true }))
      .catch((caught: unknown) => {
        setError(errorMessage(t, caught));
        setPending(false);
      });
  };

  return (
    <div className="usher-centered">
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
          <PageTitle>{t('signIn.title')}</PageTitle>
          {expired && !error && (
            <InlineAlert variant="notice" width="100%">
              <Heading>{t('signIn.expiredTitle')}</Heading>
              <Content>{t('signIn.expired')}</Content>
            </InlineAlert>
          )}
          {error && (
            <div data-testid="login-error">
              <InlineAlert variant="negative" width="100%">
                <Heading>{t('signIn.failed')}</Heading>
                <Content>{error}</Content>
              </InlineAlert>
            </div>
          )}
          <Form onSubmit={submit} validationBehavior="native" aria-label={t('signIn.title')}>
            <TextField
              label={t('signIn.email')}
              type="email"
              autoComplete="username"
              value={email}
              onChange={setEmail}
              maxLength={LIMITS.emailMax}
              isRequired
              autoFocus
              data-testid="login-email"
            />
            <TextField
              label={t('signIn.password')}
              type="password"
              autoComplete="current-password"
              value={password}
              onChange={setPassword}
              maxLength={LIMITS.passwordMax}
              isRequired
              data-testid="login-password"
            />
            <Button type="submit" variant="accent" isPending={pending} marginTop="size-200" data-testid="login-submit">
              {t('signIn.submit')}
            </Button>
          </Form>
          <Link>
            <RouterLink to="/forgot-password" data-testid="login-forgot">
              {t('signIn.forgot')}
            </RouterLink>
          </Link>
          <LanguagePicker
            value={currentLocale()}
            label={t('common.language')}
            testId="language-picker"
            onChange={(locale) => {
              rememberLocale(locale);
              applyLocale(locale);
            }}
          />
        </Flex>
      </View>
    </div>
  );
}
