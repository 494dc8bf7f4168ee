import {
  Button,
  Content,
  Flex,
  Form,
  Heading,
  InlineAlert,
  Link,
  ProgressCircle,
  Text,
  TextField,
} from '@adobe/react-spectrum';
import { type FormEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useSearchParams } from 'react-router';
import { LIMITS, type Locale } from '../../../shared/contracts.ts';
import { ApiError, api, queryString } from '../api.ts';
import { AuthCard } from '../components/AuthCard.tsx';
import { LanguagePicker } from '../components/LanguagePicker.tsx';
import { errorMessage, fieldProblems } from '../errors.ts';
import { applyLocale, currentLocale, rememberLocale } from '../i18n/index.ts';
import { useSession } from '../session.tsx';
import type { Session } from '../types.ts';

type LinkState = 'checking' | 'valid' | 'invalid';

/** First-run setup from the one-time link: creates the organization and its first system admin. */
export function SetupPage() {
  const { t } = useTranslation();
  const { accept, state } = useSession();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const [link, setLink] = useState<LinkState>(token ? 'checking' : 'invalid');
  const [organizationName, setOrganizationName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [firstName, setFirstName] = useState('');
  const [lastName, setLastName] = useState('');
  const [locale, setLocale] = useState<Locale>(currentLocale());
  const [error, setError] = useState<{ message: string; fields: string[] } | null>(null);
  const [pending, setPending] = useState(false);

  useEffect(() => {
    if (!token) {
      setLink('invalid');
      return;
    }
    let active = true;
    api
      .get<{ valid: boolean }>(`/api/v1/setup${queryString({ token })}`, { ignoreUnauthorized: true })
      .then((answer) => active && setLink(answer.valid ? 'valid' : 'invalid'))
      .catch(() => active && setLink('invalid'));
    return () => {
      active = false;
    };
  }, [token]);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setPending(true);
    setError(null);
    const body = {
      token,
      organizationName: organizationName.trim(),
      email: email.trim(),
      password,
      locale,
      ...(firstName.trim() ? { firstName: firstName.trim() } : {}),
      ...(lastName.trim() ? { lastName: lastName.trim() } : {}),
    };
    api
      .post<Session>('/api/v1/setup', body, { ignoreUnauthorized: true })
      .then((session) => {
        accept(session);
        navigate('/overview', { replace: true });
      })
      .catch((caught: unknown) => {
        setPending(false);
        if (caught instanceof ApiError && caught.code === 'setup.unavailable') {
          setLink('invalid');
          return;
        }
        setError({ message: errorMessage(t, caught), fields: fieldProblems(caught) });
      });
  };

  return (
    <AuthCard title={t('setup.title')} width="size-6000">
      {link === 'checking' && <ProgressCircle aria-label={t('common.loading')} isIndeterminate />}
      {link === 'invalid' && (
        <InlineAlert variant="notice" width="100%" data-testid="setup-invalid">
          <Heading level={2}>{t('setup.invalidTitle')}</Heading>
          <Content>
            <Flex direction="column" gap="size-100">
              <Text>{t('setup.invalid')}</Text>
              <Link href="/">{state.status === 'signed-in' ? t('setup.toConsole') : t('setup.toSignIn')}</Link>
            </Flex>
          </Content>
        </InlineAlert>
      )}
      {link === 'valid' && (
        <>
          <Text>{t('setup.intro')}</Text>
          {error && (
            <InlineAlert variant="negative" width="100%">
              <Heading level={2}>{t('setup.failed')}</Heading>
              <Content>
                {error.message}
                {error.fields.length > 0 && (
                  <ul>
                    {error.fields.map((field) => (
                      <li key={field}>{field}</li>
                    ))}
                  </ul>
                )}
              </Content>
            </InlineAlert>
          )}
          <Form onSubmit={submit} validationBehavior="native" data-testid="setup-form" aria-label={t('setup.title')}>
            <TextField
              label={t('setup.organizationName')}
              value={organizationName}
              onChange={setOrganizationName}
              maxLength={LIMITS.organizationNameMax}
              isRequired
              autoFocus
              data-testid="setup-organization"
            />
            <TextField
              label={t('setup.email')}
              type="email"
              autoComplete="username"
              value={email}
              onChange={setEmail}
              maxLength={LIMITS.emailMax}
              isRequired
              data-testid="setup-email"
            />
            <TextField
              label={t('setup.password')}
              type="password"
              autoComplete="new-password"
              description={t('setup.passwordHint', { min: LIMITS.passwordMin })}
              value={password}
              onChange={setPassword}
              minLength={LIMITS.passwordMin}
              maxLength={LIMITS.passwordMax}
              isRequired
              data-testid="setup-password"
            />
            <Flex gap="size-200">
              <TextField
                label={t('setup.firstName')}
                autoComplete="given-name"
                value={firstName}
                onChange={setFirstName}
                maxLength={LIMITS.nameMax}
                flex={1}
              />
              <TextField
                label={t('setup.lastName')}
                autoComplete="family-name"
                value={lastName}
                onChange={setLastName}
                maxLength={LIMITS.nameMax}
                flex={1}
              />
            </Flex>
            <LanguagePicker
              value={locale}
              label={t('common.language')}
              testId="language-picker"
              onChange={(next) => {
                setLocale(next);
                rememberLocale(next);
                applyLocale(next);
              }}
            />
            <Button type="submit" variant="accent" isPending={pending} marginTop="size-200" data-testid="setup-submit">
              {t('setup.submit')}
            </Button>
          </Form>
        </>
      )}
    </AuthCard>
  );
}
