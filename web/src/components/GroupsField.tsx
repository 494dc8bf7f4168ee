import { Flex, Item, TagGroup } from '@adobe/react-spectrum';
import { useTranslation } from 'react-i18next';
import type { Group } from '../types.ts';
import { SearchPicker } from './SearchPicker.tsx';

interface GroupsFieldProps {
  label: string;
  description?: string;
  /** The chosen groups' names. */
  value: string[];
  onChange: (names: string[]) => void;
  errorMessage?: string;
  isDisabled?: boolean;
  /** The search field's test id; the chosen tags are `<testId>-chosen`. */
  testId: string;
}

/**
 * User groups chosen by searching the organization's groups, one at a time, and shown as removable
 * tags: never typed (a typo would name no group).
 */
export function GroupsField({
  label,
  description,
  value,
  onChange,
  errorMessage,
  isDisabled,
  testId,
}: GroupsFieldProps) {
  const { t } = useTranslation();
  const chosen = new Set(value.map((name) => name.toLowerCase()));
  return (
    <Flex direction="column" gap="size-100" width="100%">
      <SearchPicker<Group>
        label={label}
        description={description}
        path="/api/v1/groups"
        searchFailedText={t('groups.picker.searchFailed')}
        toOption={(group) => (chosen.has(group.name.toLowerCase()) ? null : { id: group.id, label: group.name })}
        onChoose={(group) => {
          if (group) {
            onChange([...value, group.name]);
          }
        }}
        errorMessage={errorMessage}
        isDisabled={isDisabled}
        testId={testId}
      />
      <ChosenNames label={label} value={value} onChange={onChange} testId={testId} />
    </Flex>
  );
}

/**
 * The names chosen in a field, as removable tags under it (nothing while none is chosen); the
 * tags' test id is `<testId>-chosen`. Groups chosen by search and names picked from a list show
 * their choice so.
 */
export function ChosenNames(props: {
  label: string;
  value: string[];
  onChange: (names: string[]) => void;
  testId: string;
}) {
  const { label, value, onChange, testId } = props;
  if (value.length === 0) {
    return null;
  }
  return (
    <TagGroup
      aria-label={label}
      items={value.map((name) => ({ id: name, name }))}
      onRemove={(keys) => {
        const removed = new Set([...keys].map(String));
        onChange(value.filter((name) => !removed.has(name)));
      }}
      data-testid={`${testId}-chosen`}
    >
      {(item) => <Item key={item.id}>{item.name}</Item>}
    </TagGroup>
  );
}
