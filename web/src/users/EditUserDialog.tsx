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
  TextField,
  useDialogContainer,
} from '@adobe/react-spectrum';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LIMITS } from '../../../shared/contracts.ts';
import { api } from '../api.ts';
import { FormError } from '../components/FormError.tsx';
import { GroupsField } from '../components/GroupsField.tsx';
import { useServerErrors } from '../components/useServerErrors.ts';
import { useProfiles } from '../products/data.ts';
import { useCan } from '../session.tsx';
import type { UserDetail } from '../types.ts';
import { CountryPicker } from './CountryPicker.tsx';
import { NamesField } from './NamesField.tsx';

const FORM_ID = 'edit-user';

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
  const { dismiss } = useDialogContainer();
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
  const [pending, setPending] = useState(false);
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
    event.preventDefault();
    if (!changed) {
      return;
    }
    errors.reset();
    setPending(true);
    api
      .patch<UserDetail>(`/api/v1/users/${encodeURIComponent(user.id)}`, { ...patch, version: user.version })
      .then((saved) => {
        onSaved(saved);
        dismiss();
      })
      .catch((caught: unknown) => {
        errors.fail(caught);
        setPending(false);
      });
  };

  const fieldError = errors.problem;
  const rest = errors.rest(['firstName', 'lastName', 'country', 'email', 'profiles', 'groups']);
  /** A field's change handler that also clears the server's complaint about it. */
  const onEdit =
    <T,>(field: string, set: (value: T) => void) =>
    (value: T) => {
      set(value);
      errors.edited(field);
    };

  return (
    <Dialog size="M" data-testid="edit-user-dialog">
      <Heading>{t('users.edit.title', { email: user.email })}</Heading>
      <Divider />
      <Content>
        {errors.error !== null && (
          <FormError title={t('users.edit.failed')} error={errors.error} rest={rest} testId="edit-user-error" />
        )}
        {detailsLocked && (
          <InlineAlert variant="notice" marginBottom="size-200" data-testid="edit-user-read-only">
            <Heading>{t('users.details.readOnly')}</Heading>
            <Content>{user.readOnlyReason}</Content>
          </InlineAlert>
        )}
        <Form
          id={FORM_ID}
          onSubmit={submit}
          validationBehavior="native"
          aria-label={t('users.edit.title', { email: user.email })}
        >
          <Flex direction="column" gap="size-150">
            <TextField
              label={t('users.field.firstName')}
              value={firstName}
              onChange={onEdit('firstName', setFirstName)}
              isReadOnly={detailsLocked}
              maxLength={LIMITS.nameMax}
              validationState={fieldError('firstName') ? 'invalid' : undefined}
              errorMessage={fieldError('firstName')}
              width="100%"
              data-testid="edit-first-name"
            />
            <TextField
              label={t('users.field.lastName')}
              value={lastName}
              onChange={onEdit('lastName', setLastName)}
              isReadOnly={detailsLocked}
              maxLength={LIMITS.nameMax}
              validationState={fieldError('lastName') ? 'invalid' : undefined}
              errorMessage={fieldError('lastName')}
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
              validationState={fieldError('email') ? 'invalid' : undefined}
              errorMessage={fieldError('email')}
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
        </Form>
      </Content>
      <ButtonGroup>
        <Button variant="secondary" onPress={dismiss} isDisabled={pending}>
          {t('common.cancel')}
        </Button>
        <Button
          variant="accent"
          type="submit"
          form={FORM_ID}
          isPending={pending}
          isDisabled={!changed}
          data-testid="edit-user-submit"
        >
          {t('common.save')}
        </Button>
      </ButtonGroup>
    </Dialog>
  );
}
