import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { FormDialog, useDialogSubmit } from '../components/FormDialog.tsx';
import { FormError } from '../components/FormError.tsx';
import { useServerErrors } from '../components/useServerErrors.ts';
import type { Group } from '../types.ts';
import { GroupFields } from './GroupFields.tsx';
import { GROUP_CODE_FIELDS } from './labels.ts';

const FORM_ID = 'create-group';

/** Creates a user group: a name unique in the organization and an optional description. */
export function CreateGroupDialog({ onCreated }: { onCreated: (group: Group) => void }) {
  const { t } = useTranslation();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const errors = useServerErrors(GROUP_CODE_FIELDS);
  const { pending, submit } = useDialogSubmit(errors);

  const save = (event: FormEvent<HTMLFormElement>) =>
    submit(
      event,
      () =>
        api.post<Group>('/api/v1/groups', {
          name: name.trim(),
          ...(description.trim() ? { description: description.trim() } : {}),
        }),
      onCreated,
    );

  return (
    <FormDialog
      formId={FORM_ID}
      testId="create-group-dialog"
      title={t('groups.create.title')}
      error={
        errors.error !== null && (
          <FormError
            title={t('groups.create.failed')}
            error={errors.error}
            rest={errors.rest(['name', 'description'])}
            testId="create-group-error"
          />
        )
      }
      formLabel={t('groups.create.title')}
      onSubmit={save}
      submitLabel={t('groups.create.submit')}
      submitTestId="create-group-submit"
      pending={pending}
    >
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
    </FormDialog>
  );
}
