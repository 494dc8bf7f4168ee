import {
  Button,
  ButtonGroup,
  Content,
  Dialog,
  Divider,
  Form,
  Heading,
  TextField,
  useDialogContainer,
} from '@adobe/react-spectrum';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LIMITS } from '../../../shared/contracts.ts';
import { ApiError, api } from '../api.ts';
import type { UserDetail } from '../types.ts';
import { FormError } from './FormError.tsx';

const FORM_ID = 'transfer-content';

/** Transfers a removed user's kept content to an active user, by e-mail. */
export function TransferContentDialog({ user, onSaved }: { user: UserDetail; onSaved: (user: UserDetail) => void }) {
  const { t } = useTranslation();
  const { dismiss } = useDialogContainer();
  const [to, setTo] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState(false);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setError(null);
    setPending(true);
    api
      .post<UserDetail>(`/api/v1/users/${encodeURIComponent(user.id)}/content/transfer`, { to: to.trim() })
      .then((saved) => {
        onSaved(saved);
        dismiss();
      })
      .catch((caught: unknown) => {
        setError(caught);
        setPending(false);
      });
  };

  const toProblem =
    error instanceof ApiError ? error.errors.find((problem) => /\bto$/.test(problem.field))?.message : undefined;
  return (
    <Dialog size="S" data-testid="transfer-content-dialog">
      <Heading>{t('users.content.transferTitle')}</Heading>
      <Divider />
      <Content>
        {error !== null && <FormError title={t('users.content.failed')} error={error} />}
        <Form id={FORM_ID} onSubmit={submit} validationBehavior="native" aria-label={t('users.content.transferTitle')}>
          <TextField
            label={t('users.remove.transferTo')}
            description={t('users.remove.transferToHint')}
            type="email"
            value={to}
            onChange={setTo}
            isRequired
            autoFocus
            maxLength={LIMITS.emailMax}
            validationState={toProblem ? 'invalid' : undefined}
            errorMessage={toProblem}
            width="100%"
            data-testid="transfer-content-to"
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
