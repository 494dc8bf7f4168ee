import {
  ActionButton,
  AlertDialog,
  Button,
  Cell,
  Column,
  Content,
  DialogContainer,
  DialogTrigger,
  Flex,
  Heading,
  IllustratedMessage,
  InlineAlert,
  Row,
  StatusLight,
  TableBody,
  TableHeader,
  TableView,
  Text,
  useDateFormatter,
} from '@adobe/react-spectrum';
import { type ReactNode, useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { tableHeight } from '../components/ItemsTable.tsx';
import { errorMessage } from '../errors.ts';
import { useCan } from '../session.tsx';
import type { CreatedIntegration, Integration, IntegrationSettings } from '../types.ts';
import { CreateTokenDialog } from './CreateTokenDialog.tsx';
import { roleKey } from './roles.ts';
import { TokenSecretDialog } from './TokenSecretDialog.tsx';

type DialogState = { kind: 'create' } | { kind: 'secret'; name: string; secret: string; title: string } | null;
type ColumnKey = 'name' | 'clientId' | 'role' | 'createdAt' | 'lastUsedAt' | 'status' | 'actions';

const ROW_HEIGHT = 48;

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
  const formatDate = useDateFormatter({ dateStyle: 'short', timeStyle: 'short' });
  const [settings, setSettings] = useState<IntegrationSettings | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [dialog, setDialog] = useState<DialogState>(null);

  const load = useCallback(async () => {
    try {
      setSettings(await api.get<IntegrationSettings>('/api/v1/integrations'));
    } catch (caught) {
      setError(caught);
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  const revoke = (integration: Integration) => {
    setError(null);
    api
      .delete(`/api/v1/integrations/${encodeURIComponent(integration.id)}`)
      .catch((caught: unknown) => setError(caught))
      .finally(() => void load());
  };

  const rotate = (integration: Integration) => {
    setError(null);
    api
      .post<{ clientSecret: string }>(`/api/v1/integrations/${encodeURIComponent(integration.id)}/secret`, {})
      .then((answer) =>
        setDialog({
          kind: 'secret',
          name: integration.name,
          secret: answer.clientSecret,
          title: t('settings.integrations.rotatedTitle'),
        }),
      )
      .catch((caught: unknown) => setError(caught))
      .finally(() => void load());
  };

  const columns: { key: ColumnKey; name: string; width: number | `${number}fr`; hideHeader?: boolean }[] = [
    { key: 'name', name: t('settings.tokens.column.name'), width: '2fr' },
    { key: 'clientId', name: t('settings.integrations.clientId'), width: '3fr' },
    { key: 'role', name: t('settings.tokens.role'), width: '2fr' },
    { key: 'createdAt', name: t('settings.tokens.column.createdAt'), width: '2fr' },
    { key: 'lastUsedAt', name: t('settings.tokens.column.lastUsedAt'), width: '2fr' },
    { key: 'status', name: t('settings.tokens.column.status'), width: '1.5fr' },
    { key: 'actions', name: t('settings.tokens.column.actions'), width: 230, hideHeader: true },
  ];

  const cell = (integration: Integration, key: ColumnKey): ReactNode => {
    switch (key) {
      case 'name':
        return integration.name;
      case 'clientId':
        return <span className="usher-mono">{integration.clientId}</span>;
      case 'role':
        return t(roleKey(integration.role));
      case 'createdAt':
        return formatDate.format(new Date(integration.createdAt));
      case 'lastUsedAt':
        return integration.lastUsedAt
          ? formatDate.format(new Date(integration.lastUsedAt))
          : t('settings.tokens.never');
      case 'status':
        return integration.revokedAt ? (
          <StatusLight variant="neutral">{t('settings.tokens.revoked')}</StatusLight>
        ) : (
          <StatusLight variant="positive">{t('settings.tokens.active')}</StatusLight>
        );
      case 'actions':
        return !integration.revokedAt && can('apiToken.revoke') ? (
          <Flex gap="size-50">
            <DialogTrigger>
              <ActionButton
                isQuiet
                data-testid="integration-rotate"
                aria-label={t('settings.integrations.rotateNamed', { name: integration.name })}
              >
                {t('settings.integrations.rotate')}
              </ActionButton>
              <AlertDialog
                variant="warning"
                title={t('settings.integrations.rotateTitle')}
                primaryActionLabel={t('settings.integrations.rotate')}
                cancelLabel={t('common.cancel')}
                onPrimaryAction={() => rotate(integration)}
                data-testid="integration-rotate-dialog"
              >
                {t('settings.integrations.rotateText', { name: integration.name })}
              </AlertDialog>
            </DialogTrigger>
            <DialogTrigger>
              <ActionButton
                isQuiet
                data-testid="integration-revoke"
                aria-label={t('settings.tokens.revokeNamed', { name: integration.name })}
              >
                {t('settings.tokens.revoke')}
              </ActionButton>
              <AlertDialog
                variant="destructive"
                title={t('settings.integrations.revokeTitle')}
                primaryActionLabel={t('settings.tokens.revoke')}
                cancelLabel={t('common.cancel')}
                onPrimaryAction={() => revoke(integration)}
                data-testid="integration-revoke-dialog"
              >
                {t('settings.integrations.revokeText', { name: integration.name })}
              </AlertDialog>
            </DialogTrigger>
          </Flex>
        ) : null;
    }
  };

  const rows = settings?.integrations ?? [];
  const newest = rows.find((integration) => !integration.revokedAt);
  return (
    <section aria-labelledby="settings-integrations">
      <Flex justifyContent="space-between" alignItems="center" wrap gap="size-200">
        <Heading level={2} id="settings-integrations">
          {t('settings.integrations.title')}
        </Heading>
        {can('apiToken.create') && (
          <Button variant="accent" onPress={() => setDialog({ kind: 'create' })} data-testid="integration-create">
            {t('settings.integrations.createButton')}
          </Button>
        )}
      </Flex>
      <Text>{t('settings.integrations.intro')}</Text>
      {settings && (
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
      )}
      {error !== null && (
        <InlineAlert variant="negative" marginY="size-200">
          <Heading>{t('settings.integrations.failed')}</Heading>
          <Content>{errorMessage(t, error)}</Content>
        </InlineAlert>
      )}
      <TableView
        aria-label={t('settings.integrations.title')}
        marginTop="size-200"
        height={tableHeight(rows.length, ROW_HEIGHT, 2)}
        maxHeight="size-6000"
        data-testid="integration-table"
        renderEmptyState={() => (
          <IllustratedMessage>
            <Heading>{t('settings.integrations.empty')}</Heading>
          </IllustratedMessage>
        )}
      >
        <TableHeader columns={columns}>
          {(column) => (
            <Column key={column.key} width={column.width} hideHeader={column.hideHeader}>
              {column.name}
            </Column>
          )}
        </TableHeader>
        <TableBody loadingState={settings === null && error === null ? 'loading' : 'idle'}>
          {rows.map((integration) => (
            <Row key={integration.id}>
              {columns.map((column) => {
                const value = cell(integration, column.key);
                return (
                  <Cell key={`${integration.id}:${column.key}`} textValue={typeof value === 'string' ? value : ''}>
                    {value}
                  </Cell>
                );
              })}
            </Row>
          ))}
        </TableBody>
      </TableView>
      <DialogContainer onDismiss={() => setDialog(null)} isKeyboardDismissDisabled={dialog?.kind === 'secret'}>
        {dialog?.kind === 'create' && (
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
              void load();
            }}
          />
        )}
        {dialog?.kind === 'secret' && (
          <TokenSecretDialog created={{ name: dialog.name, token: dialog.secret }} title={dialog.title} />
        )}
      </DialogContainer>
    </section>
  );
}
