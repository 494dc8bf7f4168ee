import { useTranslation } from 'react-i18next';
import type { Group } from '../types.ts';
import { SearchPicker } from './SearchPicker.tsx';

/** A chosen group as pickers and forms keep it. */
export interface GroupChoice {
  id: string;
  name: string;
}

interface GroupSearchPickerProps {
  label: string;
  description?: string;
  selected: GroupChoice | null;
  onChange: (group: GroupChoice | null) => void;
  errorMessage?: string;
  /** Whether a group must be chosen (default true). */
  isRequired?: boolean;
  testId: string;
}

/** Searches the organization's user groups by name and chooses one. */
export function GroupSearchPicker({ selected, onChange, isRequired = true, ...props }: GroupSearchPickerProps) {
  const { t } = useTranslation();
  return (
    <SearchPicker<Group>
      {...props}
      path="/api/v1/groups"
      searchFailedText={t('groups.picker.searchFailed')}
      toOption={(group) => ({ id: group.id, label: group.name })}
      selected={selected ? { id: selected.id, label: selected.name } : null}
      onChoose={(group) => onChange(group ? { id: group.id, name: group.name } : null)}
      isRequired={isRequired}
    />
  );
}
