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
import { useServerErrors } from '../components/useServerErrors.ts';
import type { Group } from '../types.ts';
import { GroupFields } from './GroupFields.tsx';
import { GROUP_CODE_FIELDS } from './labels.ts';

const FORM_ID = 'create-group';

/** Creates a user group: a name unique in the organization and an optional description. */
export function CreateGroupDialog({ onCreated }: { onCreated: (group: Group) => void }) {
  const { t } = useTranslation();
  const { dismiss } = useDialogContainer();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const errors = useServerErrors(GROUP_CODE_FIELDS);
  const [pending, setPending] = useState(false);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    errors.reset();
    setPending(true);
    api
      .post<Group>('/api/v1/groups', {
        name: name.trim(),
        ...(description.trim() ? { description: description.trim() } : {}),
      })
      .then((group) => {
        onCreated(group);
        dismiss();
      })
      .catch((caught: unknown) => {
        errors.fail(caught);
        setPending(false);
      });
  };

  return (
    <Dialog size="M" data-testid="create-group-dialog">
      <Heading>{t('groups.create.title')}</Heading>
      <Divider />
      <Content>
        {errors.error !== null && (
          <FormError
            title={t('groups.create.failed')}
            error={errors.error}
            rest={errors.rest(['name', 'description'])}
            testId="create-group-error"
          />
        )}
        <Form id={FORM_ID} onSubmit={submit} validationBehavior="native" aria-label={t('groups.create.title')}>
          <GroupFields
            name={name}
            description={description}
            onNameChange={(value) => {
              setName(value);
              errors.edited('name');
            }}
            onDescriptionChange={(value) => {
              setDescription(value);
              errors.edited('description');
            }}
            nameError={errors.problem('name')}
            descriptionError={errors.problem('description')}
            autoFocus
            testId="create-group"
          />
        </Form>
      </Content>
      <ButtonGroup>
        <Button variant="secondary" onPress={dismiss} isDisabled={pending}>
          {t('common.cancel')}
        </Button>
        <Button variant="accent" type="submit" form={FORM_ID} isPending={pending} data-testid="create-group-submit">
          {t('groups.create.submit')}
        </Button>
      </ButtonGroup>
    </Dialog>
  );
}
