import {
  Button,
  Cell,
  Column,
  Content,
  DialogContainer,
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
import type { ApiToken, CreatedApiToken } from '../types.ts';
import { CreateTokenDialog } from './CreateTokenDialog.tsx';
import { RevokeTokenButton } from './RevokeTokenButton.tsx';
import { roleKey } from './roles.ts';
import { TokenSecretDialog } from './TokenSecretDialog.tsx';

type DialogState = { kind: 'create' } | { kind: 'secret'; created: CreatedApiToken } | null;
/** A column width as TableView takes it: pixels or a share of the free space. */
type ColumnWidth = number | `${number}fr`;
type ColumnKey = 'name' | 'prefix' | 'role' | 'createdAt' | 'createdBy' | 'lastUsedAt' | 'status' | 'actions';

const ROW_HEIGHT = 48;

/** API tokens: the list, creating one (its secret shown once), and revoking. */
export function ApiTokensSection() {
  const { t } = useTranslation();
  const can = useCan();
  const formatDate = useDateFormatter({ dateStyle: 'short', timeStyle: 'short' });
  const [tokens, setTokens] = useState<ApiToken[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [dialog, setDialog] = useState<DialogState>(null);

  const load = useCallback(async () => {
    try {
      const answer = await api.get<{ items: ApiToken[] }>('/api/v1/api-tokens');
      setTokens(answer.items);
    } catch (caught) {
      setError(caught);
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  const revoke = (token: ApiToken) => {
    setError(null);
    api
      .delete(`/api/v1/api-tokens/${encodeURIComponent(token.id)}`)
      .catch((caught: unknown) => setError(caught))
      .finally(() => void load());
  };

  const columns: { key: ColumnKey; name: string; width: ColumnWidth; hideHeader?: boolean }[] = [
    { key: 'name', name: t('settings.tokens.column.name'), width: '2fr' },
    { key: 'prefix', name: t('settings.tokens.column.prefix'), width: 120 },
    { key: 'role', name: t('settings.tokens.column.role'), width: '2fr' },
    { key: 'createdAt', name: t('settings.tokens.column.createdAt'), width: '2fr' },
    { key: 'createdBy', name: t('settings.tokens.column.createdBy'), width: '2fr' },
    { key: 'lastUsedAt', name: t('settings.tokens.column.lastUsedAt'), width: '2fr' },
    { key: 'status', name: t('settings.tokens.column.status'), width: '1.5fr' },
    { key: 'actions', name: t('settings.tokens.column.actions'), width: 130, hideHeader: true },
  ];

  const cell = (token: ApiToken, key: ColumnKey): ReactNode => {
    switch (key) {
      case 'name':
        return token.name;
      case 'prefix':
        return <span className="usher-mono">{token.prefix}…</span>;
      case 'role':
        return t(roleKey(token.role));
      case 'createdAt':
        return formatDate.format(new Date(token.createdAt));
      case 'createdBy':
        return token.createdBy ?? '—';
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
          <RevokeTokenButton token={token} onConfirm={() => revoke(token)} />
        ) : null;
    }
  };

  const cellText = (token: ApiToken, key: ColumnKey): string => {
    const value = cell(token, key);
    return typeof value === 'string' ? value : key === 'prefix' ? token.prefix : '';
  };

  const rows = tokens ?? [];
  return (
    <section aria-labelledby="settings-tokens">
      <Flex justifyContent="space-between" alignItems="center" wrap gap="size-200">
        <Heading level={2} id="settings-tokens">
          {t('settings.tokens.title')}
        </Heading>
        {can('apiToken.create') && (
          <Button variant="accent" onPress={() => setDialog({ kind: 'create' })} data-testid="token-create">
            {t('settings.tokens.createButton')}
          </Button>
        )}
      </Flex>
      <Text>{t('settings.tokens.intro')}</Text>
      {error !== null && (
        <InlineAlert variant="negative" marginY="size-200">
          <Heading>{t('settings.tokens.failed')}</Heading>
          <Content>{errorMessage(t, error)}</Content>
        </InlineAlert>
      )}
      <TableView
        aria-label={t('settings.tokens.title')}
        marginTop="size-200"
        height={tableHeight(rows.length, ROW_HEIGHT, 3)}
        maxHeight="size-6000"
        data-testid="token-table"
        renderEmptyState={() => (
          <IllustratedMessage>
            <Heading>{t('settings.tokens.empty')}</Heading>
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
        <TableBody loadingState={tokens === null && error === null ? 'loading' : 'idle'}>
          {rows.map((token) => (
            <Row key={token.id}>
              {columns.map((column) => (
                <Cell key={`${token.id}:${column.key}`} textValue={cellText(token, column.key)}>
                  {cell(token, column.key)}
                </Cell>
              ))}
            </Row>
          ))}
        </TableBody>
      </TableView>
      <DialogContainer onDismiss={() => setDialog(null)} isKeyboardDismissDisabled={dialog?.kind === 'secret'}>
        {dialog?.kind === 'create' && (
          <CreateTokenDialog
            onCreated={(created) => {
              setDialog({ kind: 'secret', created });
              void load();
            }}
          />
        )}
        {dialog?.kind === 'secret' && <TokenSecretDialog created={dialog.created} />}
      </DialogContainer>
    </section>
  );
}
