import {
  ActionButton,
  Button,
  ButtonGroup,
  Checkbox,
  Content,
  Dialog,
  Divider,
  Flex,
  Form,
  Heading,
  Text,
  TextField,
  useDialogContainer,
  View,
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
import type { User } from '../types.ts';
import { CountryPicker } from './CountryPicker.tsx';
import { NamesField } from './NamesField.tsx';

/** Users added per save in the console (as in Adobe Admin Console). */
export const ADD_USERS_MAX = 10;

const FORM_ID = 'add-users';

interface NewRow {
  email: string;
  firstName: string;
  lastName: string;
  country: string | null;
}

const EMPTY_ROW: NewRow = { email: '', firstName: '', lastName: '', country: null };

/** Up to 10 new users (e-mail, name, country) with profiles and groups for all of them. */
export function AddUsersDialog({ onAdded }: { onAdded: (users: User[]) => void }) {
  const { t } = useTranslation();
  const can = useCan();
  const { dismiss } = useDialogContainer();
  const profiles = useProfiles(can('profile.read'));
  const [rows, setRows] = useState<NewRow[]>([EMPTY_ROW]);
  const [profileNames, setProfileNames] = useState<string[]>([]);
  const [groupNames, setGroupNames] = useState<string[]>([]);
  const [sendInstructions, setSendInstructions] = useState(false);
  const errors = useServerErrors();
  const [pending, setPending] = useState(false);

  const setRow = (index: number, patch: Partial<NewRow>) => {
    setRows((current) => current.map((row, at) => (at === index ? { ...row, ...patch } : row)));
    for (const field of Object.keys(patch)) {
      errors.edited(`rows.${index}.${field}`);
    }
  };

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const indexes = rows.map((row, index) => (row.email.trim() ? index : -1)).filter((index) => index >= 0);
    if (indexes.length === 0) {
      return;
    }
    errors.reset();
    setPending(true);
    const users = indexes.map((index) => {
      const row = rows[index]!;
      return {
        email: row.email.trim(),
        ...(row.firstName.trim() ? { firstName: row.firstName.trim() } : {}),
        ...(row.lastName.trim() ? { lastName: row.lastName.trim() } : {}),
        ...(row.country ? { country: row.country } : {}),
        ...(profileNames.length > 0 ? { profiles: profileNames } : {}),
        ...(groupNames.length > 0 ? { groups: groupNames } : {}),
      };
    });
    api
      .post<{ items: User[] }>('/api/v1/users', { users, sendInstructions })
      .then((answer) => {
        onAdded(answer.items);
        dismiss();
      })
      .catch((caught: unknown) => {
        // Request rows skip the empty form rows: name each problem by its form row, and the
        // profiles and groups (one field for every row) by their field.
        errors.fail(caught, (field) => {
          const match = /^users\.(\d+)(?:\.([A-Za-z]+))?/.exec(field);
          if (!match) {
            return field;
          }
          const row = indexes[Number(match[1])];
          const name = match[2] ?? 'email';
          if (name === 'profiles' || name === 'groups') {
            return name;
          }
          return row === undefined ? field : `rows.${row}.${name}`;
        });
        setPending(false);
      });
  };

  const rowFields = rows.map((row, index) => {
    const emailError = errors.problem(`rows.${index}.email`);
    const firstError = errors.problem(`rows.${index}.firstName`);
    const lastError = errors.problem(`rows.${index}.lastName`);
    const countryError = errors.problem(`rows.${index}.country`);
    return (
      // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their position.
      <Flex key={index} gap="size-100" alignItems="start" data-testid={`add-user-row-${index}`}>
        <TextField
          aria-label={t('users.add.emailOf', { n: index + 1 })}
          type="email"
          value={row.email}
          onChange={(email) => setRow(index, { email })}
          isRequired={index === 0}
          maxLength={LIMITS.emailMax}
          validationState={emailError ? 'invalid' : undefined}
          errorMessage={emailError}
          autoFocus={index === rows.length - 1}
          flex={3}
          data-testid={`add-user-email-${index}`}
        />
        <TextField
          aria-label={t('users.add.firstNameOf', { n: index + 1 })}
          value={row.firstName}
          onChange={(firstName) => setRow(index, { firstName })}
          maxLength={LIMITS.nameMax}
          validationState={firstError ? 'invalid' : undefined}
          errorMessage={firstError}
          flex={2}
          data-testid={`add-user-first-${index}`}
        />
        <TextField
          aria-label={t('users.add.lastNameOf', { n: index + 1 })}
          value={row.lastName}
          onChange={(lastName) => setRow(index, { lastName })}
          maxLength={LIMITS.nameMax}
          validationState={lastError ? 'invalid' : undefined}
          errorMessage={lastError}
          flex={2}
          data-testid={`add-user-last-${index}`}
        />
        <View flex={2}>
          <CountryPicker
            ariaLabel={t('users.add.countryOf', { n: index + 1 })}
            value={row.country}
            onChange={(country) => setRow(index, { country })}
            errorMessage={countryError}
            testId={`add-user-country-${index}`}
          />
        </View>
        <ActionButton
          isQuiet
          aria-label={t('users.add.removeRow', { n: index + 1 })}
          isDisabled={rows.length === 1}
          onPress={() => {
            setRows((current) => current.filter((_, at) => at !== index));
            errors.reset();
          }}
          data-testid={`add-user-remove-row-${index}`}
        >
          ✕
        </ActionButton>
      </Flex>
    );
  });
  const rest = errors.rest([
    'profiles',
    'groups',
    ...rows.flatMap((_, index) => ['email', 'firstName', 'lastName', 'country'].map((f) => `rows.${index}.${f}`)),
  ]);

  return (
    <Dialog size="L" width="min(1100px, 92vw)" data-testid="add-users-dialog">
      <Heading>{t('users.add.title')}</Heading>
      <Divider />
      <Content>
        {errors.error !== null && (
          <FormError title={t('users.add.failed')} error={errors.error} rest={rest} testId="add-users-error" />
        )}
        <Form id={FORM_ID} onSubmit={submit} validationBehavior="native" aria-label={t('users.add.title')}>
          <Flex direction="column" gap="size-100">
            <Text>{t('users.add.intro', { max: ADD_USERS_MAX })}</Text>
            <Flex gap="size-100" aria-hidden>
              <Text flex={3} UNSAFE_className="usher-column-label">
                {t('users.field.email')}
              </Text>
              <Text flex={2} UNSAFE_className="usher-column-label">
                {t('users.field.firstName')}
              </Text>
              <Text flex={2} UNSAFE_className="usher-column-label">
                {t('users.field.lastName')}
              </Text>
              <Text flex={2} UNSAFE_className="usher-column-label">
                {t('users.field.country')}
              </Text>
              <View width="size-400" />
            </Flex>
            {rowFields}
            <View>
              <Button
                variant="secondary"
                isDisabled={rows.length >= ADD_USERS_MAX}
                onPress={() => setRows((current) => [...current, EMPTY_ROW])}
                data-testid="add-user-another"
              >
                {t('users.add.another')}
              </Button>
            </View>
            <Divider size="S" marginY="size-100" />
            <NamesField
              label={t('users.add.profiles')}
              description={t('users.add.profilesHint')}
              value={profileNames}
              onChange={(names) => {
                setProfileNames(names);
                errors.edited('profiles');
              }}
              options={profiles.items ? profiles.items.map((profile) => profile.name) : null}
              errorMessage={errors.problem('profiles')}
              testId="add-users-profiles"
            />
            <GroupsField
              label={t('users.add.groups')}
              description={t('users.add.groupsHint')}
              value={groupNames}
              onChange={(names) => {
                setGroupNames(names);
                errors.edited('groups');
              }}
              errorMessage={errors.problem('groups')}
              testId="add-users-groups"
            />
            {can('instructions.send') && (
              <Checkbox
                isSelected={sendInstructions}
                onChange={setSendInstructions}
                data-testid="add-users-instructions"
              >
                {t('users.sendInstructionsCheckbox')}
              </Checkbox>
            )}
          </Flex>
        </Form>
      </Content>
      <ButtonGroup>
        <Button variant="secondary" onPress={dismiss} isDisabled={pending}>
          {t('common.cancel')}
        </Button>
        <Button variant="accent" type="submit" form={FORM_ID} isPending={pending} data-testid="add-users-submit">
          {t('users.add.submit')}
        </Button>
      </ButtonGroup>
    </Dialog>
  );
}
