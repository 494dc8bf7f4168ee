import { Button, Flex, Text } from '@adobe/react-spectrum';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { ConfirmButton } from '../components/ConfirmButton.tsx';
import { FormDialog, useDialogSubmit } from '../components/FormDialog.tsx';
import { FormError } from '../components/FormError.tsx';
import { useCan } from '../session.tsx';
import type { CreatedScimToken, ScimSettings, ScimToken } from '../types.ts';
import { CredentialNameField, PasswordAgainField } from './CredentialFields.tsx';
import { CredentialsSection, credentialColumns, useSettingsResource } from './CredentialsSection.tsx';
import { TokenSecretDialog } from './TokenSecretDialog.tsx';

type DialogState = { kind: 'create' } | { kind: 'secret'; created: CreatedScimToken } | null;

const FORM_ID = 'create-scim-token';

function CreateScimTokenDialog({ onCreated }: { onCreated: (token: CreatedScimToken) => void }) {
  const { t } = useTranslation();
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const { error, pending, submit } = useDialogSubmit();
  return (
    <FormDialog
      formId={FORM_ID}
      testId="scim-create-dialog"
      title={t('settings.scim.createTitle')}
      error={<FormError title={t('settings.scim.createFailed')} error={error} />}
      onSubmit={(event) =>
        submit(
          event,
          () => api.post<CreatedScimToken>('/api/v1/scim/tokens', { name: name.trim(), password }),
          onCreated,
          false,
        )
      }
      submitLabel={t('settings.tokens.create')}
      submitTestId="scim-token-submit"
      pending={pending}
    >
      <CredentialNameField
        description={t('settings.scim.nameHint')}
        value={name}
        onChange={setName}
        testId="scim-token-name"
      />
      <PasswordAgainField value={password} onChange={setPassword} testId="scim-token-password" />
    </FormDialog>
  );
}

/**
 * Settings → SCIM: the base URL to give an identity provider (Entra ID's "Tenant URL", Okta's
 * "SCIM connector base URL") and the SCIM tokens, created with the show-once secret dialog.
 */
export function ScimSection() {
  const { t } = useTranslation();
  const can = useCan();
  const scim = useSettingsResource<ScimSettings>('/api/v1/scim');
  const settings = scim.value;
  const [dialog, setDialog] = useState<DialogState>(null);
  const [copied, setCopied] = useState(false);
  const shared = credentialColumns(t);

  const revoke = (token: ScimToken) =>
    scim.act(() => api.delete(`/api/v1/scim/tokens/${encodeURIComponent(token.id)}`));

  return (
    <CredentialsSection<ScimToken, 'prefix' | 'actions'>
      id="settings-scim"
      title={t('settings.scim.title')}
      intro={t('settings.scim.intro')}
      create={{
        label: t('settings.scim.createButton'),
        testId: 'scim-token-create',
        onPress: () => setDialog({ kind: 'create' }),
      }}
      details={
        settings && (
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
        )
      }
      failedTitle={t('settings.scim.failed')}
      error={scim.error}
      items={settings?.tokens ?? null}
      columns={[
        shared.name,
        { key: 'prefix', name: t('settings.tokens.column.prefix'), width: 120 },
        shared.createdAt,
        shared.lastUsedAt,
        shared.status,
        shared.actions(130),
      ]}
      cell={(token, key) =>
        key === 'prefix' ? (
          <span className="usher-mono">{token.prefix}…</span>
        ) : !token.revokedAt && can('apiToken.revoke') ? (
          <ConfirmButton
            isQuiet
            label={t('settings.tokens.revoke')}
            ariaLabel={t('settings.tokens.revokeNamed', { name: token.name })}
            title={t('settings.scim.revokeTitle')}
            text={t('settings.scim.revokeText', { name: token.name })}
            onConfirm={() => revoke(token)}
            testId="scim-token-revoke"
          />
        ) : null
      }
      table={{
        label: t('settings.scim.tokensTitle'),
        testId: 'scim-token-table',
        empty: t('settings.scim.empty'),
        minRows: 2,
      }}
      showsSecret={dialog?.kind === 'secret'}
      onDismiss={() => setDialog(null)}
      dialog={
        dialog?.kind === 'create' ? (
          <CreateScimTokenDialog
            onCreated={(created) => {
              setDialog({ kind: 'secret', created });
              void scim.load();
            }}
          />
        ) : dialog?.kind === 'secret' ? (
          <TokenSecretDialog created={dialog.created} title={t('settings.scim.secretTitle')} />
        ) : null
      }
    />
  );
}
