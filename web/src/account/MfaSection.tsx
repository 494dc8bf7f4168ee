import {
  ActionButton,
  Button,
  Content,
  Flex,
  Form,
  Heading,
  InlineAlert,
  ProgressCircle,
  Text,
  TextField,
  useDateFormatter,
} from '@adobe/react-spectrum';
import { type PublicKeyCredentialCreationOptionsJSON, startRegistration } from '@simplewebauthn/browser';
import QRCode from 'qrcode';
import { type FormEvent, useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { MyMfa } from '../../../shared/api/mfa.ts';
import { api } from '../api.ts';
import { Toast } from '../components/Toast.tsx';
import { errorMessage } from '../errors.ts';

/** The QR code of an `otpauth://` URL, drawn on a canvas in the browser (the secret never leaves it). */
function QrCode({ value, label }: { value: string; label: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (canvas.current) {
      void QRCode.toCanvas(canvas.current, value, { width: 200, margin: 1 });
    }
  }, [value]);
  return <canvas ref={canvas} role="img" aria-label={label} data-testid="mfa-qr" />;
}

/** Recovery codes, shown once after enrolment or renewal. */
function RecoveryCodes({ codes }: { codes: string[] }) {
  const { t } = useTranslation();
  return (
    <InlineAlert variant="notice" data-testid="mfa-recovery">
      <Heading>{t('mfa.recoveryTitle')}</Heading>
      <Content>
        <p>{t('mfa.recoveryText')}</p>
        <ul className="usher-names-list" data-testid="mfa-recovery-codes">
          {codes.map((code) => (
            <li key={code}>
              <code>{code}</code>
            </li>
          ))}
        </ul>
      </Content>
    </InlineAlert>
  );
}

/**
 * The signed-in admin's second factors: enrol an authenticator app (QR code, then a code to
 * confirm) or a passkey (the browser asks the key), see and renew recovery codes, remove a factor.
 * @param onEnrolled called after an enrolment is confirmed (the session may change)
 */
