import {
  ActionButton,
  AlertDialog,
  Button,
  ButtonGroup,
  Cell,
  Column,
  Content,
  Dialog,
  DialogContainer,
  DialogTrigger,
  Divider,
  Flex,
  Form,
  Heading,
  IllustratedMessage,
  InlineAlert,
  Row,
  StatusLight,
  TableBody,
  TableHeader,
  TableView,
  Text,
  TextField,
  useDateFormatter,
  useDialogContainer,
} from '@adobe/react-spectrum';
import { type FormEvent, type ReactNode, useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LIMITS } from '../../../shared/contracts.ts';
import { api } from '../api.ts';
import { tableHeight } from '../components/ItemsTable.tsx';
import { errorMessage } from '../errors.ts';
import { useCan } from '../session.tsx';
import type { CreatedScimToken, ScimSettings, ScimToken } from '../types.ts';
import { TokenSecretDialog } from './TokenSecretDialog.tsx';

type DialogState = { kind: 'create' } | { kind: 'secret'; created: CreatedScimToken } | null;
type ColumnKey = 'name' | 'prefix' | 'createdAt' | 'lastUsedAt' | 'status' | 'actions';

const FORM_ID = 'create-scim-token';
const ROW_HEIGHT = 48;

function CreateScimTokenDialog({ onCreated }: { onCreated: (token: CreatedScimToken) => void }) {
  const { t } = useTranslation();
  const { dismiss } = useDialogContainer();
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState(false);
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setError(null);
    setPending(true);
    api
      .post<CreatedScimToken>('/api/v1/scim/tokens', { name: name.trim(), password })
      .then(onCreated)
      .catch((caught: unknown) => {
        setError(caught);
        setPending(false);
      });
  };
  return (
    <Dialog size="M" data-testid="scim-create-dialog">
      <Heading>{t('settings.scim.createTitle')}</Heading>
      <Divider />
      <Content>
        {error !== null && (
          <InlineAlert variant="negative" marginBottom="size-200">
            <Heading>{t('settings.scim.createFailed')}</Heading>
            <Content>{errorMessage(t, error)}</Content>
          </InlineAlert>
        )}
        <Form id={FORM_ID} onSubmit={submit} validationBehavior="native">
          <TextField
            label={t('settings.tokens.name')}
            description={t('settings.scim.nameHint')}
            value={name}
            onChange={setName}
            isRequired
            maxLength={LIMITS.tokenNameMax}
            autoFocus
            width="100%"
            data-testid="scim-token-name"
          />
          <TextField
            label={t('settings.tokens.password')}
            description={t('settings.tokens.passwordHint')}
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={setPassword}
            isRequired
            maxLength={LIMITS.passwordMax}
            width="100%"
            data-testid="scim-token-password"
          />
        </Form>
      </Content>
      <ButtonGroup>
        <Button variant="secondary" onPress={dismiss} isDisabled={pending}>
          {t('common.cancel')}
        </Button>
        <Button variant="accent" type="submit" form={FORM_ID} isPending={pending} data-testid="scim-token-submit">
          {t('settings.tokens.create')}
        </Button>
      </ButtonGroup>
    </Dialog>
  );
}

/**
 * Settings → SCIM: the base URL to give an identity provider (Entra ID's "Tenant URL", Okta's
 * "SCIM connector base URL") and the SCIM tokens, created with the show-once secret dialog.
 */
