import { Button, DialogContainer, Divider, Flex, Form, Heading, Text, View } from '@adobe/react-spectrum';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api } from '../api.ts';
import { FormError } from '../components/FormError.tsx';
import { useServerErrors } from '../components/useServerErrors.ts';
import { useCan } from '../session.tsx';
import type { GroupDetail } from '../types.ts';
import { DeleteGroupsDialog } from './DeleteGroupsDialog.tsx';
import { GroupFields } from './GroupFields.tsx';
import { GROUP_CODE_FIELDS, groupPath } from './labels.ts';

const FORM_ID = 'group-settings';

interface SettingsTabProps {
  /** The group as last loaded; the form starts from it (remount it when its version changes). */
  group: GroupDetail;
  onSaved: (group: GroupDetail) => void;
  /** Someone else changed the group since it was loaded: the page says so and loads it again. */
  onConflict: () => void;
  onDeleted: () => void;
}

/** A group's name and description (saved with its version, so concurrent edits are noticed), and deletion. */
export function SettingsTab({ group, onSaved, onConflict, onDeleted }: SettingsTabProps) {
  const { t } = useTranslation();
  const can = useCan();
  const [name, setName] = useState(group.name);
  const [description, setDescription] = useState(group.description ?? '');
  const errors = useServerErrors(GROUP_CODE_FIELDS);
  const [pending, setPending] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const canManage = can('group.manage');
  const unchanged = name.trim() === group.name && (description.trim() || null) === (group.description ?? null);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    errors.reset();
    setPending(true);
    const patch: { name?: string; description?: string | null; version: number } = { version: group.version };
    if (name.trim() !== group.name) {
      patch.name = name.trim();
    }
    if ((description.trim() || null) !== (group.description ?? null)) {
      patch.description = description.trim() || null;
    }
    api
      .patch<GroupDetail>(groupPath(group.id), patch)
      .then((answer) => onSaved(answer))
      .catch((caught: unknown) => {
        setPending(false);
        if (caught instanceof ApiError && caught.code === 'groups.version_conflict') {
          onConflict();
        } else {
          errors.fail(caught);
        }
      });
  };

  return (
    <Flex direction="column" gap="size-300" maxWidth="size-6000">
      {errors.error !== null && (
        <FormError
          title={t('groups.settings.failed')}
          error={errors.error}
          rest={errors.rest(['name', 'description'])}
          testId="group-settings-error"
        />
      )}
      <Form id={FORM_ID} onSubmit={submit} validationBehavior="native" aria-label={t('groups.tabs.settings')}>
        <GroupFields
          name={name}
          description={description}
          onNameChange={errors.onEdit('name', setName)}
          onDescriptionChange={errors.onEdit('description', setDescription)}
          nameError={errors.problem('name')}
          descriptionError={errors.problem('description')}
          isDisabled={!canManage}
          testId="group-settings"
        />
      </Form>
      {canManage && (
        <View>
          <Button
            variant="accent"
            type="submit"
            form={FORM_ID}
            isDisabled={unchanged}
            isPending={pending}
            data-testid="group-settings-save"
          >
            {t('common.save')}
          </Button>
        </View>
      )}
      {canManage && (
        <>
          <Divider size="S" />
          <Flex direction="column" gap="size-100" alignItems="start">
            <Heading level={3} margin={0}>
              {t('groups.settings.deleteTitle')}
            </Heading>
            <Text>{t('groups.settings.deleteText')}</Text>
            <Button variant="negative" onPress={() => setDeleting(true)} data-testid="group-delete">
              {t('groups.delete.action')}
            </Button>
          </Flex>
        </>
      )}
      <DialogContainer onDismiss={() => setDeleting(false)}>
        {deleting && <DeleteGroupsDialog groupIds={[group.id]} onDeleted={onDeleted} />}
      </DialogContainer>
    </Flex>
  );
}
