import {
  Button,
  ButtonGroup,
  Content,
  Dialog,
  Divider,
  Form,
  Heading,
  useDialogContainer,
} from '@adobe/react-spectrum';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { FormError } from '../components/FormError.tsx';
import type { PickerOption } from '../components/SearchPicker.tsx';
import { UserSearchPicker, userLabel } from '../components/UserSearchPicker.tsx';
import { useServerErrors } from '../components/useServerErrors.ts';
import type { UserDetail } from '../types.ts';

const FORM_ID = 'transfer-content';

/** Transfers a removed user's kept content to an active user, by e-mail. */
export function TransferContentDialog({ user, onSaved }: { user: UserDetail; onSaved: (user: UserDetail) => void }) {
  const { t } = useTranslation();
  const { dismiss } = useDialogContainer();
  const [to, setTo] = useState<(PickerOption & { email: string }) | null>(null);
  const errors = useServerErrors();
  const [pending, setPending] = useState(false);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    errors.reset();
    setPending(true);
    api
      .post<UserDetail>(`/api/v1/users/${encodeURIComponent(user.id)}/content/transfer`, { to: to?.email ?? '' })
      .then((saved) => {
        onSaved(saved);
        dismiss();
      })
      .catch((caught: unknown) => {
        // The target is checked as in Remove users, where its field is `transferTo`.
        errors.fail(caught, (field) => (field === 'transferTo' ? 'to' : field));
        setPending(false);
      });
  };

  const toProblem = errors.problem('to');
  return (
    <Dialog size="S" data-testid="transfer-content-dialog">
      <Heading>{t('users.content.transferTitle')}</Heading>
      <Divider />
      <Content>
        {errors.error !== null && (
          <FormError
            title={t('users.content.failed')}
            error={errors.error}
            rest={errors.rest(['to'])}
            testId="transfer-content-error"
          />
        )}
        <Form id={FORM_ID} onSubmit={submit} validationBehavior="native" aria-label={t('users.content.transferTitle')}>
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
        </Form>
      </Content>
      <ButtonGroup>
        <Button variant="secondary" onPress={dismiss} isDisabled={pending}>
          {t('common.cancel')}
        </Button>
        <Button variant="accent" type="submit" form={FORM_ID} isPending={pending} data-testid="transfer-content-submit">
          {t('users.content.transfer')}
        </Button>
      </ButtonGroup>
    </Dialog>
  );
}
