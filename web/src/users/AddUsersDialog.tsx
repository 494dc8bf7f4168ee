import { Button, Checkbox, Divider, Flex, Text, View } from '@adobe/react-spectrum';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { FormDialog, useDialogSubmit } from '../components/FormDialog.tsx';
import { GroupsField } from '../components/GroupsField.tsx';
import { useServerErrors } from '../components/useServerErrors.ts';
import { useProfiles } from '../products/data.ts';
import { useCan } from '../session.tsx';
import type { User } from '../types.ts';
import { CountryPicker } from './CountryPicker.tsx';
import { NamesField } from './NamesField.tsx';
import { type NewUserRow, NewUserRows, newUserOf, useNewUserRows } from './NewUserRows.tsx';

/** Users added per save in the console (as in Adobe Admin Console). */
export const ADD_USERS_MAX = 10;

const FORM_ID = 'add-users';

interface NewRow extends NewUserRow {
  country: string | null;
}

const EMPTY_ROW: NewRow = { email: '', firstName: '', lastName: '', country: null };

/** Up to 10 new users (e-mail, name, country) with profiles and groups for all of them. */
export function AddUsersDialog({ onAdded }: { onAdded: (users: User[]) => void }) {
  const { t } = useTranslation();
  const can = useCan();
  const profiles = useProfiles(can('profile.read'));
  const [profileNames, setProfileNames] = useState<string[]>([]);
  const [groupNames, setGroupNames] = useState<string[]>([]);
  const [sendInstructions, setSendInstructions] = useState(false);
  const errors = useServerErrors();
  const { pending, submit: send } = useDialogSubmit(errors);
  const { rows, setRow, removeRow, addRow, fields, filled } = useNewUserRows<NewRow>([EMPTY_ROW], errors);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    const indexes = filled;
    if (indexes.length === 0) {
      event.preventDefault();
      return;
    }
    const users = indexes.map((index) => {
      const row = rows[index]!;
      return {
        ...newUserOf(row),
        ...(row.country ? { country: row.country } : {}),
        ...(profileNames.length > 0 ? { profiles: profileNames } : {}),
        ...(groupNames.length > 0 ? { groups: groupNames } : {}),
      };
    });
    send(
      event,
      () => api.post<{ items: User[] }>('/api/v1/users', { users, sendInstructions }),
      (answer) => onAdded(answer.items),
      true,
      (caught) =>
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
        }),
    );
  };

  return (
    <FormDialog
      formId={FORM_ID}
      size="L"
      width="min(1100px, 92vw)"
      testId="add-users-dialog"
      title={t('users.add.title')}
      serverErrors={{
        errors,
        title: t('users.add.failed'),
        testId: 'add-users-error',
        shown: ['profiles', 'groups', ...fields(['email', 'firstName', 'lastName', 'country'])],
      }}
      formLabel={t('users.add.title')}
      onSubmit={submit}
      submitLabel={t('users.add.submit')}
      submitTestId="add-users-submit"
      pending={pending}
    >
      <Flex direction="column" gap="size-100">
        <Text>{t('users.add.intro', { max: ADD_USERS_MAX })}</Text>
        <NewUserRows
          rows={rows}
          setRow={setRow}
          removeRow={removeRow}
          problem={errors.problem}
          testId="add-user"
          everyRowRequired={false}
          extra={{
            label: t('users.field.country'),
            field: (row, index) => (
              <CountryPicker
                ariaLabel={t('users.add.countryOf', { n: index + 1 })}
                value={row.country}
                onChange={(country) => setRow(index, { country })}
                errorMessage={errors.problem(`rows.${index}.country`)}
                testId={`add-user-country-${index}`}
              />
            ),
          }}
        />
        <View>
          <Button
            variant="secondary"
            isDisabled={rows.length >= ADD_USERS_MAX}
            onPress={() => addRow(EMPTY_ROW)}
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
          <Checkbox isSelected={sendInstructions} onChange={setSendInstructions} data-testid="add-users-instructions">
            {t('users.sendInstructionsCheckbox')}
          </Checkbox>
        )}
      </Flex>
    </FormDialog>
  );
}