export function ScimSection() {
  const { t } = useTranslation();
  const can = useCan();
  const formatDate = useDateFormatter({ dateStyle: 'short', timeStyle: 'short' });
  const [settings, setSettings] = useState<ScimSettings | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [dialog, setDialog] = useState<DialogState>(null);
  const [copied, setCopied] = useState(false);

  const load = useCallback(async () => {
    try {
      setSettings(await api.get<ScimSettings>('/api/v1/scim'));
    } catch (caught) {
      setError(caught);
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  const revoke = (token: ScimToken) => {
    setError(null);
    api
      .delete(`/api/v1/scim/tokens/${encodeURIComponent(token.id)}`)
      .catch((caught: unknown) => setError(caught))
      .finally(() => void load());
  };

  const columns: { key: ColumnKey; name: string; width: number | `${number}fr`; hideHeader?: boolean }[] = [
    { key: 'name', name: t('settings.tokens.column.name'), width: '2fr' },
    { key: 'prefix', name: t('settings.tokens.column.prefix'), width: 120 },
    { key: 'createdAt', name: t('settings.tokens.column.createdAt'), width: '2fr' },
    { key: 'lastUsedAt', name: t('settings.tokens.column.lastUsedAt'), width: '2fr' },
    { key: 'status', name: t('settings.tokens.column.status'), width: '1.5fr' },
    { key: 'actions', name: t('settings.tokens.column.actions'), width: 130, hideHeader: true },
  ];

  const cell = (token: ScimToken, key: ColumnKey): ReactNode => {
    switch (key) {
      case 'name':
        return token.name;
      case 'prefix':
        return <span className="usher-mono">{token.prefix}…</span>;
      case 'createdAt':
        return formatDate.format(new Date(token.createdAt));
      case 'lastUsedAt':
        return token.lastUsedAt ? formatDate.format(new Date(token.lastUsedAt)) : t('settings.tokens.never');
      case 'status':
        return token.revokedAt ? (
          <StatusLight variant="neutral">{t('settings.tokens.revoked')}</StatusLight>
        ) : (
          <StatusLight variant="positive">{t('settings.tokens.active')}</StatusLight>
        );
      case 'actions':
        return !token.revokedAt && can('apiToken.revoke') ? (
          <DialogTrigger>
            <ActionButton
              isQuiet
              data-testid="scim-token-revoke"
              aria-label={t('settings.tokens.revokeNamed', { name: token.name })}
            >
              {t('settings.tokens.revoke')}
            </ActionButton>
            <AlertDialog
              variant="destructive"
              title={t('settings.scim.revokeTitle')}
              primaryActionLabel={t('settings.tokens.revoke')}
              cancelLabel={t('common.cancel')}
              onPrimaryAction={() => revoke(token)}
              data-testid="scim-token-revoke-dialog"
            >
              {t('settings.scim.revokeText', { name: token.name })}
            </AlertDialog>
          </DialogTrigger>
        ) : null;
    }
  };

  const rows = settings?.tokens ?? [];
  return (
    <section aria-labelledby="settings-scim">
      <Flex justifyContent="space-between" alignItems="center" wrap gap="size-200">
        <Heading level={2} id="settings-scim">
          {t('settings.scim.title')}
        </Heading>
        {can('apiToken.create') && (
          <Button variant="accent" onPress={() => setDialog({ kind: 'create' })} data-testid="scim-token-create">
            {t('settings.scim.createButton')}
          </Button>
        )}
      </Flex>
      <Text>{t('settings.scim.intro')}</Text>
      {settings && (
        <Flex direction="column" gap="size-75" marginTop="size-200">
          <Text>
            <strong>{t('settings.scim.baseUrl')}</strong>
          </Text>
          <Flex alignItems="center" gap="size-150" wrap>
            <code className="usher-secret" data-testid="scim-base-url">
              {settings.baseUrl}
            </code>
            <Button
              variant="secondary"
              onPress={() => {
                navigator.clipboard
                  .writeText(settings.baseUrl)
                  .then(() => setCopied(true))
                  .catch(() => setCopied(false));
              }}
            >
              <Text>{t('settings.tokens.copy')}</Text>
            </Button>
            {copied && <span role="status">{t('settings.tokens.copied')}</span>}
          </Flex>
          <Text>{t('settings.scim.baseUrlHint')}</Text>
        </Flex>
      )}
      {error !== null && (
        <InlineAlert variant="negative" marginY="size-200">
          <Heading>{t('settings.scim.failed')}</Heading>
          <Content>{errorMessage(t, error)}</Content>
        </InlineAlert>
      )}
      <TableView
        aria-label={t('settings.scim.tokensTitle')}
        marginTop="size-200"
        height={tableHeight(rows.length, ROW_HEIGHT, 2)}
        maxHeight="size-6000"
        data-testid="scim-token-table"
        renderEmptyState={() => (
          <IllustratedMessage>
            <Heading>{t('settings.scim.empty')}</Heading>
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
          {rows.map((token) => (
            <Row key={token.id}>
              {columns.map((column) => {
                const value = cell(token, column.key);
                return (
                  <Cell key={`${token.id}:${column.key}`} textValue={typeof value === 'string' ? value : ''}>
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
          <CreateScimTokenDialog
            onCreated={(created) => {
              setDialog({ kind: 'secret', created });
              void load();
            }}
          />
        )}
        {dialog?.kind === 'secret' && (
          <TokenSecretDialog created={dialog.created} title={t('settings.scim.secretTitle')} />
        )}
      </DialogContainer>
    </section>
  );
}
