import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { FormDialog, useDialogSubmit } from '../components/FormDialog.tsx';
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
      serverErrors={{
        errors,
        title: t('groups.create.failed'),
        testId: 'create-group-error',
        shown: ['name', 'description'],
      }}
      formLabel={t('groups.create.title')}
      onSubmit={save}
      submitLabel={t('groups.create.submit')}
      submitTestId="create-group-submit"
      pending={pending}
    >
      <GroupFields
        name={name}
        description={description}
        onNameChange={errors.onEdit('name', setName)}
        onDescriptionChange={errors.onEdit('description', setDescription)}
        nameError={errors.problem('name')}
        descriptionError={errors.problem('description')}
        autoFocus
        testId="create-group"
      />
    </FormDialog>
  );
}
