import { Button, Content, Flex, Form, Heading, InlineAlert, Link, TextField } from '@adobe/react-spectrum';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link as RouterLink, useLocation, useNavigate } from 'react-router';
import { LIMITS } from '../../../shared/contracts.ts';
import { ApiError, api } from '../api.ts';
import { AuthCard } from '../components/AuthCard.tsx';
import { LanguagePicker } from '../components/LanguagePicker.tsx';
import { errorMessage } from '../errors.ts';
import { applyLocale, currentLocale, rememberLocale } from '../i18n/index.ts';
import { useSession } from '../session.tsx';
import type { MfaRequired } from '../types.ts';

/** Sign-in with e-mail and password; the language can be chosen before signing in. */
export function SignInPage({ expired }: { expired: boolean }) {
  const { t } = useTranslation();
  const { signIn, verifyMfa, verifyPasskey } = useSession();
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
  /** After a right password, the second factor the sign-in waits for. */
  const [mfa, setMfa] = useState<MfaRequired | null>(null);
  const [code, setCode] = useState('');
  /** Where a federated admin's e-mail signs in (its identity provider), once the e-mail is known. */
  const [sso, setSso] = useState<{ email: string; startUrl: string } | null>(null);
  /** The break-glass way: a federated admin who keeps a password. */
  const [usePassword, setUsePassword] = useState(false);

  /** Asks how an e-mail signs in: its identity provider, or a password. */
  const discover = async (typed: string) => {
    const trimmed = typed.trim();
    if (!trimmed.includes('@')) {
      setSso(null);
      return null;
    }
    const answer = await api.post<{ method: 'password' | 'sso'; startUrl?: string }>('/api/v1/auth/sso/discover', {
      email: trimmed,
    });
    const found = answer.method === 'sso' && answer.startUrl ? { email: trimmed, startUrl: answer.startUrl } : null;
    setSso(found);
    return found;
  };

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setPending(true);
    setError(null);
    const federated = usePassword ? Promise.resolve(null) : discover(email).catch(() => null);
    federated
      .then((found) => {
        if (found) {
          window.location.assign(found.startUrl);
          return null;
        }
        return signIn(email.trim(), password).then((prompt) => ({ prompt }));
      })
      .then((result) => {
        if (!result) {
          return;
        }
        const { prompt } = result;
        if (prompt) {
          setMfa(prompt);
          setPassword('');
          setPending(false);
          return;
        }
        navigate('/overview', { replace: true });
      })
      .catch((caught: unknown) => {
        setError(errorMessage(t, caught));
        setPending(false);
      });
  };

  const submitCode = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    secondFactor(verifyMfa(code.trim()));
  };

  const secondFactor = (answer: Promise<void>) => {
    setPending(true);
    setError(null);
    answer
      .then(() => navigate('/overview', { replace: true }))
      .catch((caught: unknown) => {
        // A sign-in that waited too long starts again from the password.
        if (caught instanceof ApiError && caught.code === 'auth.mfa_challenge_expired') {
          setMfa(null);
        }
        setCode('');
        setError(errorMessage(t, caught));
        setPending(false);
      });
  };

  return (
    <AuthCard title={t('signIn.title')} width="size-4600">
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
      {mfa?.methods.includes('webauthn') && (
        <Flex direction="column" gap="size-100">
          <p data-testid="mfa-passkey-prompt">{t('mfa.signInPasskey')}</p>
          <Button
            variant="accent"
            isPending={pending}
            data-testid="mfa-passkey"
            onPress={() => secondFactor(verifyPasskey())}
          >
            {t('mfa.usePasskey')}
          </Button>
        </Flex>
      )}
      {mfa ? (
        <Form onSubmit={submitCode} validationBehavior="native" aria-label={t('mfa.signInTitle')}>
          <p data-testid="mfa-prompt">{mfa.methods.includes('totp') ? t('mfa.signInTotp') : t('mfa.signInRecovery')}</p>
          <TextField
            label={t('mfa.code')}
            value={code}
            onChange={setCode}
            autoComplete="one-time-code"
            inputMode="text"
            maxLength={32}
            isRequired
            autoFocus
            description={mfa.methods.includes('recovery_code') ? t('mfa.codeHint') : undefined}
            data-testid="mfa-code"
          />
          <Button type="submit" variant="accent" isPending={pending} marginTop="size-200" data-testid="mfa-submit">
            {t('mfa.verify')}
          </Button>
        </Form>
      ) : (
        <>
          <Form onSubmit={submit} validationBehavior="native" aria-label={t('signIn.title')}>
            <TextField
              label={t('signIn.email')}
              type="email"
              autoComplete="username"
              value={email}
              onChange={(value) => {
                setEmail(value);
                if (sso && value.trim() !== sso.email) {
                  setSso(null);
                  setUsePassword(false);
                }
              }}
              onBlur={() => {
                discover(email).catch(() => setSso(null));
              }}
              maxLength={LIMITS.emailMax}
              isRequired
              autoFocus
              data-testid="login-email"
            />
            {sso && !usePassword ? (
              <p data-testid="login-sso-notice">{t('signIn.ssoNotice')}</p>
            ) : (
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
            )}
            <Button type="submit" variant="accent" isPending={pending} marginTop="size-200" data-testid="login-submit">
              {sso && !usePassword ? t('signIn.ssoContinue') : t('signIn.submit')}
            </Button>
          </Form>
          {sso && !usePassword && (
            <Link onPress={() => setUsePassword(true)} data-testid="login-use-password">
              {t('signIn.usePassword')}
            </Link>
          )}
          <Link>
            <RouterLink to="/forgot-password" data-testid="login-forgot">
              {t('signIn.forgot')}
            </RouterLink>
          </Link>
        </>
      )}
      <LanguagePicker
        value={currentLocale()}
        label={t('common.language')}
        testId="language-picker"
        onChange={(locale) => {
          rememberLocale(locale);
          applyLocale(locale);
        }}
      />
    </AuthCard>
  );
}
