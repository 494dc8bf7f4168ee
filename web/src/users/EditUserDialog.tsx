import { Content, Flex, Heading, InlineAlert, TextField } from '@adobe/react-spectrum';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LIMITS } from '../../../shared/contracts.ts';
import { api } from '../api.ts';
import { FormDialog, useDialogSubmit } from '../components/FormDialog.tsx';
import { GroupsField } from '../components/GroupsField.tsx';
import { useServerErrors } from '../components/useServerErrors.ts';
import { useProfiles } from '../products/data.ts';
import { useCan } from '../session.tsx';
import type { UserDetail } from '../types.ts';
import { CountryPicker } from './CountryPicker.tsx';
import { NamesField } from './NamesField.tsx';

const FORM_ID = 'edit-user';
/** The fields that show their own problems. */
const FIELDS = ['firstName', 'lastName', 'country', 'email', 'profiles', 'groups'];

function sameNames(a: string[], b: string[]): boolean {
  const key = (names: string[]) =>
    names
      .map((name) => name.toLowerCase())
      .sort()
      .join('\n');
  return key(a) === key(b);
}

/**
 * Edits a user: name, country, e-mail (Enterprise and Federated ID only), the profiles held
 * directly and the groups. Only what changed is sent.
 */
export function EditUserDialog({ user, onSaved }: { user: UserDetail; onSaved: (user: UserDetail) => void }) {
  const { t } = useTranslation();
  const can = useCan();
  const canAssign = can('profile.assign');
  const profiles = useProfiles(can('profile.read') && canAssign);
  const initialProfiles = user.profiles.filter((profile) => profile.via === 'direct').map((profile) => profile.name);
  const initialGroups = user.groups.map((group) => group.name);
  const [firstName, setFirstName] = useState(user.firstName ?? '');
  const [lastName, setLastName] = useState(user.lastName ?? '');
  const [country, setCountry] = useState<string | null>(user.country);
  const [email, setEmail] = useState(user.email);
  const [profileNames, setProfileNames] = useState(initialProfiles);
  const [groupNames, setGroupNames] = useState(initialGroups);
  const errors = useServerErrors();
  const { pending, submit: send } = useDialogSubmit(errors);
  /** Users of a trusted domain: their details belong to the owning organization (profiles and groups do not). */
  const detailsLocked = user.readOnlyReason !== null;
  const emailEditable = user.identityType !== 'personal' && !detailsLocked;

  const patch: Record<string, unknown> = {};
  if (firstName.trim() !== (user.firstName ?? '')) {
    patch.firstName = firstName.trim() || null;
  }
  if (lastName.trim() !== (user.lastName ?? '')) {
    patch.lastName = lastName.trim() || null;
  }
  if (country !== user.country) {
    patch.country = country;
  }
  if (emailEditable && email.trim().toLowerCase() !== user.email.toLowerCase()) {
    patch.email = email.trim();
  }
  if (canAssign && !sameNames(profileNames, initialProfiles)) {
    patch.profiles = profileNames;
  }
  if (!sameNames(groupNames, initialGroups)) {
    patch.groups = groupNames;
  }
  const changed = Object.keys(patch).length > 0;

  const submit = (event: FormEvent<HTMLFormElement>) => {
    if (!changed) {
      event.preventDefault();
      return;
    }
    send(
      event,
      () => api.patch<UserDetail>(`/api/v1/users/${encodeURIComponent(user.id)}`, { ...patch, version: user.version }),
      onSaved,
    );
  };

  const { onEdit, fieldProps, problem: fieldError } = errors;

  return (
    <FormDialog
      formId={FORM_ID}
      testId="edit-user-dialog"
      title={t('users.edit.title', { email: user.email })}
      serverErrors={{ errors, title: t('users.edit.failed'), testId: 'edit-user-error', shown: FIELDS }}
      intro={
        detailsLocked && (
          <InlineAlert variant="notice" marginBottom="size-200" data-testid="edit-user-read-only">
            <Heading>{t('users.details.readOnly')}</Heading>
            <Content>{user.readOnlyReason}</Content>
          </InlineAlert>
        )
      }
      formLabel={t('users.edit.title', { email: user.email })}
      onSubmit={submit}
      submitLabel={t('common.save')}
      submitTestId="edit-user-submit"
      submitDisabled={!changed}
      pending={pending}
    >
      <Flex direction="column" gap="size-150">
        <TextField
          label={t('users.field.firstName')}
          value={firstName}
          onChange={onEdit('firstName', setFirstName)}
          isReadOnly={detailsLocked}
          maxLength={LIMITS.nameMax}
          {...fieldProps('firstName')}
          width="100%"
          data-testid="edit-first-name"
        />
        <TextField
          label={t('users.field.lastName')}
          value={lastName}
          onChange={onEdit('lastName', setLastName)}
          isReadOnly={detailsLocked}
          maxLength={LIMITS.nameMax}
          {...fieldProps('lastName')}
          width="100%"
          data-testid="edit-last-name"
        />
        <CountryPicker
          label={t('users.field.country')}
          value={country}
          onChange={onEdit('country', setCountry)}
          isDisabled={detailsLocked}
          errorMessage={fieldError('country')}
          testId="edit-country"
        />
        <TextField
          label={t('users.field.email')}
          description={
            detailsLocked ? undefined : emailEditable ? t('users.edit.emailHint') : t('users.edit.emailPersonal')
          }
          type="email"
          value={email}
          onChange={onEdit('email', setEmail)}
          isReadOnly={!emailEditable}
          isRequired
          maxLength={LIMITS.emailMax}
          {...fieldProps('email')}
          width="100%"
          data-testid="edit-email"
        />
        {canAssign && (
          <NamesField
            label={t('users.edit.profiles')}
            description={t('users.edit.profilesHint')}
            value={profileNames}
            onChange={onEdit('profiles', setProfileNames)}
            options={profiles.items ? profiles.items.map((profile) => profile.name) : null}
            errorMessage={fieldError('profiles')}
            testId="edit-profiles"
          />
        )}
        <GroupsField
          label={t('users.edit.groups')}
          value={groupNames}
          onChange={onEdit('groups', setGroupNames)}
          errorMessage={fieldError('groups')}
          testId="edit-groups"
        />
      </Flex>
    </FormDialog>
  );
}
