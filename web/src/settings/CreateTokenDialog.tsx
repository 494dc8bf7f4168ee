import {
  Button,
  ButtonGroup,
  Content,
  Dialog,
  Divider,
  Flex,
  Form,
  Heading,
  InlineAlert,
  TextArea,
  TextField,
  useDialogContainer,
} from '@adobe/react-spectrum';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LIMITS } from '../../../shared/contracts.ts';
import type { AdminRole } from '../../../shared/roles.ts';
import { api } from '../api.ts';
import { errorMessage, fieldProblems } from '../errors.ts';
import type { CreatedApiToken } from '../types.ts';
import { RolePicker } from './RolePicker.tsx';
import { parseScope, scopeOf } from './roles.ts';

const FORM_ID = 'create-api-token';

/**
 * Name, role and (for scoped roles) scope ids of a new API token, or of another credential that
 * carries a role (an integration: `submit` and `title` given).
 */
export function CreateTokenDialog<T = CreatedApiToken>({
  onCreated,
  submit: send,
  title,
}: {
  onCreated: (created: T) => void;
  /** Creates the credential; default: POST /api/v1/api-tokens. */
  submit?: (body: { name: string; role: AdminRole; scope?: string[]; password?: string }) => Promise<T>;
  title?: string;
}) {
  const { t } = useTranslation();
  const { dismiss } = useDialogContainer();
  const [name, setName] = useState('');
  const [role, setRole] = useState<AdminRole>('system-admin');
  const [scopeText, setScopeText] = useState('');
  const [password, setPassword] = useState('');
  const [scopeError, setScopeError] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState(false);
  const scopeKind = scopeOf(role);
  // A system-admin API token or integration asks for the password again (the server refuses it otherwise).
  const asksPassword = role === 'system-admin';

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setError(null);
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
    setPending(true);
    const body = {
      name: name.trim(),
      role,
      ...(scope ? { scope } : {}),
      ...(asksPassword ? { password } : {}),
    };
    (send ? send(body) : api.post<T>('/api/v1/api-tokens', body)).then(onCreated).catch((caught: unknown) => {
      setError(caught);
      setPending(false);
    });
  };

  const problems = fieldProblems(error);
  return (
    <Dialog size="M" data-testid="token-create-dialog">
      <Heading>{title ?? t('settings.tokens.createTitle')}</Heading>
      <Divider />
      <Content>
        {error !== null && (
          <InlineAlert variant="negative" marginBottom="size-200">
            <Heading>{t('settings.tokens.createFailed')}</Heading>
            <Content>
              {errorMessage(t, error)}
              {problems.length > 0 && (
                <ul>
                  {problems.map((problem) => (
                    <li key={problem}>{problem}</li>
                  ))}
                </ul>
              )}
            </Content>
          </InlineAlert>
        )}
        <Form id={FORM_ID} onSubmit={submit} validationBehavior="native">
          <Flex direction="column" gap="size-150">
            <TextField
              label={t('settings.tokens.name')}
              description={t('settings.tokens.nameHint')}
              value={name}
              onChange={setName}
              isRequired
              maxLength={LIMITS.tokenNameMax}
              autoFocus
              width="100%"
              data-testid="token-name"
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
            {asksPassword && (
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
                data-testid="token-password"
              />
            )}
          </Flex>
        </Form>
      </Content>
      <ButtonGroup>
        <Button variant="secondary" onPress={dismiss} isDisabled={pending}>
          {t('common.cancel')}
        </Button>
        <Button variant="accent" type="submit" form={FORM_ID} isPending={pending} data-testid="token-submit">
          {t('settings.tokens.create')}
        </Button>
      </ButtonGroup>
    </Dialog>
  );
}
