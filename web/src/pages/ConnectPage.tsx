import {
  Button,
  Content,
  Form,
  Heading,
  InlineAlert,
  Item,
  Link,
  ProgressCircle,
  TabList,
  TabPanels,
  Tabs,
  Text,
  TextField,
  useDateFormatter,
} from '@adobe/react-spectrum';
import { type FormEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import type { ConnectionLink } from '../../../shared/api/devices.ts';
import { DEVICE_PLATFORMS, type DevicePlatform } from '../../../shared/contracts.ts';
import { ApiError, api } from '../api.ts';
import { AuthCard } from '../components/AuthCard.tsx';
import { errorMessage } from '../errors.ts';
import { applyLocale, isLocale } from '../i18n/index.ts';

const PLATFORMS = DEVICE_PLATFORMS;
type Platform = DevicePlatform;

type LinkInfo = ConnectionLink;

/** The visitor's platform, guessed from the browser; they can pick another. */
export function detectPlatform(userAgent: string): Platform {
  if (/android/i.test(userAgent)) {
    return 'android';
  }
  if (/iphone|ipad|ipod/i.test(userAgent)) {
    return 'ios';
  }
  if (/macintosh|mac os x/i.test(userAgent)) {
    return 'macos';
  }
  return 'windows';
}

/** This browser's stable device identifier (the security application would supply its own). */
function deviceIdentifier(): string {
  const key = 'usher-device-id';
  try {
    const known = localStorage.getItem(key);
    if (known) {
      return known;
    }
    const fresh = crypto.randomUUID();
    localStorage.setItem(key, fresh);
    return fresh;
  } catch {
    return crypto.randomUUID();
  }
}

/**
 * The page of an instructions e-mail's personal link (no sign-in): installation steps per platform
 * and a form that connects the device. A bad or expired link only ever shows "invalid or expired".
 */
export function ConnectPage() {
  const { t } = useTranslation();
  const { token = '' } = useParams();
  const formatDate = useDateFormatter({ dateStyle: 'long' });
  const [info, setInfo] = useState<LinkInfo | 'invalid' | null>(null);
  const [platform, setPlatform] = useState<Platform>(() => detectPlatform(navigator.userAgent));
  const [name, setName] = useState('');
  const [deviceId] = useState(deviceIdentifier);
  const [pending, setPending] = useState(false);
  const [result, setResult] = useState<{ name: string; reconnected: boolean } | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    api
      .post<LinkInfo>('/api/v1/public/connection-link', { token }, { ignoreUnauthorized: true })
      .then((found) => {
        if (isLocale(found.locale)) {
          applyLocale(found.locale);
        }
        setInfo(found);
      })
      .catch((caught: unknown) => {
        if (caught instanceof ApiError && caught.code === 'devices.link_invalid') {
          setInfo('invalid');
        } else {
          setError(caught);
        }
      });
  }, [token]);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setPending(true);
    setError(null);
    setResult(null);
    api
      .post<{ device: { name: string }; reconnected: boolean }>(
        '/api/v1/public/devices',
        { token, platform, name: name.trim(), deviceId: deviceId.trim() },
        { ignoreUnauthorized: true },
      )
      .then((connected) => {
        setResult({ name: connected.device.name, reconnected: connected.reconnected });
        if (platform === 'android' || platform === 'ios') {
          setInfo((current) => (current && current !== 'invalid' ? { ...current, mobileAvailable: false } : current));
        }
      })
      .catch((caught: unknown) => {
        if (caught instanceof ApiError && caught.code === 'devices.link_invalid') {
          setInfo('invalid');
        }
        setError(caught);
      })
      .finally(() => setPending(false));
  };

  const mobileUsed =
    info !== null && info !== 'invalid' && !info.mobileAvailable && (platform === 'android' || platform === 'ios');

  return (
    <AuthCard title={t('connect.title')} width="size-6000">
      {info === null && error === null && <ProgressCircle aria-label={t('common.loading')} isIndeterminate />}
      {info === 'invalid' && (
        <InlineAlert variant="notice" width="100%" data-testid="connect-invalid">
          <Heading level={2}>{t('connect.invalidTitle')}</Heading>
          <Content>{t('errors.devices.link_invalid')}</Content>
        </InlineAlert>
      )}
      {info !== null && info !== 'invalid' && (
        <>
          <Text>{t('connect.intro', { organization: info.organizationName })}</Text>
          <Text data-testid="connect-for">
            {t('connect.for', { email: info.email, date: formatDate.format(new Date(info.expiresAt)) })}
          </Text>
          <Tabs
            aria-label={t('connect.platform')}
            selectedKey={platform}
            onSelectionChange={(key) => {
              setPlatform(String(key) as Platform);
              setResult(null);
            }}
            data-testid="connect-platforms"
          >
            <TabList>
              {PLATFORMS.map((value) => (
                <Item key={value}>{t(`devices.platform.${value}`)}</Item>
              ))}
            </TabList>
            <TabPanels>
              {PLATFORMS.map((value) => (
                <Item key={value}>
                  <Heading level={2}>{t('connect.stepsTitle')}</Heading>
                  <ol data-testid={`connect-steps-${value}`}>
                    {[1, 2, 3].map((step) => (
                      <li key={step}>{t(`connect.steps.${value}.${step}`)}</li>
                    ))}
                  </ol>
                  {info.downloadLinks[value] ? (
                    <Link
                      href={info.downloadLinks[value]}
                      target="_blank"
                      rel="noopener noreferrer"
                      data-testid={`connect-download-${value}`}
                    >
                      {t('connect.download', { platform: t(`devices.platform.${value}`) })}
                    </Link>
                  ) : (
                    <Text data-testid={`connect-no-download-${value}`}>{t('connect.noDownload')}</Text>
                  )}
                </Item>
              ))}
            </TabPanels>
          </Tabs>
          {result && (
            <InlineAlert variant="positive" width="100%" data-testid="connect-done">
              <Content>
                {result.reconnected
                  ? t('connect.reconnected', { name: result.name })
                  : t('connect.connected', { name: result.name })}
              </Content>
            </InlineAlert>
          )}
          {error !== null && (
            <InlineAlert variant="negative" width="100%" data-testid="connect-error">
              <Heading level={2}>{t('connect.failed')}</Heading>
              <Content>{errorMessage(t, error)}</Content>
            </InlineAlert>
          )}
          {mobileUsed && !result ? (
            <InlineAlert variant="notice" width="100%" data-testid="connect-mobile-used">
              <Content>{t('connect.mobileUsed')}</Content>
            </InlineAlert>
          ) : (
            <Form
              onSubmit={submit}
              validationBehavior="native"
              aria-label={t('connect.formTitle')}
              data-testid="connect-form"
            >
              <Heading level={2}>{t('connect.formTitle')}</Heading>
              <TextField
                label={t('connect.name')}
                value={name}
                onChange={setName}
                maxLength={255}
                isRequired
                data-testid="connect-name"
              />
              <TextField
                label={t('connect.deviceId')}
                description={t('connect.deviceIdHelp')}
                value={deviceId}
                isReadOnly
                data-testid="connect-device-id"
              />
              <Button type="submit" variant="accent" isPending={pending} data-testid="connect-submit">
                {t('connect.submit')}
              </Button>
            </Form>
          )}
        </>
      )}
      {info === null && error !== null && (
        <InlineAlert variant="negative" width="100%">
          <Heading level={2}>{t('connect.failed')}</Heading>
          <Content>{errorMessage(t, error)}</Content>
        </InlineAlert>
      )}
    </AuthCard>
  );
}
