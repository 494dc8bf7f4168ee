import { ComboBox, Flex, Item, TagGroup, Text } from '@adobe/react-spectrum';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ProfileAssignment } from '../../../shared/api/groups.ts';
import { api } from '../api.ts';
import { FormDialog, useDialogSubmit } from '../components/FormDialog.tsx';
import { FormError } from '../components/FormError.tsx';
import { useProfiles } from '../products/data.ts';
import type { ProductProfile } from '../types.ts';
import { groupPath } from './labels.ts';

const FORM_ID = 'assign-group-profiles';

/** What assigning profiles to a group answers. */
export type AssignResult = ProfileAssignment;

interface AssignProfilesDialogProps {
  groupId: string;
  groupName: string;
  /** Profiles the group already has (not offered again). */
  assignedIds: ReadonlySet<string>;
  onAssigned: (result: AssignResult) => void;
}

/** How a profile is named in the picker: "Profile (Product)". */
function profileLabel(profile: Pick<ProductProfile, 'name' | 'productName'>): string {
  return `${profile.name} (${profile.productName})`;
}

/** Assigns product profiles to a group: every member gets them (licenses permitting). */
export function AssignProfilesDialog({ groupId, groupName, assignedIds, onAssigned }: AssignProfilesDialogProps) {
  const { t } = useTranslation();
  const profiles = useProfiles(true);
  const [chosen, setChosen] = useState<ProductProfile[]>([]);
  const [input, setInput] = useState('');
  const { error, pending, submit: send, reset } = useDialogSubmit();

  const chosenIds = new Set(chosen.map((profile) => profile.id));
  const needle = input.trim().toLowerCase();
  const options = (profiles.items ?? [])
    .filter((profile) => !assignedIds.has(profile.id) && !chosenIds.has(profile.id))
    .map((profile) => ({ id: profile.id, label: profileLabel(profile) }))
    .filter((option) => option.label.toLowerCase().includes(needle));

  const submit = (event: FormEvent<HTMLFormElement>) => {
    if (chosen.length === 0) {
      event.preventDefault();
      return;
    }
    send(
      event,
      () =>
        api.post<AssignResult>(`${groupPath(groupId)}/profiles`, { profileIds: chosen.map((profile) => profile.id) }),
      onAssigned,
    );
  };

  return (
    <FormDialog
      formId={FORM_ID}
      testId="assign-profiles-dialog"
      title={t('groups.profiles.assignTitle', { name: groupName })}
      error={
        <>
          <FormError title={t('groups.profiles.assignFailed')} error={error} testId="assign-profiles-error" />
          <FormError
            title={t('groups.profiles.loadFailed')}
            error={profiles.error}
            testId="assign-profiles-load-error"
          />
        </>
      }
      formLabel={t('groups.profiles.assign')}
      onSubmit={submit}
      submitLabel={t('groups.profiles.assign')}
      submitTestId="assign-profiles-submit"
      submitDisabled={chosen.length === 0}
      pending={pending}
    >
      <Flex direction="column" gap="size-150">
        <Text>{t('groups.profiles.assignIntro')}</Text>
        <ComboBox
          label={t('groups.profiles.picker')}
          description={t('groups.profiles.pickerHint')}
          items={options}
          inputValue={input}
          onInputChange={setInput}
          selectedKey={null}
          onSelectionChange={(key) => {
            const profile = profiles.items?.find((candidate) => candidate.id === key);
            if (profile) {
              setChosen((current) => [...current, profile]);
              setInput('');
              reset();
            }
          }}
          loadingState={profiles.items === null && profiles.error === null ? 'loading' : undefined}
          menuTrigger="focus"
          width="100%"
          data-testid="assign-profiles-picker"
        >
          {(item) => <Item key={item.id}>{item.label}</Item>}
        </ComboBox>
        {chosen.length > 0 && (
          <TagGroup
            aria-label={t('groups.profiles.chosen')}
            items={chosen.map((profile) => ({ id: profile.id, label: profileLabel(profile) }))}
            onRemove={(keys) => {
              const removed = new Set([...keys].map(String));
              setChosen((current) => current.filter((profile) => !removed.has(profile.id)));
            }}
            data-testid="assign-profiles-chosen"
          >
            {(item) => <Item key={item.id}>{item.label}</Item>}
          </TagGroup>
        )}
      </Flex>
    </FormDialog>
  );
}
