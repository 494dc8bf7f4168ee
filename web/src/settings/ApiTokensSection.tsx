import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { ConfirmButton } from '../components/ConfirmButton.tsx';
import { useCan } from '../session.tsx';
import type { ApiToken, CreatedApiToken } from '../types.ts';
import { CreateTokenDialog } from './CreateTokenDialog.tsx';
import { CredentialsSection, credentialColumns, useSettingsResource } from './CredentialsSection.tsx';
import { roleKey } from './roles.ts';
import { TokenSecretDialog } from './TokenSecretDialog.tsx';

type DialogState = { kind: 'create' } | { kind: 'secret'; created: CreatedApiToken } | null;

/** API tokens: the list, creating one (its secret shown once), and revoking. */
export function ApiTokensSection() {
  const { t } = useTranslation();
  const can = useCan();
  const tokens = useSettingsResource<{ items: ApiToken[] }>('/api/v1/api-tokens');
  const [dialog, setDialog] = useState<DialogState>(null);
  const shared = credentialColumns(t);

  const revoke = (token: ApiToken) =>
    tokens.act(() => api.delete(`/api/v1/api-tokens/${encodeURIComponent(token.id)}`));

  return (
    <CredentialsSection<ApiToken, 'prefix' | 'role' | 'createdBy' | 'actions'>
      id="settings-tokens"
      title={t('settings.tokens.title')}
      intro={t('settings.tokens.intro')}
      create={{
        label: t('settings.tokens.createButton'),
        testId: 'token-create',
        onPress: () => setDialog({ kind: 'create' }),
      }}
      failedTitle={t('settings.tokens.failed')}
      error={tokens.error}
      items={tokens.value?.items ?? null}
      columns={[
        shared.name,
        { key: 'prefix', name: t('settings.tokens.column.prefix'), width: 120 },
        { key: 'role', name: t('settings.tokens.column.role'), width: '2fr' },
        shared.createdAt,
        { key: 'createdBy', name: t('settings.tokens.column.createdBy'), width: '2fr' },
        shared.lastUsedAt,
        shared.status,
        shared.actions(130),
      ]}
      cell={(token, key) => {
        switch (key) {
          case 'prefix':
            return <span className="usher-mono">{token.prefix}…</span>;
          case 'role':
            return t(roleKey(token.role));
          case 'createdBy':
            return token.createdBy ?? '—';
          case 'actions':
            return !token.revokedAt && can('apiToken.revoke') ? (
              <ConfirmButton
                isQuiet
                label={t('settings.tokens.revoke')}
                ariaLabel={t('settings.tokens.revokeNamed', { name: token.name })}
                title={t('settings.tokens.revokeTitle')}
                text={t('settings.tokens.revokeText', { name: token.name })}
                onConfirm={() => revoke(token)}
                testId="token-revoke"
              />
            ) : null;
        }
      }}
      cellText={(token, key) => (key === 'prefix' ? token.prefix : undefined)}
      table={{
        label: t('settings.tokens.title'),
        testId: 'token-table',
        empty: t('settings.tokens.empty'),
        minRows: 3,
      }}
      showsSecret={dialog?.kind === 'secret'}
      onDismiss={() => setDialog(null)}
      dialog={
        dialog?.kind === 'create' ? (
          <CreateTokenDialog
            onCreated={(created) => {
              setDialog({ kind: 'secret', created });
              void tokens.load();
            }}
          />
        ) : dialog?.kind === 'secret' ? (
          <TokenSecretDialog created={dialog.created} />
        ) : null
      }
    />
  );
}
