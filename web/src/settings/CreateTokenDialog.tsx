import { Flex, TextArea } from '@adobe/react-spectrum';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AdminRole } from '../../../shared/roles.ts';
import { api } from '../api.ts';
import { FormDialog, useDialogSubmit } from '../components/FormDialog.tsx';
import { FormError } from '../components/FormError.tsx';
import { fieldProblems } from '../errors.ts';
import type { CreatedApiToken } from '../types.ts';
import { CredentialNameField, PasswordAgainField } from './CredentialFields.tsx';
import { RolePicker } from './RolePicker.tsx';
import { parseScope, scopeOf } from './roles.ts';

const FORM_ID = 'create-api-token';

/**
 * Name, role and (for scoped roles) scope ids of a new API token, or of another credential that
 * carries a role (an integration: `submit` and `title` given).
 */
export function CreateTokenDialog<T = CreatedApiToken>({
  onCreated,
  submit: create,
  title,
}: {
  onCreated: (created: T) => void;
  /** Creates the credential; default: POST /api/v1/api-tokens. */
  submit?: (body: { name: string; role: AdminRole; scope?: string[]; password?: string }) => Promise<T>;
  title?: string;
}) {
  const { t } = useTranslation();
  const [name, setName] = useState('');
  const [role, setRole] = useState<AdminRole>('system-admin');
  const [scopeText, setScopeText] = useState('');
  const [password, setPassword] = useState('');
  const [scopeError, setScopeError] = useState<string | null>(null);
  const { error, pending, submit: send, reset } = useDialogSubmit();
  const scopeKind = scopeOf(role);
  // A system-admin API token or integration asks for the password again (the server refuses it otherwise).
  const asksPassword = role === 'system-admin';

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    reset();
    let scope: string[] | undefined;
    if (scopeKind) {
      const parsed = parseScope(scopeText);
      if (parsed.invalid.length > 0) {
        setScopeError(t('settings.tokens.scopeInvalid', { ids: parsed.invalid.join(', ') }));
        return;
      }
      if (parsed.ids.length === 0) {
        setScopeError(t('settings.tokens.scopeMissing'));
        return;
      }
      scope = parsed.ids;
    }
    setScopeError(null);
    const body = {
      name: name.trim(),
      role,
      ...(scope ? { scope } : {}),
      ...(asksPassword ? { password } : {}),
    };
    // The created credential's secret is shown next, in a dialog of its own.
    send(event, () => (create ? create(body) : api.post<T>('/api/v1/api-tokens', body)), onCreated, false);
  };

  return (
    <FormDialog
      formId={FORM_ID}
      testId="token-create-dialog"
      title={title ?? t('settings.tokens.createTitle')}
      error={<FormError title={t('settings.tokens.createFailed')} error={error} rest={fieldProblems(error)} />}
      onSubmit={submit}
      submitLabel={t('settings.tokens.create')}
      submitTestId="token-submit"
      pending={pending}
    >
      <Flex direction="column" gap="size-150">
        <CredentialNameField
          description={t('settings.tokens.nameHint')}
          value={name}
          onChange={setName}
          testId="token-name"
        />
        <RolePicker
          label={t('settings.tokens.role')}
          value={role}
          onChange={(next) => {
            setRole(next);
            setScopeError(null);
          }}
          testId="token-role"
        />
        {scopeKind && (
          <TextArea
            label={t(`settings.tokens.scope.${scopeKind}`)}
            description={t('settings.tokens.scopeHint')}
            value={scopeText}
            onChange={(value) => {
              setScopeText(value);
              setScopeError(null);
            }}
            isRequired
            validationState={scopeError ? 'invalid' : undefined}
            errorMessage={scopeError ?? undefined}
            width="100%"
            data-testid="token-scope"
          />
        )}
        {asksPassword && <PasswordAgainField value={password} onChange={setPassword} testId="token-password" />}
      </Flex>
    </FormDialog>
  );
}
