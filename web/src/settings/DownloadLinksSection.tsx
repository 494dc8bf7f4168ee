import { Content, Flex, Form, Heading, InlineAlert, ProgressCircle, Text, TextField } from '@adobe/react-spectrum';
import { type FormEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { DEVICE_PLATFORMS, type DevicePlatform } from '../../../shared/contracts.ts';
import { api } from '../api.ts';
import { SaveRow } from '../components/SaveRow.tsx';
import { useServerErrors } from '../components/useServerErrors.ts';
import { errorMessage } from '../errors.ts';
import { useCan } from '../session.tsx';
import type { Organization } from '../types.ts';

type Links = Record<DevicePlatform, string>;

const EMPTY: Links = { windows: '', macos: '', android: '', ios: '' };

function asForm(links: Partial<Record<DevicePlatform, string>>): Links {
  return { ...EMPTY, ...links };
}

/**
 * Where the organization's users download the security application, per platform: the connection
 * page of an instructions e-mail links to it. Editable with `organization.update`.
 */
export function DownloadLinksSection() {
  const { t } = useTranslation();
  const can = useCan();
  const editable = can('organization.update');
  const [loaded, setLoaded] = useState<Links | null>(null);
  const [links, setLinks] = useState<Links>(EMPTY);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const [pending, setPending] = useState(false);
  const errors = useServerErrors();

  useEffect(() => {
    let active = true;
    api
      .get<Organization>('/api/v1/organization')
      .then((organization) => {
        if (active) {
          setLoaded(asForm(organization.deviceDownloadLinks));
          setLinks(asForm(organization.deviceDownloadLinks));
        }
      })
      .catch((caught: unknown) => active && setLoadError(caught));
    return () => {
      active = false;
    };
  }, []);

  const changed = loaded !== null && DEVICE_PLATFORMS.some((platform) => links[platform].trim() !== loaded[platform]);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!loaded) {
      return;
    }
    const patch: Partial<Record<DevicePlatform, string | null>> = {};
    for (const platform of DEVICE_PLATFORMS) {
      const link = links[platform].trim();
      if (link !== loaded[platform]) {
        patch[platform] = link === '' ? null : link;
      }
    }
    setPending(true);
    setSaved(false);
    errors.reset();
    api
      .patch<Organization>('/api/v1/organization', { deviceDownloadLinks: patch })
      .then((organization) => {
        setLoaded(asForm(organization.deviceDownloadLinks));
        setLinks(asForm(organization.deviceDownloadLinks));
        setSaved(true);
      })
      // Problems name `deviceDownloadLinks.windows`: shown under the platform's field.
      .catch((caught: unknown) => errors.fail(caught, (field) => field.replace(/^deviceDownloadLinks\./, '')))
      .finally(() => setPending(false));
  };

  return (
    <section aria-labelledby="settings-downloads">
      <Heading level={2} id="settings-downloads">
        {t('settings.downloads.title')}
      </Heading>
      <Text>{t('settings.downloads.intro')}</Text>
      {!loaded && loadError === null && <ProgressCircle aria-label={t('common.loading')} isIndeterminate size="S" />}
      {loadError !== null && (
        <InlineAlert variant="negative" marginY="size-200">
          <Heading>{t('settings.downloads.failed')}</Heading>
          <Content>{errorMessage(t, loadError)}</Content>
        </InlineAlert>
      )}
      {errors.error !== null && errors.rest(DEVICE_PLATFORMS).length > 0 && (
        <InlineAlert variant="negative" marginY="size-200">
          <Heading>{t('settings.downloads.failed')}</Heading>
          <Content>{errorMessage(t, errors.error)}</Content>
        </InlineAlert>
      )}
      {loaded && (
        <Form
          onSubmit={submit}
          maxWidth="size-6000"
          isReadOnly={!editable}
          validationBehavior="native"
          marginTop="size-150"
          data-testid="downloads-form"
        >
          <Flex direction="column" gap="size-150">
            {DEVICE_PLATFORMS.map((platform) => (
              <TextField
                key={platform}
                type="url"
                label={t(`devices.platform.${platform}`)}
                value={links[platform]}
                onChange={(value) => {
                  setLinks((current) => ({ ...current, [platform]: value }));
                  errors.edited(platform);
                  setSaved(false);
                }}
                placeholder="https://"
                maxLength={2000}
                width="100%"
                validationState={errors.problem(platform) ? 'invalid' : undefined}
                errorMessage={errors.problem(platform)}
                data-testid={`downloads-${platform}`}
              />
            ))}
            {editable && (
              <SaveRow
                changed={changed}
                pending={pending}
                saved={saved ? t('settings.downloads.saved') : null}
                testId="downloads"
              />
            )}
          </Flex>
        </Form>
      )}
    </section>
  );
}
