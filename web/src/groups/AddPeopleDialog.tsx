import { Button, Divider, Flex, Heading, Item, TagGroup, Text, View } from '@adobe/react-spectrum';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api } from '../api.ts';
import { FormDialog, useDialogSubmit } from '../components/FormDialog.tsx';
import { FormError } from '../components/FormError.tsx';
import { UserSearchPicker, userLabel } from '../components/UserSearchPicker.tsx';
import { useServerErrors } from '../components/useServerErrors.ts';
import type { GroupDetail, User } from '../types.ts';
import { type NewUserRow, NewUserRows, newUserOf, useNewUserRows } from '../users/NewUserRows.tsx';
import { groupPath } from './labels.ts';

/** Users (existing and new together) added to a group, or made its admins, per save. */
export const ADD_PEOPLE_MAX = 10;

const EMPTY_ROW: NewUserRow = { email: '', firstName: '', lastName: '' };

interface AddPeopleDialogProps {
  groupId: string;
  groupName: string;
  /** `members` adds users to the group; `admins` makes them the group's admins. */
  kind: 'members' | 'admins';
  /** Whether new users may be created by e-mail (product admins may only add existing users). */
  allowNew: boolean;
  /** Users not to offer (current admins). */
  excludeIds?: ReadonlySet<string>;
  /**
   * Called after the save with the number of users added and created, and (for admins) the
   * group as the server answered it.
   */
  onSaved: (result: { added: number; created: number }, group: GroupDetail | null) => void;
}

/**
 * Adds up to 10 users to a group (or as its admins) per save: existing users found by name or
 * e-mail, and new users entered by e-mail with optional names.
 */
export function AddPeopleDialog({ groupId, groupName, kind, allowNew, excludeIds, onSaved }: AddPeopleDialogProps) {
  const { t } = useTranslation();
  const [chosen, setChosen] = useState<User[]>([]);
  const errors = useServerErrors();
  const { rows, setRow, removeRow, addRow, fields, filled } = useNewUserRows<NewUserRow>([], errors);
  /** The existing users sent, to name them in problems about `userIds.<n>`. */
  const [sentUsers, setSentUsers] = useState<User[]>([]);
  const [forbiddenNew, setForbiddenNew] = useState(false);
  const { pending, submit: send } = useDialogSubmit(errors);
  const formId = `add-group-${kind}`;
  const text =
    kind === 'members'
      ? {
          title: t('groups.members.add.title', { name: groupName }),
          intro: t('groups.members.add.intro', { max: ADD_PEOPLE_MAX }),
          failed: t('groups.members.add.failed'),
          submit: t('groups.members.add.submit'),
        }
      : {
          title: t('groups.admins.add.title', { name: groupName }),
          intro: t('groups.admins.add.intro', { max: ADD_PEOPLE_MAX }),
          failed: t('groups.admins.add.failed'),
          submit: t('groups.admins.add.submit'),
        };

  const total = chosen.length + filled.length;
  const full = chosen.length + rows.length >= ADD_PEOPLE_MAX;
  const exclude = new Set([...(excludeIds ?? []), ...chosen.map((user) => user.id)]);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    const indexes = filled;
    if (chosen.length + indexes.length === 0) {
      event.preventDefault();
      return;
    }
    setSentUsers(chosen);
    const newUsers = indexes.map((index) => newUserOf(rows[index]!));
    const body = {
      ...(chosen.length > 0 ? { userIds: chosen.map((user) => user.id) } : {}),
      ...(newUsers.length > 0 ? { newUsers } : {}),
    };
    send(
      event,
      () =>
        kind === 'members'
          ? api
              .post<{ added: number; created: number }>(`${groupPath(groupId)}/members`, body)
              .then((answer) => onSaved(answer, null))
          : api
              .post<GroupDetail>(`${groupPath(groupId)}/admins`, body)
              .then((group) => onSaved({ added: chosen.length + newUsers.length, created: 0 }, group)),
      () => {},
      true,
      (caught) => {
        // Request rows skip the empty form rows: name each problem by its form row.
        errors.fail(caught, (field) => {
          const match = /^newUsers\.(\d+)(?:\.([A-Za-z]+))?/.exec(field);
          const row = match ? indexes[Number(match[1])] : undefined;
          return match && row !== undefined ? `rows.${row}.${match[2] ?? 'email'}` : field;
        });
        setForbiddenNew(caught instanceof ApiError && caught.code === 'auth.forbidden' && indexes.length > 0);
      },
    );
  };

  const rest = errors.rest(fields(['email', 'firstName', 'lastName']), (field) => {
    const user = /^userIds\.(\d+)$/.exec(field);
    const named = user ? sentUsers[Number(user[1])] : undefined;
    return named ? userLabel(named) : field;
  });

  return (
    <FormDialog
      formId={formId}
      size="L"
      width="min(960px, 92vw)"
      testId={`${formId}-dialog`}
      title={text.title}
      error={
        <FormError
          title={text.failed}
          error={errors.error}
          // A product admin's refusal to create users says why, in the console's language.
          rest={forbiddenNew ? [t('groups.people.newForbidden'), ...rest] : rest}
          testId={`${formId}-error`}
        />
      }
      formLabel={text.title}
      onSubmit={submit}
      submitLabel={text.submit}
      submitTestId={`${formId}-submit`}
      submitDisabled={total === 0}
      pending={pending}
    >
      <Flex direction="column" gap="size-150">
        <Text>{text.intro}</Text>
        <UserSearchPicker
          label={t('groups.people.existing')}
          description={t('groups.people.existingHint')}
          excludeIds={exclude}
          onChoose={(user) => {
            if (user) {
              setChosen((current) => [...current, user]);
              errors.edited('userIds');
            }
          }}
          isDisabled={full}
          testId={`${formId}-search`}
        />
        {chosen.length > 0 && (
          <TagGroup
            aria-label={t('groups.people.chosen')}
            items={chosen.map((user) => ({ id: user.id, label: userLabel(user) }))}
            onRemove={(keys) => {
              const removed = new Set([...keys].map(String));
              setChosen((current) => current.filter((user) => !removed.has(user.id)));
              errors.edited('userIds');
            }}
            data-testid={`${formId}-chosen`}
          >
            {(item) => <Item key={item.id}>{item.label}</Item>}
          </TagGroup>
        )}
        {allowNew && (
          <>
            <Divider size="S" marginY="size-100" />
            <Heading level={3} margin={0}>
              {t('groups.people.new')}
            </Heading>
            <NewUserRows
              rows={rows}
              setRow={setRow}
              removeRow={removeRow}
              problem={errors.problem}
              testId={formId}
              everyRowRequired
            />
            <View>
              <Button
                variant="secondary"
                isDisabled={full}
                onPress={() => addRow(EMPTY_ROW)}
                data-testid={`${formId}-new`}
              >
                {t('groups.people.addNew')}
              </Button>
            </View>
          </>
        )}
        <Text data-testid={`${formId}-count`}>{t('groups.people.count', { n: total, max: ADD_PEOPLE_MAX })}</Text>
      </Flex>
    </FormDialog>
  );
}