export function MfaSection({ onEnrolled }: { onEnrolled?: () => void }) {
  const { t } = useTranslation();
  const formatDate = useDateFormatter({ dateStyle: 'medium', timeStyle: 'short' });
  const [mine, setMine] = useState<MyMfa | null>(null);
  const [enrolment, setEnrolment] = useState<{ secret: string; otpauthUrl: string } | null>(null);
  const [code, setCode] = useState('');
  const [codes, setCodes] = useState<string[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  const load = useCallback(async () => {
    try {
      setMine(await api.get<MyMfa>('/api/v1/auth/mfa'));
    } catch (caught) {
      setError(caught);
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  const run = (action: () => Promise<void>) => {
    setPending(true);
    setError(null);
    setNotice(null);
    action()
      .catch((caught: unknown) => setError(caught))
      .finally(() => setPending(false));
  };

  const confirm = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    run(async () => {
      const answer = await api.post<{ recoveryCodes: string[] }>('/api/v1/auth/mfa/totp/confirm', {
        code: code.trim(),
      });
      setEnrolment(null);
      setCode('');
      setCodes(answer.recoveryCodes);
      setNotice(t('mfa.enrolled'));
      await load();
      onEnrolled?.();
    });
  };

  if (!mine) {
    return error ? (
      <InlineAlert variant="negative">
        <Heading>{t('mfa.failed')}</Heading>
        <Content>{errorMessage(t, error)}</Content>
      </InlineAlert>
    ) : (
      <ProgressCircle aria-label={t('common.loading')} isIndeterminate size="S" />
    );
  }
  const hasTotp = mine.factors.some((factor) => factor.kind === 'totp');

  return (
    <Flex direction="column" gap="size-150" data-testid="mfa-section">
      <Text>{mine.required ? t('mfa.requiredByOrganization') : t('mfa.intro')}</Text>
      <Toast message={notice} onDismiss={() => setNotice(null)} testId="mfa-notice" />
      {error !== null && (
        <InlineAlert variant="negative" data-testid="mfa-error">
          <Heading>{t('mfa.failed')}</Heading>
          <Content>{errorMessage(t, error)}</Content>
        </InlineAlert>
      )}
      {codes && <RecoveryCodes codes={codes} />}
      {mine.factors.length === 0 ? (
        <Text data-testid="mfa-none">{t('mfa.none')}</Text>
      ) : (
        <ul className="usher-names-list">
          {mine.factors.map((factor) => (
            <li key={factor.id} data-testid="mfa-factor">
              <Flex alignItems="center" gap="size-100" wrap>
                <Text>{factor.kind === 'totp' ? t('mfa.totpFactor') : factor.label}</Text>
                <Text>
                  {factor.lastUsedAt
                    ? t('mfa.lastUsed', { time: formatDate.format(new Date(factor.lastUsedAt)) })
                    : t('mfa.added', { time: formatDate.format(new Date(factor.createdAt)) })}
                </Text>
                <ActionButton
                  isQuiet
                  isDisabled={pending}
                  data-testid="mfa-remove"
                  onPress={() =>
                    run(async () => {
                      await api.delete(`/api/v1/auth/mfa/factors/${encodeURIComponent(factor.id)}`);
                      setCodes(null);
                      setNotice(t('mfa.removed'));
                      await load();
                    })
                  }
                >
                  {t('mfa.remove')}
                </ActionButton>
              </Flex>
            </li>
          ))}
        </ul>
      )}
      {mine.factors.length > 0 && (
        <Flex alignItems="center" gap="size-100" wrap>
          <Text data-testid="mfa-recovery-left">{t('mfa.recoveryLeft', { n: mine.recoveryCodesLeft })}</Text>
          <Button
            variant="secondary"
            isDisabled={pending}
            data-testid="mfa-recovery-renew"
            onPress={() =>
              run(async () => {
                const answer = await api.post<{ recoveryCodes: string[] }>('/api/v1/auth/mfa/recovery-codes');
                setCodes(answer.recoveryCodes);
                await load();
              })
            }
          >
            {t('mfa.recoveryRenew')}
          </Button>
        </Flex>
      )}
      {!hasTotp && !enrolment && (
        <Button
          variant="accent"
          isPending={pending}
          data-testid="mfa-totp-start"
          onPress={() =>
            run(async () => {
              setCodes(null);
              setEnrolment(await api.post<{ secret: string; otpauthUrl: string }>('/api/v1/auth/mfa/totp'));
            })
          }
        >
          {t('mfa.totpStart')}
        </Button>
      )}
      {!enrolment && (
        <Button
          variant={hasTotp ? 'accent' : 'secondary'}
          isPending={pending}
          data-testid="mfa-passkey-start"
          onPress={() =>
            run(async () => {
              setCodes(null);
              const optionsJSON = await api.post<PublicKeyCredentialCreationOptionsJSON>(
                '/api/v1/auth/mfa/webauthn/registration/options',
                { label: t('mfa.passkeyFactor') },
              );
              const response = await startRegistration({ optionsJSON });
              const answer = await api.post<{ recoveryCodes: string[] }>(
                '/api/v1/auth/mfa/webauthn/registration/verify',
                {
                  response,
                },
              );
              if (answer.recoveryCodes.length > 0) {
                setCodes(answer.recoveryCodes);
              }
              setNotice(t('mfa.passkeyAdded'));
              await load();
              onEnrolled?.();
            })
          }
        >
          {t('mfa.passkeyStart')}
        </Button>
      )}
      {enrolment && (
        <Flex direction="column" gap="size-100" data-testid="mfa-enrolment">
          <Text>{t('mfa.totpScan')}</Text>
          <QrCode value={enrolment.otpauthUrl} label={t('mfa.qrLabel')} />
          <Text>
            {t('mfa.totpSecret')} <code data-testid="mfa-secret">{enrolment.secret}</code>
          </Text>
          <Form onSubmit={confirm} validationBehavior="native" aria-label={t('mfa.totpStart')} maxWidth="size-3600">
            <TextField
              label={t('mfa.code')}
              value={code}
              onChange={setCode}
              autoComplete="one-time-code"
              inputMode="numeric"
              maxLength={6}
              minLength={6}
              isRequired
              data-testid="mfa-confirm-code"
            />
            <Button type="submit" variant="accent" isPending={pending} marginTop="size-100" data-testid="mfa-confirm">
              {t('mfa.confirm')}
            </Button>
          </Form>
        </Flex>
      )}
    </Flex>
  );
}
