import { Content, Flex, Heading, InlineAlert, Radio, RadioGroup, Text } from '@adobe/react-spectrum';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { FormDialog, useDialogSubmit } from '../components/FormDialog.tsx';
import type { PickerOption } from '../components/SearchPicker.tsx';
import { UserSearchPicker, userLabel } from '../components/UserSearchPicker.tsx';
import { useServerErrors } from '../components/useServerErrors.ts';

export type ContentAction = 'transfer-later' | 'transfer-now' | 'delete';

const FORM_ID = 'remove-users';

function isContentAction(value: string): value is ContentAction {
  return value === 'transfer-later' || value === 'transfer-now' || value === 'delete';
}

interface RemoveUsersDialogProps {
  userIds: string[];
  /** "Select all N matching": the list's search and filters (instead of `userIds`), and N as shown. */
  matching?: { filter: Record<string, string>; count: string };
  /** The e-mail of the one user removed, to name them; absent for several. */
  email?: string;
  /** How the users removed are named (name · e-mail), listed in the dialog. */
  people?: string[];
  onRemoved: (count: number) => void;
}

/** How many of the removed users the dialog names before "and N more". */
const NAMED = 10;

/**
 * Removes users, naming who is removed and choosing what happens to their stored content (transfer
 * later by default; to a user chosen by search; or deleted, which is final).
 */
export function RemoveUsersDialog({ userIds, matching, email, people = [], onRemoved }: RemoveUsersDialogProps) {
  const { t } = useTranslation();
  const [contentAction, setContentAction] = useState<ContentAction>('transfer-later');
  const [transferTo, setTransferTo] = useState<(PickerOption & { email: string }) | null>(null);
  const errors = useServerErrors();
  const { pending, submit } = useDialogSubmit(errors);

  const save = (event: FormEvent<HTMLFormElement>) =>
    submit(
      event,
      () =>
        api.post<{ removed: number }>('/api/v1/users/remove', {
          ...(matching ? { matching: matching.filter } : { userIds }),
          contentAction,
          ...(contentAction === 'transfer-now' && transferTo ? { transferTo: transferTo.email } : {}),
        }),
      (answer) => onRemoved(answer.removed),
    );

  const transferProblem = errors.problem('transferTo');
  return (
    <FormDialog
      formId={FORM_ID}
      testId="remove-users-dialog"
      title={
        matching
          ? t('users.remove.titleMatching', { n: matching.count })
          : email
            ? t('users.remove.titleOne', { email })
            : t('users.remove.title', { count: userIds.length })
      }
      serverErrors={{ errors, title: t('users.remove.failed'), testId: 'remove-users-error', shown: ['transferTo'] }}
      formLabel={t('users.remove.action')}
      onSubmit={save}
      submitLabel={t('users.remove.action')}
      submitTestId="remove-users-submit"
      pending={pending}
      submitVariant="negative"
    >
      <Flex direction="column" gap="size-150">
        {people.length > 1 && (
          <Flex direction="column" gap="size-50">
            <Text>{t('users.remove.who')}</Text>
            <ul className="usher-plain-list" data-testid="remove-users-who">
              {people.slice(0, NAMED).map((person) => (
                <li key={person}>{person}</li>
              ))}
            </ul>
            {people.length > NAMED && <Text>{t('users.remove.andMore', { n: people.length - NAMED })}</Text>}
          </Flex>
        )}
        <Text>{t('users.remove.intro')}</Text>
        <RadioGroup
          label={t('users.remove.content')}
          value={contentAction}
          onChange={(value) => {
            if (isContentAction(value)) {
              setContentAction(value);
              errors.edited('transferTo');
            }
          }}
          data-testid="remove-content-action"
        >
          <Radio value="transfer-later" data-testid="remove-transfer-later">
            {t('users.remove.transferLater')}
          </Radio>
          <Radio value="transfer-now" data-testid="remove-transfer-now">
            {t('users.remove.transferNow')}
          </Radio>
          <Radio value="delete" data-testid="remove-delete-content">
            {t('users.remove.deleteContent')}
          </Radio>
        </RadioGroup>
        {contentAction === 'transfer-now' && (
          <UserSearchPicker
            label={t('users.remove.transferTo')}
            description={t('users.remove.transferToHint')}
            excludeIds={new Set(userIds)}
            selected={transferTo}
            onChoose={(user) => {
              setTransferTo(user ? { id: user.id, label: userLabel(user), email: user.email } : null);
              errors.edited('transferTo');
            }}
            isRequired
            errorMessage={transferProblem}
            testId="remove-transfer-to"
          />
        )}
        {contentAction === 'delete' && (
          <InlineAlert variant="notice" data-testid="remove-delete-warning">
            <Heading>{t('users.remove.deleteWarningTitle')}</Heading>
            <Content>{t('users.remove.deleteWarning')}</Content>
          </InlineAlert>
        )}
      </Flex>
    </FormDialog>
  );
}
