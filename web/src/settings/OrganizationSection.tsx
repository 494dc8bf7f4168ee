import {
  Checkbox,
  Content,
  Flex,
  Form,
  Heading,
  InlineAlert,
  Item,
  Picker,
  ProgressCircle,
  TextField,
} from '@adobe/react-spectrum';
import { type FormEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LIMITS, type Locale } from '../../../shared/contracts.ts';
import { api } from '../api.ts';
import { LanguagePicker } from '../components/LanguagePicker.tsx';
import { SaveRow } from '../components/SaveRow.tsx';
import { errorMessage } from '../errors.ts';
import { useCan, useSession, useSignedIn } from '../session.tsx';
import type { Organization } from '../types.ts';

/** The settings the form edits. */
type Editable = Pick<Organization, 'name' | 'defaultLocale' | 'requireMfa' | 'ssoOnly' | 'breakGlassUserId'>;

const NO_BREAK_GLASS = 'none';

/**
 * The organization's name, default language and sign-in rules (second factor; federated admins
 * only through their identity provider, with a break-glass system admin who keeps a password);
 * editable with `organization.update`.
 */
export function OrganizationSection() {
  const { t } = useTranslation();
  const session = useSignedIn();
  const { refresh } = useSession();
  const can = useCan();
  const editable = can('organization.update') && can('organization.read');
  const [name, setName] = useState(session.organization.name);
  const [defaultLocale, setDefaultLocale] = useState<Locale>(session.organization.defaultLocale);
  const [requireMfa, setRequireMfa] = useState(false);
  const [ssoOnly, setSsoOnly] = useState(false);
  const [breakGlassUserId, setBreakGlassUserId] = useState<string | null>(null);
  const [systemAdmins, setSystemAdmins] = useState<{ id: string; email: string }[]>([]);
  const canRead = can('organization.read');
  // Without organization.read the session's copy is all there is to show.
  const [loaded, setLoaded] = useState<Editable | null>(
    canRead ? null : { ...session.organization, requireMfa: false, ssoOnly: false, breakGlassUserId: null },
  );
  const [status, setStatus] = useState<{ kind: 'saved' } | { kind: 'error'; error: unknown } | null>(null);
  /** A field's change handler that also clears the last save's message (it spoke of other values). */
  const edited =
    <T,>(set: (value: T) => void) =>
    (value: T) => {
      set(value);
      setStatus(null);
    };
  const [pending, setPending] = useState(false);

  useEffect(() => {
    if (!canRead) {
      return;
    }
    let active = true;
    api
      .get<Organization>('/api/v1/organization')
      .then((organization) => {
        if (active) {
          setLoaded(organization);
          setName(organization.name);
          setDefaultLocale(organization.defaultLocale);
          setRequireMfa(organization.requireMfa);
          setSsoOnly(organization.ssoOnly);
          setBreakGlassUserId(organization.breakGlassUserId);
        }
      })
      .catch((caught: unknown) => {
        if (active) {
          setStatus({ kind: 'error', error: caught });
        }
      });
    if (editable) {
      // The break-glass admin is one of the system admins (the first 100 by e-mail).
      api
        .get<{ items: { id: string; email: string }[] }>('/api/v1/users?adminRole=system-admin&limit=100')
        .then((page) => active && setSystemAdmins(page.items.map(({ id, email }) => ({ id, email }))))
        .catch(() => undefined);
    }
    return () => {
      active = false;
    };
  }, [canRead, editable]);

  const changed =
    loaded !== null &&
    (name.trim() !== loaded.name ||
      defaultLocale !== loaded.defaultLocale ||
      requireMfa !== loaded.requireMfa ||
      ssoOnly !== loaded.ssoOnly ||
      breakGlassUserId !== loaded.breakGlassUserId);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!loaded) {
      return;
    }
    setPending(true);
    setStatus(null);
    const patch: Partial<Editable> = {};
    if (requireMfa !== loaded.requireMfa) {
      patch.requireMfa = requireMfa;
    }
    if (ssoOnly !== loaded.ssoOnly) {
      patch.ssoOnly = ssoOnly;
    }
    if (breakGlassUserId !== loaded.breakGlassUserId) {
      patch.breakGlassUserId = breakGlassUserId;
    }
    if (name.trim() !== loaded.name) {
      patch.name = name.trim();
    }
    if (defaultLocale !== loaded.defaultLocale) {
      patch.defaultLocale = defaultLocale;
    }
    api
      .patch<Organization>('/api/v1/organization', patch)
      .then(async (organization) => {
        setLoaded(organization);
        setName(organization.name);
        setDefaultLocale(organization.defaultLocale);
        setRequireMfa(organization.requireMfa);
        setSsoOnly(organization.ssoOnly);
        setBreakGlassUserId(organization.breakGlassUserId);
        setStatus({ kind: 'saved' });
        await refresh();
      })
      .catch((caught: unknown) => setStatus({ kind: 'error', error: caught }))
      .finally(() => setPending(false));
  };

  return (
    <section aria-labelledby="settings-organization">
      <Heading level={2} id="settings-organization">
        {t('settings.organization.title')}
      </Heading>
      {!loaded && !status && <ProgressCircle aria-label={t('common.loading')} isIndeterminate size="S" />}
      {status?.kind === 'error' && (
        <InlineAlert variant="negative" marginBottom="size-200">
          <Heading>{t('settings.organization.failed')}</Heading>
          <Content>{errorMessage(t, status.error)}</Content>
        </InlineAlert>
      )}
      {loaded && (
        <Form onSubmit={submit} maxWidth="size-6000" isReadOnly={!editable} data-testid="organization-form">
          <Flex direction="column" gap="size-150">
            <TextField
              label={t('settings.organization.name')}
              value={name}
              onChange={edited(setName)}
              isRequired
              maxLength={LIMITS.organizationNameMax}
              width="100%"
              data-testid="organization-name-field"
            />
            <LanguagePicker
              value={defaultLocale}
              label={t('settings.organization.defaultLocale')}
              isDisabled={!editable}
              testId="organization-locale"
              onChange={edited(setDefaultLocale)}
            />
            {canRead && (
              <Checkbox
                isSelected={requireMfa}
                isDisabled={!editable}
                onChange={edited(setRequireMfa)}
                data-testid="organization-require-mfa"
              >
                {t('settings.organization.requireMfa')}
              </Checkbox>
            )}
            {canRead && (
              <Checkbox
                isSelected={ssoOnly}
                isDisabled={!editable}
                onChange={edited(setSsoOnly)}
                data-testid="organization-sso-only"
              >
                {t('settings.organization.ssoOnly')}
              </Checkbox>
            )}
            {canRead && (ssoOnly || breakGlassUserId) && (
              <Picker
                label={t('settings.organization.breakGlass')}
                description={t('settings.organization.breakGlassHint')}
                items={[
                  { id: NO_BREAK_GLASS, email: t('settings.organization.breakGlassNone') },
                  ...systemAdmins,
                  ...(breakGlassUserId && !systemAdmins.some((admin) => admin.id === breakGlassUserId)
                    ? [{ id: breakGlassUserId, email: breakGlassUserId }]
                    : []),
                ]}
                selectedKey={breakGlassUserId ?? NO_BREAK_GLASS}
                isDisabled={!editable}
                onSelectionChange={(key) => {
                  setBreakGlassUserId(key === NO_BREAK_GLASS || key === null ? null : String(key));
                  setStatus(null);
                }}
                width="100%"
                data-testid="organization-break-glass"
              >
                {(item) => <Item key={item.id}>{item.email}</Item>}
              </Picker>
            )}
            {editable && (
              <SaveRow
                changed={changed}
                pending={pending}
                saved={status?.kind === 'saved' ? t('settings.organization.saved') : null}
                testId="organization"
              />
            )}
          </Flex>
        </Form>
      )}
    </section>
  );
}
