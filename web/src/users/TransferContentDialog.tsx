import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { FormDialog, useDialogSubmit } from '../components/FormDialog.tsx';
import type { PickerOption } from '../components/SearchPicker.tsx';
import { UserSearchPicker, userLabel } from '../components/UserSearchPicker.tsx';
import { useServerErrors } from '../components/useServerErrors.ts';
import type { UserDetail } from '../types.ts';

const FORM_ID = 'transfer-content';

/** Transfers a removed user's kept content to an active user, by e-mail. */
export function TransferContentDialog({ user, onSaved }: { user: UserDetail; onSaved: (user: UserDetail) => void }) {
  const { t } = useTranslation();
  const [to, setTo] = useState<(PickerOption & { email: string }) | null>(null);
  const errors = useServerErrors();
  const { pending, submit } = useDialogSubmit({
    reset: errors.reset,
    // The target is checked as in Remove users, where its field is `transferTo`.
    fail: (caught) => errors.fail(caught, (field) => (field === 'transferTo' ? 'to' : field)),
  });

  const save = (event: FormEvent<HTMLFormElement>) =>
    submit(
      event,
      () =>
        api.post<UserDetail>(`/api/v1/users/${encodeURIComponent(user.id)}/content/transfer`, { to: to?.email ?? '' }),
      onSaved,
    );

  const toProblem = errors.problem('to');
  return (
    <FormDialog
      formId={FORM_ID}
      size="S"
      testId="transfer-content-dialog"
      title={t('users.content.transferTitle')}
      serverErrors={{ errors, title: t('users.content.failed'), testId: 'transfer-content-error', shown: ['to'] }}
      formLabel={t('users.content.transferTitle')}
      onSubmit={save}
      submitLabel={t('users.content.transfer')}
      submitTestId="transfer-content-submit"
      pending={pending}
    >
      <UserSearchPicker
        label={t('users.remove.transferTo')}
        description={t('users.remove.transferToHint')}
        excludeIds={new Set([user.id])}
        selected={to}
        onChoose={(chosen) => {
          setTo(chosen ? { id: chosen.id, label: userLabel(chosen), email: chosen.email } : null);
          errors.edited('to');
        }}
        isRequired
        errorMessage={toProblem}
        testId="transfer-content-to"
      />
    </FormDialog>
  );
}
