import { Flex, Item, Picker } from '@adobe/react-spectrum';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AdminRole } from '../../../shared/roles.ts';
import { api } from '../api.ts';
import { FormDialog, useDialogSubmit } from '../components/FormDialog.tsx';
import { FormError } from '../components/FormError.tsx';
import { GroupSearchPicker } from '../components/GroupSearchPicker.tsx';
import { useProducts, useProfiles } from '../products/data.ts';
import { RolePicker } from '../settings/RolePicker.tsx';
import { scopeOf } from '../settings/roles.ts';
import type { UserDetail } from '../types.ts';

const FORM_ID = 'add-admin-role';

/** Grants the user an admin role; a scoped role asks for its product, profile or group. */
export function AdminRoleDialog({ user, onSaved }: { user: UserDetail; onSaved: (user: UserDetail) => void }) {
  const { t } = useTranslation();
  // No role is preselected: granting system admin by pressing Enter would be too easy a mistake.
  const [role, setRole] = useState<AdminRole | null>(null);
  const [scopeId, setScopeId] = useState<string | null>(null);
  const [group, setGroup] = useState<{ id: string; name: string } | null>(null);
  const { error, pending, submit: send } = useDialogSubmit();
  const scopeKind = role ? scopeOf(role) : null;
  const products = useProducts(scopeKind === 'product');
  const profiles = useProfiles(scopeKind === 'profile');
  const scope = scopeKind === 'group' ? (group?.id ?? null) : scopeId;

  const submit = (event: FormEvent<HTMLFormElement>) => {
    if (!role || (scopeKind && !scope)) {
      event.preventDefault();
      return;
    }
    send(
      event,
      () =>
        api.post<UserDetail>(`/api/v1/users/${encodeURIComponent(user.id)}/admin-roles`, {
          role,
          ...(scopeKind && scope ? { scopeId: scope } : {}),
        }),
      onSaved,
    );
  };

  const scopeItems =
    scopeKind === 'product'
      ? (products.items ?? []).map((product) => ({ id: product.id, name: product.name }))
      : (profiles.items ?? []).map((profile) => ({ id: profile.id, name: `${profile.name} (${profile.productName})` }));

  return (
    <FormDialog
      formId={FORM_ID}
      testId="admin-role-dialog"
      title={t('users.adminRoles.addTitle', { email: user.email })}
      error={<FormError title={t('users.adminRoles.failed')} error={error} testId="admin-role-error" />}
      formLabel={t('users.adminRoles.add')}
      onSubmit={submit}
      submitLabel={t('users.adminRoles.grant')}
      submitTestId="admin-role-submit"
      submitDisabled={!role || (Boolean(scopeKind) && !scope)}
      pending={pending}
    >
      <Flex direction="column" gap="size-150">
        <RolePicker
          label={t('users.adminRoles.role')}
          value={role}
          onChange={(next) => {
            setRole(next);
            setScopeId(null);
          }}
          testId="admin-role-role"
        />
        {(scopeKind === 'product' || scopeKind === 'profile') && (
          <Picker
            label={t(`users.adminRoles.scope.${scopeKind}`)}
            items={scopeItems}
            selectedKey={scopeId}
            onSelectionChange={(key) => setScopeId(key === null ? null : String(key))}
            isRequired
            isLoading={(scopeKind === 'product' ? products.items : profiles.items) === null}
            width="100%"
            data-testid="admin-role-scope"
          >
            {(item) => <Item key={item.id}>{item.name}</Item>}
          </Picker>
        )}
        {scopeKind === 'group' && (
          <GroupSearchPicker
            label={t('users.adminRoles.scope.group')}
            description={t('users.adminRoles.groupHint')}
            selected={group}
            onChange={setGroup}
            testId="admin-role-group"
          />
        )}
      </Flex>
    </FormDialog>
  );
}
