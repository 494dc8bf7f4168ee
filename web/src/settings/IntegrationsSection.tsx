import { Content, Flex, Heading, InlineAlert, Text } from '@adobe/react-spectrum';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { ConfirmButton } from '../components/ConfirmButton.tsx';
import { useCan } from '../session.tsx';
import type { CreatedIntegration, Integration, IntegrationSettings } from '../types.ts';
import { CreateTokenDialog } from './CreateTokenDialog.tsx';
import { CredentialsSection, credentialColumns, useSettingsResource } from './CredentialsSection.tsx';
import { roleKey } from './roles.ts';
import { TokenSecretDialog } from './TokenSecretDialog.tsx';

type DialogState = { kind: 'create' } | { kind: 'secret'; name: string; secret: string; title: string } | null;

/** The `connector-umapi.yml` of Adobe's User Sync Tool pointed at this Usher. */
function connectorYaml(settings: IntegrationSettings, clientId: string): string {
  return [
    'authentication_method: oauth',
    'server:',
    `  host: ${settings.host}`,
    '  endpoint: /v2/usermanagement',
    `  auth_host: ${settings.host}`,
    '  auth_endpoint: /ims/token/v2',
    'enterprise:',
    `  org_id: "${settings.orgId}"`,
    `  client_id: "${clientId}"`,
    '  client_secret: "<client secret>"',
  ].join('\n');
}

/**
 * Settings → Integrations: OAuth clients with which Adobe's User Sync Tool and umapi-client call
 * Usher's User Management API, the organization id and a ready `connector-umapi.yml`.
 */
export function IntegrationsSection() {
  const { t } = useTranslation();
  const can = useCan();
  const integrations = useSettingsResource<IntegrationSettings>('/api/v1/integrations');
  const settings = integrations.value;
  const [dialog, setDialog] = useState<DialogState>(null);
  const shared = credentialColumns(t);

  const revoke = (integration: Integration) =>
    integrations.act(() => api.delete(`/api/v1/integrations/${encodeURIComponent(integration.id)}`));

  const rotate = (integration: Integration) =>
    integrations.act(() =>
      api
        .post<{ clientSecret: string }>(`/api/v1/integrations/${encodeURIComponent(integration.id)}/secret`, {})
        .then((answer) =>
          setDialog({
            kind: 'secret',
            name: integration.name,
            secret: answer.clientSecret,
            title: t('settings.integrations.rotatedTitle'),
          }),
        ),
    );

  const rows = settings?.integrations ?? [];
  const newest = rows.find((integration) => !integration.revokedAt);
  return (
    <CredentialsSection<Integration, 'clientId' | 'role' | 'actions'>
      id="settings-integrations"
      title={t('settings.integrations.title')}
      intro={t('settings.integrations.intro')}
      create={{
        label: t('settings.integrations.createButton'),
        testId: 'integration-create',
        onPress: () => setDialog({ kind: 'create' }),
      }}
      details={
        settings && (
          <Flex direction="column" gap="size-75" marginTop="size-200">
            <Text>
              <strong>{t('settings.integrations.orgId')}</strong>
            </Text>
            <code className="usher-secret" data-testid="integration-org-id">
              {settings.orgId}
            </code>
            <Text>
              <strong>{t('settings.integrations.endpoints')}</strong>
            </Text>
            <code className="usher-secret" data-testid="integration-token-endpoint">
              {settings.tokenEndpoint}
            </code>
            <code className="usher-secret" data-testid="integration-api-endpoint">
              {settings.apiEndpoint}
            </code>
            {!settings.https && (
              <InlineAlert variant="notice" marginTop="size-100" data-testid="integration-https-notice">
                <Heading>{t('settings.integrations.httpsTitle')}</Heading>
                <Content>{t('settings.integrations.httpsText')}</Content>
              </InlineAlert>
            )}
            <Text>
              <strong>{t('settings.integrations.yaml')}</strong>
            </Text>
            <pre className="usher-secret" data-testid="integration-yaml">
              {connectorYaml(settings, newest?.clientId ?? '<client id>')}
            </pre>
          </Flex>
        )
      }
      failedTitle={t('settings.integrations.failed')}
      error={integrations.error}
      items={settings?.integrations ?? null}
      columns={[
        shared.name,
        { key: 'clientId', name: t('settings.integrations.clientId'), width: '3fr' },
        { key: 'role', name: t('settings.tokens.role'), width: '2fr' },
        shared.createdAt,
        shared.lastUsedAt,
        shared.status,
        shared.actions(230),
      ]}
      cell={(integration, key) => {
        switch (key) {
          case 'clientId':
            return <span className="usher-mono">{integration.clientId}</span>;
          case 'role':
            return t(roleKey(integration.role));
          case 'actions':
            return !integration.revokedAt && can('apiToken.revoke') ? (
              <Flex gap="size-50">
                <ConfirmButton
                  isQuiet
                  variant="warning"
                  label={t('settings.integrations.rotate')}
                  ariaLabel={t('settings.integrations.rotateNamed', { name: integration.name })}
                  title={t('settings.integrations.rotateTitle')}
                  text={t('settings.integrations.rotateText', { name: integration.name })}
                  onConfirm={() => rotate(integration)}
                  testId="integration-rotate"
                />
                <ConfirmButton
                  isQuiet
                  label={t('settings.tokens.revoke')}
                  ariaLabel={t('settings.tokens.revokeNamed', { name: integration.name })}
                  title={t('settings.integrations.revokeTitle')}
                  text={t('settings.integrations.revokeText', { name: integration.name })}
                  onConfirm={() => revoke(integration)}
                  testId="integration-revoke"
                />
              </Flex>
            ) : null;
        }
      }}
      table={{
        label: t('settings.integrations.title'),
        testId: 'integration-table',
        empty: t('settings.integrations.empty'),
        minRows: 2,
      }}
      showsSecret={dialog?.kind === 'secret'}
      onDismiss={() => setDialog(null)}
      dialog={
        dialog?.kind === 'create' ? (
          <CreateTokenDialog<CreatedIntegration>
            title={t('settings.integrations.createTitle')}
            submit={(body) => api.post<CreatedIntegration>('/api/v1/integrations', body)}
            onCreated={(created) => {
              setDialog({
                kind: 'secret',
                name: created.integration.name,
                secret: created.clientSecret,
                title: t('settings.integrations.secretTitle', { clientId: created.clientId }),
              });
              void integrations.load();
            }}
          />
        ) : dialog?.kind === 'secret' ? (
          <TokenSecretDialog created={{ name: dialog.name, token: dialog.secret }} title={dialog.title} />
        ) : null
      }
    />
  );
}
